package io.vtep4j;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.internal.Checks;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The underlay half of {@link Vtep.Builder}: local addresses, encapsulations, ports, the outer header, MTUs, event
 * loops and socket I/O. Its setters are part of {@code Vtep.Builder}'s API (they return it); this class only keeps them
 * apart from the forwarding and learning options. Not thread-safe, as the builder.
 */
abstract sealed class UnderlayOptions permits Vtep.Builder {
    /** Largest underlay MTU we accept: an IPv4/IPv6 packet length is 16 bits. */
    static final int MAX_MTU = 65535;
    /** Smallest underlay MTU: the IPv4 minimum every host must reassemble (RFC 791). */
    static final int MIN_MTU = 576;
    /** {@link #nvgreFlowId} not set: the FlowID comes from the inner-flow hash. */
    static final int FLOW_ID_FROM_HASH = -1;

    final List<InetAddress> localAddresses = new ArrayList<>();
    Encapsulation encapsulation = Encapsulation.VXLAN;
    /** Underlays run beside {@link #encapsulation}, in transport order 1, 2. */
    final List<Encapsulation> moreEncapsulations = new ArrayList<>();
    /** MTUs set per encapsulation with {@link #mtu(Encapsulation, int)}. */
    final Map<Encapsulation, Integer> mtus = new EnumMap<>(Encapsulation.class);
    /** UDP ports set per encapsulation with {@link #port(Encapsulation, int)}. */
    final Map<Encapsulation, Integer> ports = new EnumMap<>(Encapsulation.class);

    boolean acceptInnerVlan;
    int port = -1;
    int ttl = 64;
    int dscp;
    int mtu = 1500;
    boolean strictReserved;
    int nvgreFlowId = FLOW_ID_FROM_HASH;
    String multicastInterface;
    int eventLoops = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    Duration busyWait = Duration.ZERO;
    int readBatch = 32;
    boolean udpGro;
    boolean udpGso;
    int busyPollMicros;
    int sourcePorts;
    /** {@link #sourcePortRange}: 0 and 0 when off. */
    int sourcePortMin;

    int sourcePortMax;
    boolean udp6ZeroChecksumTx;
    /** Null: automatic (see {@link #directIo}). */
    Boolean directIo = DirectIoChoice.fromProperty();

    UnderlayIo underlayIo = UnderlayIo.SOCKET;
    XdpMode xdpMode = XdpMode.AUTO;

    EventLoopGroup sharedGroup;
    ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
    OuterHeader outerHeader;

    UnderlayOptions() {}

    private Vtep.Builder self() {
        return (Vtep.Builder) this;
    }

    /** Adds a local underlay address (IPv4 or IPv6, at most one of each family used for sending). */
    public Vtep.Builder localAddress(String address) {
        return localAddress(BuilderChecks.address(address));
    }

    /** Adds a local underlay address; not wildcard, not multicast, not added twice. */
    public Vtep.Builder localAddress(InetAddress address) {
        localAddresses.add(BuilderChecks.newLocalAddress(address, localAddresses));
        return self();
    }

    /** The UDP port to listen on and send to (default 4789 for VXLAN, 4754 for GRE-in-UDP; 8472 for old Linux). */
    public Vtep.Builder port(int port) {
        this.port = Checks.inRange("port", port, 1, 65535);
        return self();
    }

    /**
     * The UDP port of one encapsulation's underlay (VXLAN, GRE_UDP), overriding {@link #port(int)} and the
     * standard port for it; for a VTEP with several underlays ({@link #encapsulations}).
     *
     * @throws IllegalArgumentException for NVGRE (IP protocol 47 has no port) or a port out of 1..65535
     */
    public Vtep.Builder port(Encapsulation encapsulation, int port) {
        Objects.requireNonNull(encapsulation, "encapsulation");
        if (encapsulation == Encapsulation.NVGRE) {
            throw new IllegalArgumentException("port: NVGRE (expected: VXLAN or GRE_UDP; NVGRE is IP protocol 47)");
        }
        ports.put(encapsulation, Checks.inRange("port", port, 1, 65535));
        return self();
    }

    /**
     * Deliver VXLAN packets whose inner frame carries an 802.1Q/802.1ad tag instead of dropping them as
     * {@code INNER_VLAN_TAGGED} (default false; RFC 7348 §6.1 says SHOULD NOT decapsulate them). Such a frame
     * reaches local ports with its tag, but never crosses into NVGRE or GRE-in-UDP, which forbid inner tags
     * (RFC 7637 §3.2): there it is dropped as {@code CROSSING_TAGGED_FRAME}.
     */
    public Vtep.Builder acceptInnerVlan(boolean accept) {
        this.acceptInnerVlan = accept;
        return self();
    }

    /** VXLAN (default), NVGRE (raw IP protocol 47; needs CAP_NET_RAW) or GRE_UDP (RFC 8086). */
    public Vtep.Builder encapsulation(Encapsulation encapsulation) {
        this.encapsulation = Objects.requireNonNull(encapsulation, "encapsulation");
        moreEncapsulations.clear();
        return self();
    }

    /**
     * Runs one underlay per encapsulation at once, so that a segment (one VNI / VSID) spans them all: a remote
     * learned from an NVGRE packet is answered in NVGRE, one learned from VXLAN in VXLAN, and flood targets name
     * their encapsulation ({@link Segment#floodTo(Encapsulation, InetAddress)}). {@code first} is the default,
     * used where none is named ({@link Segment#floodTo(InetAddress)}, static entries on transport 0); the
     * others get transport numbers 1, 2 in the order given (see {@link io.vtep4j.learning.Location#transport()}).
     *
     * <p>Between encapsulations the VTEP bridges: a frame that arrived over one goes to local ports and to the
     * remotes and groups of the other encapsulations, never back into the one it came from (split horizon per
     * encapsulation; the peers of one encapsulation reach each other directly). An 802.1Q-tagged frame from VXLAN
     * does not cross into NVGRE or GRE-in-UDP ({@code CROSSING_TAGGED_FRAME}). {@link #port} applies to the first
     * encapsulation; another UDP one listens on its standard port (VXLAN 4789, GRE-in-UDP 4754).
     *
     * @throws IllegalArgumentException if an encapsulation is named twice
     */
    public Vtep.Builder encapsulations(Encapsulation first, Encapsulation... more) {
        Objects.requireNonNull(first, "first");
        Objects.requireNonNull(more, "more");
        EnumSet<Encapsulation> seen = EnumSet.of(first);
        for (Encapsulation e : more) {
            Objects.requireNonNull(e, "encapsulation");
            if (!seen.add(e)) {
                throw new IllegalArgumentException(
                        "encapsulations: " + e + " named twice (expected: each encapsulation at most once)");
            }
        }
        this.encapsulation = first;
        moreEncapsulations.clear();
        moreEncapsulations.addAll(List.of(more));
        return self();
    }

    /** Outer TTL / hop limit (default 64); also the multicast TTL. */
    public Vtep.Builder ttl(int ttl) {
        this.ttl = Checks.inRange("ttl", ttl, 1, 255);
        return self();
    }

    /** Outer DSCP (default 0). */
    public Vtep.Builder dscp(int dscp) {
        this.dscp = Checks.inRange("dscp", dscp, 0, 63);
        return self();
    }

    /**
     * Outer TOS / TTL per packet (default: the fixed {@link #dscp} and {@link #ttl}): inherit them from the inner
     * header, with RFC 6040 ECN. Its fixed DSCP and TTL become the sockets' ({@link #dscp}, {@link #ttl}).
     * Segments may override it ({@link Segment#outerHeader(OuterHeader)}).
     */
    public Vtep.Builder outerHeader(OuterHeader header) {
        this.outerHeader = Objects.requireNonNull(header, "header");
        this.dscp = header.dscp();
        this.ttl = header.ttl();
        return self();
    }

    /**
     * Underlay MTU (default 1500): a frame whose tunnel packet would be longer is dropped as {@code MTU_EXCEEDED}
     * and never fragmented (RFC 7348 §4.3). VXLAN over IPv4 needs the inner frame + 36 bytes (inner IP + 50).
     */
    public Vtep.Builder mtu(int mtu) {
        this.mtu = Checks.inRange("mtu", mtu, MIN_MTU, MAX_MTU);
        return self();
    }

    /**
     * The underlay MTU of one encapsulation, overriding {@link #mtu(int)} for it: with several underlays
     * ({@link #encapsulations}) each path may have its own. The check is the same per underlay: the whole outer
     * packet must fit, so NVGRE over IPv4 (outer 20 + GRE 8) carries an inner frame 16 bytes longer than VXLAN
     * (outer 20 + UDP 8 + VXLAN 8) at the same MTU.
     */
    public Vtep.Builder mtu(Encapsulation encapsulation, int mtu) {
        Objects.requireNonNull(encapsulation, "encapsulation");
        mtus.put(encapsulation, Checks.inRange("mtu", mtu, MIN_MTU, MAX_MTU));
        return self();
    }

    /** Drop packets with reserved header bits set, as Linux does (default false: ignore them, as RFC 7348 §5). */
    public Vtep.Builder strictReserved(boolean strict) {
        this.strictReserved = strict;
        return self();
    }

    /**
     * Sends every NVGRE and GRE-in-UDP packet with this FlowID (0..255) instead of the default, per-flow entropy
     * from the inner-flow hash (RFC 7637 §3.2 leaves the choice to the NVE). Needed by peers that match the whole
     * 32-bit key, such as Open vSwitch with {@code options:key=0x12345601} (VSID 0x123456, FlowID 0x01). Ignored
     * for VXLAN; received FlowIDs are accepted whatever they are.
     */
    public Vtep.Builder nvgreFlowId(int flowId) {
        this.nvgreFlowId = Checks.inRange("nvgreFlowId", flowId, 0, 255);
        return self();
    }

    /** The interface on which multicast flood groups are joined and sent (required for groups). */
    public Vtep.Builder multicastInterface(String name) {
        this.multicastInterface = BuilderChecks.interfaceName(name);
        return self();
    }

    /** Event loops, each with its own underlay socket (SO_REUSEPORT); default min(4, cores). */
    public Vtep.Builder eventLoops(int count) {
        this.eventLoops = Checks.inRange("eventLoops", count, 1, 256);
        return self();
    }

    /**
     * How long each of the VTEP's own event loops keeps polling after its last work before it sleeps (default
     * {@link Duration#ZERO}: it waits in {@code epoll_wait} as soon as nothing is ready). While packets keep coming,
     * and for {@code window} after, a loop polls its sockets with a zero timeout, runs its tasks and turns again,
     * holding its CPU at 100 %. That saves the wake-up of a sleeping thread for each burst, and on a virtual machine
     * the halt and wake of its CPU, which costs a trip through the hypervisor. Scheduled work (ageing, flushes) runs
     * on time either way. Meant for hosts that give the VTEP CPUs of its own, as a gateway appliance does; a window
     * of a millisecond covers the gaps of steady traffic, and an idle VTEP then costs no CPU. Measured in
     * bench/RESULTS.md. Unrelated to {@link #busyPoll}, which changes how a socket read waits, not the loop.
     *
     * <p>Only for the VTEP's own loops: with {@link #eventLoopGroup} the group's owner decides how its loops wait,
     * and {@link Vtep.Builder#build()} refuses both together.
     *
     * @throws IllegalArgumentException if {@code window} is negative or longer than 10 s
     */
    public Vtep.Builder busyWait(Duration window) {
        this.busyWait = BuilderChecks.busyWait(window);
        return self();
    }

    /**
     * Runs this VTEP on an event loop group the application owns instead of its own (then {@link #eventLoops} is
     * ignored and {@link Vtep#close()} leaves the group running). VTEPs that hand frames to each other (VNI
     * stitching) should share one: a send from a handler is then a write on the same thread, not a task hop.
     * The group must match the transport: {@code MultiThreadIoEventLoopGroup} with {@code EpollIoHandler} on
     * Linux (NIO with {@code -Dvtep4j.transport=nio}).
     */
    public Vtep.Builder eventLoopGroup(EventLoopGroup group) {
        this.sharedGroup = BuilderChecks.runningGroup(group);
        return self();
    }

    /** Datagrams per receive system call (recvmmsg; default 32; 1 turns batching off). */
    public Vtep.Builder readBatch(int datagrams) {
        this.readBatch = Checks.inRange("readBatch", datagrams, 1, 1024);
        return self();
    }

    /**
     * Opt-in busy polling on the underlay's UDP sockets: {@code SO_BUSY_POLL} of {@code microseconds} and
     * {@code SO_PREFER_BUSY_POLL}, so that a read finding the socket empty first polls the device's NAPI context
     * instead of waiting for its interrupt (default 0: off). Needs CAP_NET_ADMIN ({@link Vtep.Builder#build()} fails
     * without), and helps only where the receiving device has NAPI ids (physical NICs; veth only with GRO or XDP
     * on); the event loop's own epoll wait busy-polls only when the host's {@code net.core.busy_poll} is set,
     * which the library never changes. Measured on veth in bench/RESULTS.md.
     *
     * <p>With {@link #underlayIo underlayIo(XDP)} or {@code XDP_RECEIVE} the AF_XDP socket busy-polls too, where the
     * kernel links it to the device's NAPI context (drivers that register one per receive queue; a veth does not, and
     * then one log line says so and nothing changes): while packets keep coming the event loop runs the device's
     * receive itself, up to 64 frames a round, instead of being woken for them, and stops at the first empty round.
     * It pays fully where the device defers its interrupts to these polls ({@code napi_defer_hard_irqs} and
     * {@code gro_flush_timeout} in sysfs, set by the operator): overload is then dropped before the kernel does any
     * work for it.
     *
     * @throws IllegalArgumentException if {@code microseconds} is not 0..10000
     */
    public Vtep.Builder busyPoll(int microseconds) {
        this.busyPollMicros = Checks.inRange("busyPoll", microseconds, 0, 10_000);
        return self();
    }

    /**
     * Ask the kernel for UDP GRO on receive (default off): coalesced datagrams arrive in one 64 KiB read and are
     * split again before the forwarder sees them. With {@link #directIo} the split happens on the zero-allocation
     * path, up to 8 such messages per {@code recvmmsg}; on Netty's path GRO replaces recvmmsg batching. Pays off
     * only when peers send GSO runs, or the underlay NIC coalesces (see bench/RESULTS.md). Each direct read then
     * takes a pooled buffer of up to 512 KiB, which frames a {@link FrameHandler} keeps hold alive. Not with an
     * AF_XDP {@link #underlayIo} (the XDP program takes the datagrams before the kernel's UDP layer could coalesce
     * them): the underlay then falls back to sockets.
     */
    public Vtep.Builder udpGro(boolean on) {
        this.udpGro = on;
        return self();
    }

    /**
     * Send runs of equal-size packets to one peer as UDP GSO super-datagrams (default off; epoll only). Linux
     * refuses GSO on a socket that sends zero UDP checksums, so with GSO the IPv4 checksum is computed. Direct I/O
     * puts up to 128 packets in one message, 64 on kernels that refuse more (found at their first refusal, and those
     * packets are sent again). Works with {@link #underlayIo underlayIo(XDP_RECEIVE)} (sends through the socket);
     * {@code XDP} falls back to sockets.
     */
    public Vtep.Builder udpGso(boolean on) {
        this.udpGso = on;
        return self();
    }

    /**
     * Source-port entropy (RFC 7348 §5): {@code sockets} send-only UDP sockets per event loop and local address,
     * bound to ports spread over 49152..65535; each packet leaves through the one its inner flow hash picks.
     * 0 (default) sends every packet from the bound port.
     */
    public Vtep.Builder sourcePorts(int sockets) {
        this.sourcePorts = Checks.inRange("sourcePorts", sockets, 0, 64);
        return self();
    }

    /**
     * Source ports over a whole range, chosen per inner flow by the flow hash (RFC 7348 §5 recommends
     * 49152..65535): a packet of one flow always leaves from the same port, different flows spread over the range,
     * so an ECMP underlay can spread them too. Off by default (every packet from the bound port, or the
     * {@link #sourcePorts} pool): it needs privileges the library should not ask for unprompted.
     *
     * <p>How: one kernel UDP socket has one source port, so unicast packets leave instead through send-only raw
     * sockets ({@code socket(AF_INET[6], SOCK_RAW, IPPROTO_UDP)}, bound to the local address, receiving nothing)
     * on which vtep4j writes the 8-byte UDP header itself: over IPv4 with a zero checksum (RFC 7348 §5), over IPv6
     * with one the kernel computes (IPV6_CHECKSUM), or zero with {@link #udp6ZeroChecksumTx}. TOS, TTL and DF per
     * packet apply as on the UDP socket ({@link OuterHeader}); DF per packet works only here. Receiving and
     * multicast sends stay on the UDP socket. Costs measured in bench/RESULTS.md ("Step: raw send path").
     *
     * <p>Needs CAP_NET_RAW and the direct I/O platform (Linux, x86_64 / aarch64): where either is missing the VTEP
     * logs one warning naming why (System.Logger {@code io.vtep4j}) and sends as without this setting. Excludes
     * {@link #udpGso} (GSO needs the kernel's UDP socket): {@link Vtep.Builder#build()} rejects both.
     *
     * @param min first port, 1..65535
     * @param max last port, {@code min}..65535
     */
    public Vtep.Builder sourcePortRange(int min, int max) {
        Checks.inRange("sourcePortRange min", min, 1, 65535);
        Checks.inRange("sourcePortRange max", max, min, 65535);
        this.sourcePortMin = min;
        this.sourcePortMax = max;
        return self();
    }

    /**
     * Send UDP over an IPv6 underlay with a zero checksum (UDP_NO_CHECK6_TX; RFC 6935 allows it for tunnels, RFC
     * 6936 says when). Default off: a checksum is computed. Peers must accept zero checksums (Linux:
     * {@code udp6zerocsumrx}); vtep4j itself always does. Excludes {@link #udpGso} (Linux refuses GSO on such a
     * socket): {@link Vtep.Builder#build()} rejects both. IPv4 sends a zero checksum unless GSO is on, whatever this says.
     */
    public Vtep.Builder udp6ZeroChecksumTx(boolean on) {
        this.udp6ZeroChecksumTx = on;
        return self();
    }

    /**
     * Direct datagram I/O for the UDP encapsulations (VXLAN, GRE-in-UDP) on Linux epoll: receive and send with
     * {@code recvmmsg} / {@code sendmmsg} over native vectors, so that forwarding allocates no objects per
     * packet, instead of Netty's datagram reads and writes (about 200 bytes of garbage per forwarded packet).
     * With {@link #udpGso} it sends each run as one GSO message; with {@link #udpGro} it reads up to 8 coalesced
     * messages of up to 64 KiB per call and splits each into its datagrams itself. NVGRE's raw transport ignores
     * it. Measured in
     * bench/RESULTS.md ("Step: direct datagram I/O"): 0 B instead of about 150 B per forwarded packet, the same
     * or a little less CPU per packet.
     *
     * <p>Default: automatic, that is on wherever it can run (Linux epoll on x86_64 or aarch64), GRO or not; the
     * system property {@value Vtep.Builder#DIRECT_IO_PROPERTY} overrides the default. Set explicitly,
     * {@code true} fails at {@link Vtep.Builder#build()} where it cannot run, naming why.
     */
    public Vtep.Builder directIo(boolean on) {
        this.directIo = on;
        return self();
    }

    /**
     * How the UDP underlay moves packets (default {@link UnderlayIo#SOCKET}). {@link UnderlayIo#XDP} is opt-in: the
     * VTEP loads a small XDP program on the interface holding its IPv4 local address (attached through a BPF link,
     * so it goes with the process) that steers UDP to that address and port into an {@code AF_XDP} socket read on
     * the VTEP's first event loop, and sends from that loop through the same socket, writing the outer Ethernet,
     * IPv4 and UDP headers itself (next-hop MAC from the kernel's route and neighbour tables; UDP source port from
     * the flow hash over 49152..65535; UDP checksum 0). ARP, ICMP and other traffic still reach the kernel, and the
     * kernel UDP socket stays bound: it owns the port and carries IPv6, multicast, sends from other event loops, and
     * packets to a next hop whose MAC the kernel does not know yet (so that the kernel resolves it).
     *
     * <p>{@link UnderlayIo#XDP_RECEIVE} receives the same way but writes no frames itself: every send goes through
     * the kernel UDP socket, so {@link #udpGso} can coalesce runs to one peer into one message, where the AF_XDP
     * transmit path hands the kernel one descriptor per frame. No next-hop lookups are made in that mode.
     *
     * <p>Where AF_XDP cannot run, the VTEP uses sockets and logs one line saying why (System.Logger
     * {@code io.vtep4j}): not Linux or no epoll, no CAP_NET_ADMIN / CAP_BPF, no IPv4 local address, NVGRE or several
     * encapsulations, {@link #udpGro} (either mode), {@link #udpGso} (with {@code XDP}; {@code XDP_RECEIVE} sends
     * through the socket, which does GSO), {@link #sourcePorts} or {@link #sourcePortRange}, an MTU above 3798, no
     * interface holding the address. {@link Vtep#underlayIo()} tells which is in use after
     * {@link Vtep.Builder#build()}.
     *
     * @throws NullPointerException if {@code io} is null
     */
    public Vtep.Builder underlayIo(UnderlayIo io) {
        this.underlayIo = Objects.requireNonNull(io, "underlayIo: null (expected: SOCKET, XDP or XDP_RECEIVE)");
        return self();
    }

    /**
     * With {@link #underlayIo underlayIo(XDP)} or {@code XDP_RECEIVE}: how the XDP program is attached to the
     * interface (default {@link XdpMode#AUTO}: generic on a veth, else native where the driver has it, else
     * generic). {@link XdpMode#NATIVE} where native mode is refused, like anything else that keeps AF_XDP from
     * running, leaves the VTEP on sockets with one log line saying why. {@link Vtep.Builder#build()} fails if a mode
     * other than {@code AUTO} is set with {@link UnderlayIo#SOCKET}, which attaches no program.
     *
     * @throws NullPointerException if {@code mode} is null
     */
    public Vtep.Builder xdpMode(XdpMode mode) {
        this.xdpMode = Objects.requireNonNull(mode, "xdpMode: null (expected: AUTO, NATIVE or GENERIC)");
        return self();
    }

    /**
     * Allocator for receive buffers (default {@code PooledByteBufAllocator.DEFAULT}). Not Netty 4.2's default
     * adaptive allocator: its slices (one per received datagram) are new objects, and with a small heap it falls
     * back to one-off chunks; the pooled allocator recycles both, which the zero-allocation path relies on
     * (bench/RESULTS.md, "Step: direct datagram I/O").
     */
    public Vtep.Builder allocator(ByteBufAllocator allocator) {
        this.allocator = Objects.requireNonNull(allocator, "allocator");
        return self();
    }

    /** Automatic: where it can run. Explicit true: checked, with the reason. */
    boolean resolveDirectIo() {
        return DirectIoChoice.resolve(directIo, allocator);
    }
}
