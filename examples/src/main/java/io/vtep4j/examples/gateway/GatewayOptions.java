package io.vtep4j.examples.gateway;

import io.vtep4j.OuterHeader;
import io.vtep4j.UnderlayIo;
import io.vtep4j.XdpMode;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.GreHeader;
import io.vtep4j.encap.VxlanHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The gateway's command-line options as picocli fills them in: raw text, turned into a checked
 * {@link GatewayConfig} by {@link #toConfig()}. Mutable, confined to the thread that parses.
 */
final class GatewayOptions {
    @Option(names = "--local", paramLabel = "ADDR", description = "Underlay source address (one of this host's).")
    String local;

    @Option(names = "--port", paramLabel = "IFACE", description = "The L2 trunk interface (see --trunk-io).")
    String port;

    @Option(
            names = "--trunk-io",
            paramLabel = "afpacket|xdp|pcap",
            description = "How the trunk is read and written: afpacket (a TPACKET_V3 ring on the VTEP's event loop; "
                    + "the default on Linux), xdp (AF_XDP copy mode with an XDP program the gateway loads; a socket "
                    + "per receive queue, at most 64; falls back to afpacket with a log line; see --xdp-mode) or "
                    + "pcap (libpcap on a thread of its own; the portable fallback).")
    String trunkIo = "auto";

    @Option(names = "--vlan", paramLabel = "VID:VNI", description = "Map 802.1Q VLAN VID (1..4094) to VNI. Repeatable.")
    List<String> vlans = new ArrayList<>();

    @Option(names = "--untagged", paramLabel = "VNI", description = "Map the trunk's untagged frames to VNI.")
    String untagged;

    @Option(
            names = "--flood",
            paramLabel = "VNI=[ENCAP:]ADDR[,...]",
            description = "Head-end replication: remote VTEPs that get VNI's broadcast and unknown unicast; ENCAP "
                    + "(vxlan:, nvgre:, gre-udp:) floods that one in another encapsulation than --encap, and the "
                    + "gateway then also runs that underlay, bridging the segment across both.")
    List<String> flood = new ArrayList<>();

    @Option(names = "--group", paramLabel = "VNI=MCAST", description = "Multicast group that floods VNI.")
    List<String> groups = new ArrayList<>();

    @Option(names = "--group-dev", paramLabel = "IFACE", description = "Interface to join the --group groups on.")
    String groupDev;

    @Option(
            names = "--encap",
            paramLabel = "vxlan|nvgre|gre-udp",
            description = "Encapsulation of unprefixed --flood targets and of the remotes the control plane adds "
                    + "(default: vxlan).")
    String encap = "vxlan";

    @Option(
            names = "--dst-port",
            paramLabel = "N",
            description = "UDP destination port, 1..65535 (default: 4789 for vxlan, 4754 for gre-udp).")
    String dstPort;

    @Option(
            names = "--ageing",
            paramLabel = "DURATION",
            description = "MAC ageing time: seconds, or 10s, 5m, 2h, 1d; more than 0, at most 10 days (default: 300).")
    String ageing = "300";

    @Option(
            names = "--flood-limit",
            paramLabel = "PPS",
            description = "Most broadcast/multicast/unknown-unicast frames per second each VNI floods from the trunk; "
                    + "the rest are dropped (default: " + GatewayConfig.DEFAULT_FLOOD_LIMIT + "; 0 turns it off).")
    String floodLimit = Integer.toString(GatewayConfig.DEFAULT_FLOOD_LIMIT);

    @Option(
            names = "--busy-poll",
            paramLabel = "USECS",
            description = "Busy-poll the underlay sockets for USECS microseconds when a read finds them empty "
                    + "(SO_BUSY_POLL, SO_PREFER_BUSY_POLL; needs CAP_NET_ADMIN), 0..10000 (default: 0, off). With "
                    + "--trunk-io xdp or --underlay-io xdp|xdp-receive the AF_XDP sockets busy-poll too: while "
                    + "frames keep coming the gateway runs the interface's receive itself, where its driver allows it (not "
                    + "a veth; set the interface's napi_defer_hard_irqs and gro_flush_timeout, see GATEWAY.md).")
    String busyPoll = "0";

    @Option(
            names = "--underlay-io",
            paramLabel = "socket|xdp|xdp-receive",
            description = "How the UDP underlay moves packets: socket (default): kernel UDP sockets; xdp: an AF_XDP "
                    + "socket on the interface holding --local (IPv4, needs CAP_NET_ADMIN + CAP_BPF), kernel sockets "
                    + "where it cannot run (one log line says why); xdp-receive: receive as xdp, send every packet "
                    + "through the kernel UDP socket (so that --udp-gso applies).")
    String underlayIo = "socket";

    @Option(
            names = "--xdp-mode",
            paramLabel = "auto|native|generic",
            description = "How the XDP programs of --trunk-io xdp and --underlay-io xdp|xdp-receive are attached: "
                    + "native (in the driver), generic (after the driver, on the kernel's socket buffer; every "
                    + "interface has it) or auto (default: generic on a veth, whose native mode holds only 256 frames "
                    + "per queue for a NAPI context of its own; else native, or generic where the driver has no "
                    + "XDP).")
    String xdpMode = "auto";

    @Option(
            names = "--pmtu-signalling",
            paramLabel = "on|off",
            description = "Answer a trunk frame too big for the tunnel (IPv4 with DF, IPv6) with ICMP fragmentation "
                    + "needed / packet too big, at most 1000 per second (default: on).")
    String pmtuSignalling = "on";

    @Option(
            names = "--tos",
            paramLabel = "DSCP|inherit",
            description = "Outer DSCP 0..63, or inherit: DSCP and ECN copied from the inner IP header (RFC 6040; "
                    + "direct I/O only) (default: 0).")
    String tos = "0";

    @Option(
            names = "--ttl",
            paramLabel = "N|inherit",
            description = "Outer TTL / hop limit 1..255, or inherit it from the inner IP header (direct I/O only) "
                    + "(default: 64).")
    String ttl = "64";

    @Option(
            names = "--df",
            paramLabel = "set|unset|inherit",
            description = "Outer IPv4 Don't Fragment bit: set, unset, or inherit it from the inner IPv4 header (inner "
                    + "IPv6: set); per packet (inherit) only with --src-port-range; no meaning over IPv6, which "
                    + "never fragments on the path (default: set).")
    String df = "set";

    @Option(
            names = "--src-port-range",
            paramLabel = "MIN-MAX|off",
            description = "UDP source ports of the tunnel packets, one per inner flow, e.g. 49152-65535 (RFC 7348): "
                    + "sent through raw sockets, needs CAP_NET_RAW (without it: one warning, the bound port) "
                    + "(default: off, the bound port).")
    String srcPortRange;

    @Option(
            names = "--udp6-zero-checksum-tx",
            description = "Send zero UDP checksums over an IPv6 underlay (RFC 6935/6936; the peer must accept them) "
                    + "(default: off).")
    boolean udp6ZeroChecksumTx;

    @Option(
            names = "--udp-gso",
            description = "Send runs of equal-size tunnel packets to one remote as UDP GSO messages: the kernel "
                    + "segments them, one system call and one pass through the stack per run instead of per packet. "
                    + "UDP checksums are then computed (RFC 7348 allows them); excludes --src-port-range and "
                    + "--udp6-zero-checksum-tx (default: off).")
    boolean udpGso;

    @Option(
            names = "--udp-gro",
            description = "Let the kernel coalesce same-flow tunnel packets into one message of up to 64 KiB (UDP "
                    + "GRO); the gateway splits each back into its packets, one system call and one pass through the "
                    + "stack per run instead of per packet. Pays off when remotes send GSO runs or the underlay NIC "
                    + "coalesces (default: off).")
    boolean udpGro;

    @Option(
            names = "--decap-offload",
            description = "Decapsulate in the kernel: an XDP program on the underlay interface turns each VXLAN "
                    + "packet from a source the gateway has learned at that remote into the tagged frame and sends "
                    + "it out of the trunk without waking the gateway (it checks the IPv4 header's checksum, not a "
                    + "non-zero UDP checksum, as RFC 7348 allows); floods, ARP, IPv6, ECN-marked or unusual packets "
                    + "and unknown sources still go through the gateway. Needs root, an IPv4 "
                    + "--local, --encap vxlan and a --vlan (the --untagged VNI stays with the gateway); excludes "
                    + "--underlay-io xdp|xdp-receive, --udp-gro and --pcap-out (default: off).")
    boolean decapOffload;

    @Option(
            names = "--encap-offload",
            description = "Encapsulate in the kernel: an XDP program on the trunk turns each tagged frame from a MAC "
                    + "the gateway has learned on the trunk to a MAC it has learned at a remote VTEP into that VXLAN "
                    + "packet and sends it out of the underlay without waking the gateway; floods, unknown "
                    + "destinations, ARP, IPv6, frames too big for the tunnel and remotes whose next hop the kernel "
                    + "has not resolved still go through the gateway. Needs root, an IPv4 --local, --encap vxlan, a "
                    + "--vlan and the default outer header (--tos 0, --ttl 64, --df set, no --src-port-range); "
                    + "excludes --trunk-io xdp and --pcap-out (default: off).")
    boolean encapOffload;

    @Option(
            names = "--busy-wait",
            paramLabel = "USECS",
            description = "After its last packet or task, each event loop keeps polling for USECS microseconds "
                    + "instead of sleeping in epoll_wait: under steady traffic it holds its CPU at 100 %% and is never "
                    + "woken (saves a thread wake-up per burst; on a virtual machine, the halt and wake of its CPU). "
                    + "For a host that gives the gateway a CPU of its own; 1000 covers the gaps of steady traffic. "
                    + "0..10000000 (default: 0, off).")
    String busyWait = "0";

    @Option(
            names = "--arp-suppress",
            description = "ARP and ND suppression on every VNI: answer the trunk's ARP requests and neighbor "
                    + "solicitations for hosts behind remote VTEPs whose address is known, instead of flooding them "
                    + "(default: off).")
    boolean arpSuppress;

    @Option(
            names = "--max-macs",
            paramLabel = "N",
            description = "Most MACs the forwarding table holds, 1..16777216 (default: 1048576).")
    String maxMacs;

    @Option(
            names = "--max-macs-per-vni",
            paramLabel = "N",
            description = "Most MACs any one VNI holds, 1..--max-macs (default: no limit below --max-macs).")
    String maxMacsPerVni;

    @Option(
            names = "--stats-interval",
            paramLabel = "DURATION",
            description = "Status line period, 100ms..24h, e.g. 10s, 500ms; 0 turns it off (default: 10s).")
    String statsInterval = "10s";

    @Option(
            names = "--fdb-interval",
            paramLabel = "DURATION",
            description = "Also print the forwarding table this often, 100ms..24h (default: 0, only on SIGUSR2).")
    String fdbInterval = "0";

    @Option(
            names = "--metrics-port",
            paramLabel = "N",
            description = "Serve Prometheus metrics at http://ADDR:N/metrics, N 1..65535 (default: no metrics).")
    String metricsPort;

    @Option(
            names = "--metrics-address",
            paramLabel = "ADDR",
            description = "Address the metrics endpoint listens on (default: 127.0.0.1).")
    String metricsAddress;

    @Option(names = "--pcap-out", paramLabel = "FILE", description = "Write underlay packets sent and received.")
    Path pcapOut;

    @Option(
            names = "--evpn",
            paramLabel = "HOST:PORT",
            description = "BGP EVPN through a running gobgpd's gRPC API: advertise the mapped VNIs and local MACs, "
                    + "install remote ones; --flood and --group become optional.")
    String evpn;

    @Option(
            names = "--evpn-asn",
            paramLabel = "N",
            description = "Route targets N:VNI for every mapped VNI, N in 1..4294967295 (default: gobgpd's own AS).")
    String evpnAsn;

    @Option(
            names = "--evpn-learn-underlay",
            description = "With --evpn, also learn remote MACs from the underlay (default: only from BGP).")
    boolean evpnLearnUnderlay;

    @Option(
            names = "--config",
            paramLabel = "FILE",
            description = "Read options from FILE: one 'option value' per line, '#' comments; the command line wins.")
    Path config;

    /** Checks every value and their combination; throws {@link ConfigException} on the first problem. */
    GatewayConfig toConfig() {
        if (local == null) {
            throw new ConfigException("missing --local ADDR (the underlay source address)");
        }
        if (port == null) {
            throw new ConfigException("missing --port IFACE (the trunk interface)");
        }
        VlanMap.Builder map = VlanMap.builder();
        vlans.forEach(v -> GatewayConfig.parseVlan(v, map));
        if (untagged != null) {
            map.untagged(integer("--untagged", untagged));
        }
        Encapsulation encapsulation = GatewayConfig.encapsulation(encap);
        Map<Integer, List<FloodTarget>> floodLists = new LinkedHashMap<>();
        for (String f : flood) {
            Map.Entry<Integer, List<FloodTarget>> entry = GatewayConfig.parseFlood(f, encapsulation);
            if (floodLists.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
                throw new ConfigException("--flood names VNI " + entry.getKey() + " twice (list its addresses once, "
                        + "comma-separated)");
            }
        }
        Map<Integer, InetAddress> groupMap = new LinkedHashMap<>();
        for (String g : groups) {
            Map.Entry<Integer, InetAddress> entry = GatewayConfig.parseGroup(g);
            if (groupMap.putIfAbsent(entry.getKey(), entry.getValue()) != null) {
                throw new ConfigException("--group names VNI " + entry.getKey() + " twice");
            }
        }
        int udpPort = dstPort(encapsulation);
        Duration ageingTime = Limits.ageing(ageing);
        int macs = maxMacs == null ? Limits.DEFAULT_MAX_MACS : Limits.range("--max-macs", maxMacs, 1, Limits.MAX_MACS);
        int macsPerVni = maxMacsPerVni == null
                ? 0
                : Limits.range("--max-macs-per-vni", maxMacsPerVni, 1, macs, "at most --max-macs");
        int floodPps = integer("--flood-limit", floodLimit);
        if (floodPps < 0 || floodPps > 1_000_000_000) {
            throw new ConfigException(
                    "--flood-limit " + floodLimit + ": expected 0 (off) or 1..1000000000 packets per second");
        }
        boolean pmtu = Limits.onOff("--pmtu-signalling", pmtuSignalling);
        OuterHeader.Builder outer = OuterHeader.builder();
        if (tos.trim().equals("inherit")) {
            outer.inheritTos();
        } else {
            outer.dscp(Limits.range("--tos", tos, 0, 63, "a DSCP, or inherit"));
        }
        if (ttl.trim().equals("inherit")) {
            outer.inheritTtl();
        } else {
            outer.ttl(Limits.range("--ttl", ttl, 1, 255, "or inherit"));
        }
        outer.df(OuterSendFlags.df(df));
        OuterSendFlags send =
                OuterSendFlags.parse(srcPortRange, udp6ZeroChecksumTx).withGso(udpGso);
        EvpnSettings evpnSettings = null;
        if (evpn != null) {
            if (!evpn.matches("\\[?[0-9A-Za-z.:-]+]?:\\d{1,5}")) {
                throw new ConfigException("--evpn " + evpn + ": expected HOST:PORT (gobgpd's --api-hosts)");
            }
            evpnSettings = new EvpnSettings(evpn, evpnAsn == null ? 0 : asn(evpnAsn), evpnLearnUnderlay);
        } else if (evpnAsn != null || evpnLearnUnderlay) {
            throw new ConfigException("--evpn-asn and --evpn-learn-underlay need --evpn HOST:PORT");
        }
        return new GatewayConfig(
                GatewayConfig.address("--local", local),
                port,
                map.build(),
                floodLists,
                groupMap,
                groupDev,
                encapsulation,
                udpPort,
                ageingTime,
                macs,
                macsPerVni,
                Limits.interval("--stats-interval", statsInterval),
                Limits.interval("--fdb-interval", fdbInterval),
                pcapOut,
                floodPps,
                metrics(),
                evpnSettings,
                pmtu,
                outer.build(),
                send,
                arpSuppress,
                TrunkIo.parse(trunkIo),
                Limits.range("--busy-poll", busyPoll, 0, 10_000, "microseconds, 0 turns it off"),
                underlayIo(underlayIo),
                xdpMode(xdpMode),
                udpGro,
                java.time.Duration.ofNanos(
                        1000L * Limits.range("--busy-wait", busyWait, 0, 10_000_000, "microseconds, 0 turns it off")),
                decapOffload,
                encapOffload);
    }

    /** {@code --underlay-io socket|xdp|xdp-receive}. */
    static UnderlayIo underlayIo(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "socket" -> UnderlayIo.SOCKET;
            case "xdp" -> UnderlayIo.XDP;
            case "xdp-receive" -> UnderlayIo.XDP_RECEIVE;
            default -> throw new ConfigException("--underlay-io " + text + ": expected socket, xdp or xdp-receive");
        };
    }

    /** {@code --xdp-mode auto|native|generic}. */
    static XdpMode xdpMode(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> XdpMode.AUTO;
            case "native", "drv", "driver" -> XdpMode.NATIVE;
            case "generic", "skb" -> XdpMode.GENERIC;
            default -> throw new ConfigException("--xdp-mode " + text + ": expected auto, native or generic");
        };
    }

    /** The metrics endpoint, or null without {@code --metrics-port}. */
    private InetSocketAddress metrics() {
        if (metricsPort == null) {
            if (metricsAddress != null) {
                throw new ConfigException("--metrics-address " + metricsAddress + " needs --metrics-port N");
            }
            return null;
        }
        int p = Limits.range("--metrics-port", metricsPort, 1, 65535);
        InetAddress address = GatewayConfig.address(
                "--metrics-address", metricsAddress == null ? Limits.DEFAULT_METRICS_ADDRESS : metricsAddress.trim());
        if (address.isMulticastAddress()) {
            throw new ConfigException(
                    "--metrics-address " + metricsAddress + ": expected a unicast or wildcard address");
        }
        return new InetSocketAddress(address, p);
    }

    private int dstPort(Encapsulation encapsulation) {
        if (dstPort == null) {
            return encapsulation == Encapsulation.GRE_UDP ? GreHeader.GRE_IN_UDP_PORT : VxlanHeader.DEFAULT_PORT;
        }
        if (encapsulation == Encapsulation.NVGRE) {
            throw new ConfigException("--dst-port has no meaning with --encap nvgre (NVGRE is IP protocol 47)");
        }
        return Limits.range("--dst-port", dstPort, 1, 65535);
    }

    /** {@code --evpn-asn}: a two- or four-octet AS number (RFC 6793), 1..4294967295. */
    private static long asn(String text) {
        String t = text.trim();
        long max = io.vtep4j.evpn.RouteTarget.MAX_ASN4;
        if (!t.matches("\\d{1,10}") || Long.parseLong(t) < 1 || Long.parseLong(t) > max) {
            throw new ConfigException("--evpn-asn " + text + ": expected a whole number in 1.." + max);
        }
        return Long.parseLong(t);
    }

    private static int integer(String option, String text) {
        return Limits.integer(option, text);
    }
}
