package io.vtep4j.examples.gateway;

import io.vtep4j.OuterHeader;
import io.vtep4j.UnderlayIo;
import io.vtep4j.XdpMode;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.NvgreCodec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Everything the gateway needs to start, checked: where the underlay is, which trunk interface, the VLAN/VNI
 * map, flooding, encapsulation and operations settings.
 *
 * <p>Immutable and thread-safe. Built by {@link GatewayCommand} from its options; every parse method throws a
 * {@link ConfigException} whose message names the option and the problem in one line.
 */
public final class GatewayConfig {
    private static final Pattern VLAN_TO_VNI = Pattern.compile("(-?\\d{1,9}):(-?\\d{1,9})");
    private static final Pattern VNI_EQUALS = Pattern.compile("(-?\\d{1,9})=(.+)");
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)?");

    final InetAddress local;
    final String port;
    final VlanMap vlans;
    final Map<Integer, List<FloodTarget>> flood;
    /** {@link #encapsulation} first, then the others {@code --flood} prefixes name: one underlay each. */
    final List<Encapsulation> encapsulations;

    final Map<Integer, InetAddress> groups;
    final String groupDev;
    final Encapsulation encapsulation;
    final int dstPort;
    final Duration ageing;
    final int maxMacs;
    /** 0: no per-VNI limit below {@link #maxMacs}. */
    final int maxMacsPerVni;

    final Duration statsInterval;
    final Duration fdbInterval;
    final Path pcapOut;
    /** BUM frames per second and VNI flooded from the trunk; 0 is off. */
    final int floodLimit;

    /**
     * Default of {@code --flood-limit}: 1000 frames per second and VNI, with a one-second burst. A healthy segment's
     * broadcast and multicast (ARP, ND, DHCP, mDNS) stays in the tens per second, and a burst of 1000 absorbs the
     * ARP wave of a thousand hosts after a failover; a loop or a storm on the trunk is cut to 1000 per second per
     * VNI, which head-end replication multiplies by the number of peers at most (12 Mbit/s per peer at 1500 bytes).
     */
    static final int DEFAULT_FLOOD_LIMIT = 1000;
    /** Where the Prometheus endpoint listens, or null for none. */
    final InetSocketAddress metrics;
    /** Null without {@code --evpn}. */
    final EvpnSettings evpn;
    /** {@code --pmtu-signalling}: ICMP answers to trunk frames too big for the tunnel. */
    final boolean pmtuSignalling;
    /** {@code --tos}, {@code --ttl}: the outer TOS / TTL rule. */
    final OuterHeader outerHeader;
    /** {@code --src-port-range}, {@code --udp6-zero-checksum-tx}. */
    final OuterSendFlags outerSend;
    /** {@code --arp-suppress}: ARP/ND suppression on every mapped VNI. */
    final boolean arpSuppress;
    /** {@code --trunk-io}. */
    final TrunkIo trunkIo;
    /** {@code --busy-poll}: microseconds of busy polling on the underlay sockets; 0: off. */
    final int busyPollMicros;
    /** {@code --underlay-io}: kernel sockets, AF_XDP, or AF_XDP receive with socket sends for the UDP underlay. */
    final UnderlayIo underlayIo;
    /** {@code --xdp-mode}: how the trunk's and underlay's XDP programs are attached. */
    final XdpMode xdpMode;
    /** {@code --udp-gro}: UDP GRO on the underlay sockets. */
    final boolean udpGro;
    /** {@code --busy-wait}: how long the event loops keep polling after their last work; zero: not at all. */
    final Duration busyWait;

    /** {@code --decap-offload}: overlay-to-trunk VXLAN decapsulated by an XDP program on the underlay interface. */
    final boolean decapOffload;

    /** {@code --encap-offload}: trunk-to-overlay VXLAN encapsulated by an XDP program on the trunk. */
    final boolean encapOffload;

    GatewayConfig(
            InetAddress local,
            String port,
            VlanMap vlans,
            Map<Integer, List<FloodTarget>> flood,
            Map<Integer, InetAddress> groups,
            String groupDev,
            Encapsulation encapsulation,
            int dstPort,
            Duration ageing,
            int maxMacs,
            int maxMacsPerVni,
            Duration statsInterval,
            Duration fdbInterval,
            Path pcapOut,
            int floodLimit,
            InetSocketAddress metrics,
            EvpnSettings evpn,
            boolean pmtuSignalling,
            OuterHeader outerHeader,
            OuterSendFlags outerSend,
            boolean arpSuppress,
            TrunkIo trunkIo,
            int busyPollMicros,
            UnderlayIo underlayIo,
            XdpMode xdpMode,
            boolean udpGro,
            Duration busyWait,
            boolean decapOffload,
            boolean encapOffload) {

        this.local = Objects.requireNonNull(local, "local");
        this.port = Objects.requireNonNull(port, "port");
        this.vlans = Objects.requireNonNull(vlans, "vlans");
        this.flood = Collections.unmodifiableMap(new TreeMap<>(flood));
        this.groups = Collections.unmodifiableMap(new TreeMap<>(groups));
        this.groupDev = groupDev;
        this.encapsulation = Objects.requireNonNull(encapsulation, "encapsulation");
        this.encapsulations = FloodTarget.encapsulations(encapsulation, this.flood.values());
        this.dstPort = dstPort;
        this.ageing = ageing;
        this.maxMacs = maxMacs;
        this.maxMacsPerVni = maxMacsPerVni;
        this.statsInterval = statsInterval;
        this.fdbInterval = fdbInterval;
        this.pcapOut = pcapOut;
        this.floodLimit = floodLimit;
        this.metrics = metrics;
        this.evpn = evpn;
        this.pmtuSignalling = pmtuSignalling;
        this.outerHeader = Objects.requireNonNull(outerHeader, "outerHeader");
        this.outerSend = Objects.requireNonNull(outerSend, "outerSend");
        this.arpSuppress = arpSuppress;
        this.trunkIo = Objects.requireNonNull(trunkIo, "trunkIo");
        this.busyPollMicros = busyPollMicros;
        this.underlayIo = Objects.requireNonNull(underlayIo, "underlayIo");
        this.xdpMode = Objects.requireNonNull(xdpMode, "xdpMode");
        this.udpGro = udpGro;
        this.busyWait = Objects.requireNonNull(busyWait, "busyWait");
        this.decapOffload = decapOffload;
        this.encapOffload = encapOffload;
        checkConsistent();
        checkDecapOffload();
        checkEncapOffload();
    }

    private void checkConsistent() {
        if (vlans.isEmpty()) {
            throw new ConfigException("nothing to bridge: give at least one --vlan VID:VNI or --untagged VNI");
        }
        for (Map.Entry<Integer, List<FloodTarget>> f : flood.entrySet()) {
            requireMapped("--flood", f.getKey());
            if (f.getValue().stream().anyMatch(t -> t.address().equals(local))) {
                throw new ConfigException("--flood " + f.getKey() + "=" + local.getHostAddress() + ": that is --local, "
                        + "this gateway's own address (expected: remote VTEPs; every flood would come back)");
            }
        }
        for (Map.Entry<Integer, InetAddress> group : groups.entrySet()) {
            requireMapped("--group", group.getKey());
            if (!group.getValue().isMulticastAddress()) {
                throw new ConfigException("--group " + group.getKey() + "="
                        + group.getValue().getHostAddress() + ": not a multicast address");
            }
        }
        if (!groups.isEmpty() && groupDev == null) {
            throw new ConfigException("--group needs --group-dev IFACE (the interface to join the group on)");
        }
        if (encapsulations.stream().anyMatch(e -> e != Encapsulation.VXLAN)) {
            // NVGRE and GRE-in-UDP carry a VSID: RFC 7637 §3.2 reserves 0..4095 and 16777215
            for (int vsid : vlans.byVni().keySet()) {
                if (NvgreCodec.isReservedVsid(vsid)) {
                    throw new ConfigException("VSID " + vsid + " is reserved for NVGRE (RFC 7637 §3.2: 0..4095 and "
                            + VlanMap.MAX_VNI + ")");
                }
            }
        }
        if (evpn != null && !encapsulations.equals(List.of(Encapsulation.VXLAN))) {
            throw new ConfigException("--evpn needs --encap vxlan (EVPN over VXLAN, RFC 8365)");
        }
        if (evpn != null && local.getAddress().length != 4) {
            throw new ConfigException("--evpn needs an IPv4 --local (it is the routes' next hop and RD)");
        }
        if (xdpMode != XdpMode.AUTO
                && trunkIo != TrunkIo.XDP
                && underlayIo == UnderlayIo.SOCKET
                && !decapOffload
                && !encapOffload) {
            throw new ConfigException("--xdp-mode " + xdpMode.name().toLowerCase(Locale.ROOT)
                    + ": no XDP program to attach (expected with --trunk-io xdp, --underlay-io xdp|xdp-receive, "
                    + "--decap-offload or --encap-offload)");
        }
        if (local.isMulticastAddress() || local.isAnyLocalAddress()) {
            throw new ConfigException("--local " + local.getHostAddress() + ": expected a unicast address");
        }
    }

    /** What the kernel-side decapsulation cannot do, refused at start with the rule. */
    private void checkDecapOffload() {
        if (!decapOffload) {
            return;
        }
        String why = null;
        if (local.getAddress().length != 4) {
            why = "needs an IPv4 --local (the program reads IPv4 headers)";
        } else if (!encapsulations.equals(List.of(Encapsulation.VXLAN))) {
            why = "needs --encap vxlan and VXLAN flood targets only (the program decapsulates VXLAN)";
        } else if (underlayIo != UnderlayIo.SOCKET) {
            why = "excludes --underlay-io "
                    + underlayIo.name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + " (its own XDP program holds the underlay interface)";
        } else if (udpGro) {
            why = "excludes --udp-gro (the program sees coalesced packets as one)";
        } else if (pcapOut != null) {
            why = "excludes --pcap-out (frames decapsulated in the kernel never reach the recorder)";
        } else if (taggedVnis().isEmpty()) {
            why = "needs a --vlan VID:VNI (the program sends tagged frames; the --untagged VNI stays with the gateway)";
        }
        if (why != null) {
            throw new ConfigException("--decap-offload " + why);
        }
    }

    /** What the kernel-side encapsulation cannot do, refused at start with the rule. */
    private void checkEncapOffload() {
        if (!encapOffload) {
            return;
        }
        String why = null;
        if (local.getAddress().length != 4) {
            why = "needs an IPv4 --local (the program writes IPv4 headers)";
        } else if (!encapsulations.equals(List.of(Encapsulation.VXLAN))) {
            why = "needs --encap vxlan and VXLAN flood targets only (the program writes VXLAN)";
        } else if (trunkIo == TrunkIo.XDP) {
            why = "excludes --trunk-io xdp (its own XDP program holds the trunk interface)";
        } else if (!outerHeader.equals(OuterHeader.FIXED)) {
            why = "needs the default outer header: --tos 0, --ttl 64, --df set (the program writes those)";
        } else if (outerSend.sourcePortMin() != 0) {
            why = "excludes --src-port-range (the program picks source ports 49152..65535 by its own hash)";
        } else if (pcapOut != null) {
            why = "excludes --pcap-out (packets encapsulated in the kernel never reach the recorder)";
        } else if (taggedVnis().isEmpty()) {
            why = "needs a --vlan VID:VNI (the program takes tagged frames; the --untagged VNI stays with the gateway)";
        }
        if (why != null) {
            throw new ConfigException("--encap-offload " + why);
        }
    }

    /** The VNIs mapped to a VLAN id (not the untagged one), each to its VLAN, in VNI order. */
    Map<Integer, Integer> taggedVnis() {
        Map<Integer, Integer> tagged = new TreeMap<>(vlans.byVni());
        tagged.values().removeIf(vlan -> vlan == VlanMap.UNTAGGED);
        return tagged;
    }

    private void requireMapped(String option, int vni) {
        if (vlans.vlanOf(vni) == VlanMap.NONE) {
            throw new ConfigException(option + " names VNI " + vni + ", which no --vlan or --untagged maps");
        }
    }

    /**
     * Checks what only the running system can tell: the trunk and group interfaces exist, the local address is
     * one of this host's. Reads the system, changes nothing.
     */
    void checkSystem() {
        requireInterface("--port", port);
        if (metrics != null && !metrics.getAddress().isAnyLocalAddress()) {
            requireLocal("--metrics-address", metrics.getAddress());
        }
        if (pcapOut != null) {
            Path dir = pcapOut.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
                throw new ConfigException("--pcap-out " + pcapOut + ": " + dir + " is not a writable directory");
            }
        }
        if (groupDev != null) {
            requireInterface("--group-dev", groupDev);
        }
        requireLocal("--local", local);
    }

    private static void requireLocal(String option, InetAddress address) {
        try {
            if (NetworkInterface.getByInetAddress(address) == null) {
                throw new ConfigException(option + " " + address.getHostAddress() + " is not an address of this host");
            }
        } catch (SocketException e) {
            throw new ConfigException(
                    option + " " + address.getHostAddress() + ": cannot list interfaces: " + e.getMessage(), e);
        }
    }

    private static void requireInterface(String option, String name) {
        if (!interfaceExists(name)) {
            throw new ConfigException(option + " " + name + ": no such interface");
        }
    }

    /**
     * True if this network namespace has interface {@code name}. Reads {@code /proc/self/net/dev}, which lists every
     * interface, up or down, with or without addresses ({@link NetworkInterface} misses those without an address).
     */
    static boolean interfaceExists(String name) {
        try {
            return Files.readAllLines(Path.of("/proc/self/net/dev")).stream()
                    .map(String::strip)
                    .anyMatch(line -> line.startsWith(name + ":"));
        } catch (IOException notLinux) {
            try {
                return NetworkInterface.getByName(name) != null;
            } catch (SocketException e) {
                throw new ConfigException("cannot list network interfaces: " + e.getMessage(), e);
            }
        }
    }

    // ---- parsing of single option values; each failure names the option and the value ----

    /** Parses {@code VID:VNI} into {@code builder}. */
    static void parseVlan(String text, VlanMap.Builder builder) {
        Matcher m = VLAN_TO_VNI.matcher(text.trim());
        if (!m.matches()) {
            throw new ConfigException("--vlan " + text + ": expected VID:VNI, e.g. 100:10100");
        }
        builder.map(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /**
     * Parses {@code VNI=[ENCAP:]ADDR[,[ENCAP:]ADDR...]}, ENCAP one of {@code vxlan}, {@code nvgre}, {@code gre-udp};
     * an address without one is flooded in {@code unprefixed} ({@code --encap}).
     */
    static Map.Entry<Integer, List<FloodTarget>> parseFlood(String text, Encapsulation unprefixed) {
        Matcher m = VNI_EQUALS.matcher(text.trim());
        if (!m.matches()) {
            throw new ConfigException(
                    "--flood " + text + ": expected VNI=ADDR[,ADDR...], each ADDR optionally "
                            + "prefixed vxlan:, nvgre: or gre-udp:, e.g. 10100=10.99.0.2 or 10100=vxlan:10.99.0.2,nvgre:10.99.0.3");
        }
        int vni = VlanMap.checkVni(Integer.parseInt(m.group(1)));
        List<FloodTarget> targets = java.util.Arrays.stream(m.group(2).split(",", -1))
                .map(a -> FloodTarget.parse("--flood " + text, a, unprefixed))
                .toList();
        List<InetAddress> remotes = targets.stream().map(FloodTarget::address).toList();
        if (new java.util.HashSet<>(remotes).size() < remotes.size()) {
            throw new ConfigException("--flood " + text + ": an address is listed twice");
        }
        for (InetAddress remote : remotes) {
            if (remote.isMulticastAddress() || remote.isAnyLocalAddress()) {
                throw new ConfigException("--flood " + text + ": " + remote.getHostAddress()
                        + " is not a unicast address (use --group for multicast)");
            }
        }
        return Map.entry(vni, targets);
    }

    /** Parses {@code VNI=MCAST}. */
    static Map.Entry<Integer, InetAddress> parseGroup(String text) {
        Matcher m = VNI_EQUALS.matcher(text.trim());
        if (!m.matches()) {
            throw new ConfigException("--group " + text + ": expected VNI=MCAST, e.g. 10100=239.1.1.1");
        }
        return Map.entry(VlanMap.checkVni(Integer.parseInt(m.group(1))), address("--group " + text, m.group(2)));
    }

    /** Parses an address literal (never a host name: no DNS lookups from a gateway's configuration). */
    static InetAddress address(String option, String text) {
        boolean v4 = IPV4_LITERAL.matcher(text).matches();
        boolean literal = v4 || (text.contains(":") && text.matches("[0-9a-fA-F:.]+"));
        // an IPv4-looking text with an octet above 255 would be looked up as a host name: refuse it here
        if (!literal || (v4 && java.util.Arrays.stream(text.split("\\.")).anyMatch(o -> Integer.parseInt(o) > 255))) {
            throw new ConfigException(option + ": '" + text + "' is not an IPv4 or IPv6 address");
        }
        try {
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            throw new ConfigException(option + ": '" + text + "' is not an IPv4 or IPv6 address", e);
        }
    }

    /** Parses {@code vxlan}, {@code nvgre} or {@code gre-udp}. */
    static Encapsulation encapsulation(String text) {
        switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "vxlan":
                return Encapsulation.VXLAN;
            case "nvgre":
                return Encapsulation.NVGRE;
            case "gre-udp":
                return Encapsulation.GRE_UDP;
            default:
                throw new ConfigException("--encap " + text + ": expected vxlan, nvgre or gre-udp");
        }
    }

    /**
     * Parses {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 2d}, a bare number of seconds, or ISO-8601
     * ({@code PT10S}, {@code P1D}); callers check the range.
     */
    static Duration duration(String option, String text) {
        String t = text.trim();
        if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
            try {
                return Duration.parse(t);
            } catch (RuntimeException e) {
                throw new ConfigException(option + " " + text + ": expected a duration such as 10s, 500ms, 5m", e);
            }
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new ConfigException(option + " " + text + ": expected a duration such as 10s, 500ms, 5m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        switch (unit) {
            case "ms":
                return Duration.ofMillis(n);
            case "m":
                return Duration.ofMinutes(n);
            case "h":
                return Duration.ofHours(n);
            case "d":
                return Duration.ofDays(n);
            default:
                return Duration.ofSeconds(n);
        }
    }

    /** One-paragraph description for the start-up banner. */
    String describe() {
        StringBuilder out = new StringBuilder();
        out.append("trunk ")
                .append(port)
                .append(", underlay ")
                .append(local.getHostAddress())
                .append(' ')
                .append(encapsulations.stream().map(FloodTarget::name).toList());
        if (encapsulation != Encapsulation.NVGRE) {
            out.append(" port ").append(dstPort);
        }
        out.append(System.lineSeparator()).append("  ").append(vlans);
        boolean prefixed = encapsulations.size() > 1;
        flood.forEach((vni, remotes) -> out.append(System.lineSeparator())
                .append("  vni ")
                .append(vni)
                .append(" floods to ")
                .append(remotes.stream().map(t -> t.describe(prefixed)).toList()));
        groups.forEach((vni, group) -> out.append(System.lineSeparator())
                .append("  vni ")
                .append(vni)
                .append(" floods to group ")
                .append(group.getHostAddress())
                .append(" on ")
                .append(groupDev));
        if (metrics != null) {
            String host = metrics.getAddress().getHostAddress();
            out.append(System.lineSeparator())
                    .append("  metrics at http://")
                    .append(host.contains(":") ? "[" + host + "]" : host)
                    .append(':')
                    .append(metrics.getPort())
                    .append("/metrics");
        }
        return out.toString();
    }
}
