package io.vtep4j;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.internal.Checks;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.NeighborListener;
import io.vtep4j.learning.NeighborTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * A VXLAN / NVGRE tunnel endpoint embedded in the JVM: segments per VNI, local ports carrying Ethernet frames, MAC
 * learning and flooding as RFC 7348 §4 describes, over a UDP (or raw IP protocol 47) underlay.
 *
 * <pre>{@code
 * try (Vtep vtep = Vtep.builder().localAddress("127.0.0.1").ageing(Duration.ofMinutes(5)).build()) {
 *     Segment blue = vtep.segment(5001).floodTo("127.0.0.2");
 *     LocalPort vm = blue.attach(frame -> { try { deliver(frame); } finally { frame.release(); } });
 *     vm.send(frameFromGuest);          // takes ownership
 *     System.out.println(vtep.stats());
 * }
 * }</pre>
 *
 * <p>Threading: every method may be called from any thread. A VTEP owns its event loops (daemon threads); frames
 * from the underlay are processed on them and handed to {@link FrameHandler}s there. {@link #close()} stops them all.
 * Buffers: see {@link LocalPort} (sending) and {@link FrameHandler} (receiving).
 */
public final class Vtep implements AutoCloseable {

    /** Package-private so that tests in this package can reach the runtime (sweeps); not part of the API. */
    final VtepRuntime runtime;

    private Vtep(VtepRuntime runtime) {
        this.runtime = runtime;
    }

    /** A new builder with the defaults: VXLAN on UDP 4789, ageing 300 s, TTL 64, DSCP 0, MTU 1500. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The segment for {@code vni}, created on first use (a VSID for NVGRE and GRE-in-UDP).
     *
     * @throws IllegalArgumentException if the VNI is out of range (VXLAN 0..16777215; NVGRE 4096..16777214, RFC 7637
     *         §3.2 reserves the rest)
     * @throws IllegalStateException if the VTEP is closed
     */
    public Segment segment(int vni) {
        return runtime.segment(vni);
    }

    /** A snapshot of the segments that exist. */
    public List<Segment> segments() {
        return runtime.segments();
    }

    /** An immutable snapshot of the counters. */
    public VtepStats stats() {
        return runtime.stats();
    }

    /**
     * Counts losses that happen outside the engine as this VTEP's drops for {@code reason}: {@code runningTotal} is
     * read (from any thread, so it must be thread-safe, cheap and never decrease) with every {@link #stats()} and
     * every live counter read, and shows in {@link VtepStats#drops()}, {@link LiveCounters#dropped(Vtep, DropReason)}
     * and the metrics. For a trunk or capture next to the VTEP: its ring overruns or libpcap drops as
     * {@link DropReason#PORT_RECEIVE_OVERFLOW}, its failed transmits as {@link DropReason#PORT_SEND_FAILED}.
     *
     * @return closes the registration, keeping its last total in the counters
     * @throws IllegalStateException if 256 sources are registered already
     */
    public LossCounter countLosses(DropReason reason, LongSupplier runningTotal) {
        return runtime.forwarder().drops().sources().add(reason, runningTotal);
    }

    /**
     * The forwarding table: what was learned where ({@code show()}, {@code entries()}), static entries, flushes.
     * Thread-safe; MACs are {@code long}s (see {@code io.vtep4j.learning.MacAddress}).
     */
    public ForwardingTable forwardingTable() {
        return runtime.table();
    }

    /**
     * The IP to MAC bindings of ARP/ND suppression ({@link Segment#suppressNeighbors}): listing ({@code show()},
     * {@code entries()}), counters, control-plane bindings. Thread-safe.
     */
    public NeighborTable neighborTable() {
        return runtime.neighbors();
    }

    /** The encapsulation this VTEP speaks by default (the first of {@link #encapsulations()}). */
    public Encapsulation encapsulation() {
        return runtime.config().encapsulation();
    }

    /** Every encapsulation this VTEP runs an underlay for, in transport order (the default first). */
    public List<Encapsulation> encapsulations() {
        return runtime.config().encapsulations();
    }

    /** Whether the underlay uses direct datagram I/O ({@link Builder#directIo}); always false for NVGRE. */
    public boolean directIo() {
        return runtime.config().directIo();
    }

    /** The underlay addresses actually bound (with the UDP port; port 0 for raw IP). */
    public List<InetSocketAddress> boundAddresses() {
        return runtime.boundAddresses();
    }

    /** False once {@link #close()} was called. */
    public boolean isOpen() {
        return runtime.isOpen();
    }

    /**
     * Closes every segment and port, releases every queued buffer, closes the sockets and stops the event loops
     * (unless they were given with {@link Builder#eventLoopGroup}); blocks until the threads are gone. Idempotent: a
     * second call waits for the first to finish.
     *
     * <p>Called on one of this VTEP's own event loops (from a {@link FrameHandler}, say), it cannot wait for that
     * loop to stop. It then stops the data path at once ({@link #isOpen()} is false, every port refuses frames, no
     * further frame reaches a handler), returns without blocking, and finishes releasing sockets and threads on a
     * short-lived thread of its own ({@code vtep4j-close}).
     */
    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return "Vtep" + boundAddresses() + " " + encapsulations();
    }

    /**
     * Configures a {@link Vtep}. Each setter checks its argument at once and says what was wrong. Not thread-safe;
     * build once.
     *
     * <p>Source port: over UDP a kernel socket has one source port, so by default every packet leaves from the bound
     * port. RFC 7348 §5 recommends a per-flow source port in 49152..65535 for ECMP entropy; peers accept any, but an
     * ECMP underlay then puts all of one VTEP pair's flows on one path. {@link #sourcePorts(int)} N adds N send-only
     * sockets per event loop bound in that range and picks one by inner flow hash: N-way entropy, not 16384-way.
     * (For NVGRE the FlowID carries the entropy, unless {@link #nvgreFlowId(int)} fixes it.)
     */
    public static final class Builder {
        /** Largest underlay MTU we accept: an IPv4/IPv6 packet length is 16 bits. */
        static final int MAX_MTU = 65535;
        /** Smallest underlay MTU: the IPv4 minimum every host must reassemble (RFC 791). */
        static final int MIN_MTU = 576;
        /**
         * System property that sets the default of {@link #directIo}: {@code -Dvtep4j.directIo=false} turns the
         * automatic choice off, {@code =true} asks for direct I/O everywhere (and fails where it cannot run).
         */
        public static final String DIRECT_IO_PROPERTY = "vtep4j.directIo";
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
        Duration ageing = ForwardingTable.DEFAULT_AGEING;
        int maxMacs = ForwardingTable.DEFAULT_MAX_ENTRIES;
        int maxMacsPerVni = ForwardingTable.DEFAULT_MAX_ENTRIES;
        Duration localHold = ForwardingTable.DEFAULT_LOCAL_HOLD;
        int maxRemoteLocations = ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS;
        int ttl = 64;
        int dscp;
        int mtu = 1500;
        boolean strictReserved;
        int nvgreFlowId = FLOW_ID_FROM_HASH;
        String multicastInterface;
        int eventLoops = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        LongSupplier ticker = System::nanoTime;
        VtepListener listener = new VtepListener() {};
        FdbListener fdbListener = new FdbListener() {};
        Duration sweepInterval = Duration.ofSeconds(1);
        int readBatch = 32;
        int busyPollMicros;
        boolean udpGro;
        boolean udpGso;
        int sourcePorts;
        /** Null: automatic (see {@link #directIo}). */
        Boolean directIo = DirectIoChoice.fromProperty();

        EventLoopGroup sharedGroup;
        ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        boolean forwardLinkLocal;
        int floodLimit;
        int floodBurst;
        boolean pmtuSignalling = true;
        OuterHeader outerHeader;
        int pmtuRate = PmtuSignal.DEFAULT_RATE;
        int pmtuBurst = PmtuSignal.DEFAULT_BURST;
        NeighborSettings neighbors = NeighborSettings.defaults();

        private Builder() {}

        /** Adds a local underlay address (IPv4 or IPv6, at most one of each family used for sending). */
        public Builder localAddress(String address) {
            return localAddress(BuilderChecks.address(address));
        }

        /** Adds a local underlay address; not wildcard, not multicast, not added twice. */
        public Builder localAddress(InetAddress address) {
            localAddresses.add(BuilderChecks.newLocalAddress(address, localAddresses));
            return this;
        }

        /** The UDP port to listen on and send to (default 4789 for VXLAN, 4754 for GRE-in-UDP; 8472 for old Linux). */
        public Builder port(int port) {
            this.port = Checks.inRange("port", port, 1, 65535);
            return this;
        }

        /**
         * The UDP port of one encapsulation's underlay (VXLAN, GRE_UDP), overriding {@link #port(int)} and the
         * standard port for it; for a VTEP with several underlays ({@link #encapsulations}).
         *
         * @throws IllegalArgumentException for NVGRE (IP protocol 47 has no port) or a port out of 1..65535
         */
        public Builder port(Encapsulation encapsulation, int port) {
            Objects.requireNonNull(encapsulation, "encapsulation");
            if (encapsulation == Encapsulation.NVGRE) {
                throw new IllegalArgumentException("port: NVGRE (expected: VXLAN or GRE_UDP; NVGRE is IP protocol 47)");
            }
            ports.put(encapsulation, Checks.inRange("port", port, 1, 65535));
            return this;
        }

        /**
         * Deliver VXLAN packets whose inner frame carries an 802.1Q/802.1ad tag instead of dropping them as
         * {@code INNER_VLAN_TAGGED} (default false; RFC 7348 §6.1 says SHOULD NOT decapsulate them). Such a frame
         * reaches local ports with its tag, but never crosses into NVGRE or GRE-in-UDP, which forbid inner tags
         * (RFC 7637 §3.2): there it is dropped as {@code CROSSING_TAGGED_FRAME}.
         */
        public Builder acceptInnerVlan(boolean accept) {
            this.acceptInnerVlan = accept;
            return this;
        }

        /** VXLAN (default), NVGRE (raw IP protocol 47; needs CAP_NET_RAW) or GRE_UDP (RFC 8086). */
        public Builder encapsulation(Encapsulation encapsulation) {
            this.encapsulation = Objects.requireNonNull(encapsulation, "encapsulation");
            moreEncapsulations.clear();
            return this;
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
        public Builder encapsulations(Encapsulation first, Encapsulation... more) {
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
            return this;
        }

        /** How long an idle learned MAC is kept (default 300 s). */
        public Builder ageing(Duration ageing) {
            this.ageing = BuilderChecks.ageing(ageing);
            return this;
        }

        /** Most MACs in the whole table (default 1048576). */
        public Builder maxMacs(int max) {
            this.maxMacs = Checks.atLeast("maxMacs", max, 1);
            return this;
        }

        /** Most MACs per VNI (default: no per-VNI limit below {@link #maxMacs}). */
        public Builder maxMacsPerVni(int max) {
            this.maxMacsPerVni = Checks.atLeast("maxMacsPerVni", max, 1);
            return this;
        }

        /**
         * Local wins (default 5 s): a MAC that a local port used within {@code hold} cannot be moved to a remote VTEP
         * by underlay traffic, and duplicate detection never freezes it away from that port; after the port has been
         * silent for longer than {@code hold}, a remote may take it (a host that migrated). {@link Duration#ZERO}
         * turns the hold off. See {@link ForwardingTable.Builder#localHold(Duration)}.
         */
        public Builder localHold(Duration hold) {
            this.localHold = BuilderChecks.localHold(hold);
            return this;
        }

        /**
         * How many distinct remote VTEPs learning may know at once (default 15360, at most
         * {@link ForwardingTable#MAX_REMOTE_LOCATIONS}); the rest of the table's locations stay reserved for local
         * ports and static entries. See {@link ForwardingTable.Builder#maxRemoteLocations(int)}.
         */
        public Builder maxRemoteLocations(int max) {
            this.maxRemoteLocations =
                    Checks.inRange("maxRemoteLocations", max, 1, ForwardingTable.MAX_REMOTE_LOCATIONS);
            return this;
        }

        /** Outer TTL / hop limit (default 64); also the multicast TTL. */
        public Builder ttl(int ttl) {
            this.ttl = Checks.inRange("ttl", ttl, 1, 255);
            return this;
        }

        /** Outer DSCP (default 0). */
        public Builder dscp(int dscp) {
            this.dscp = Checks.inRange("dscp", dscp, 0, 63);
            return this;
        }

        /**
         * Outer TOS / TTL per packet (default: the fixed {@link #dscp} and {@link #ttl}): inherit them from the inner
         * header, with RFC 6040 ECN. Its fixed DSCP and TTL become the sockets' ({@link #dscp}, {@link #ttl}).
         * Segments may override it ({@link Segment#outerHeader(OuterHeader)}).
         */
        public Builder outerHeader(OuterHeader header) {
            this.outerHeader = Objects.requireNonNull(header, "header");
            this.dscp = header.dscp();
            this.ttl = header.ttl();
            return this;
        }

        /**
         * Underlay MTU (default 1500): a frame whose tunnel packet would be longer is dropped as {@code MTU_EXCEEDED}
         * and never fragmented (RFC 7348 §4.3). VXLAN over IPv4 needs the inner frame + 36 bytes (inner IP + 50).
         */
        public Builder mtu(int mtu) {
            this.mtu = Checks.inRange("mtu", mtu, MIN_MTU, MAX_MTU);
            return this;
        }

        /**
         * The underlay MTU of one encapsulation, overriding {@link #mtu(int)} for it: with several underlays
         * ({@link #encapsulations}) each path may have its own. The check is the same per underlay: the whole outer
         * packet must fit, so NVGRE over IPv4 (outer 20 + GRE 8) carries an inner frame 16 bytes longer than VXLAN
         * (outer 20 + UDP 8 + VXLAN 8) at the same MTU.
         */
        public Builder mtu(Encapsulation encapsulation, int mtu) {
            Objects.requireNonNull(encapsulation, "encapsulation");
            mtus.put(encapsulation, Checks.inRange("mtu", mtu, MIN_MTU, MAX_MTU));
            return this;
        }

        /** Drop packets with reserved header bits set, as Linux does (default false: ignore them, as RFC 7348 §5). */
        public Builder strictReserved(boolean strict) {
            this.strictReserved = strict;
            return this;
        }

        /**
         * Sends every NVGRE and GRE-in-UDP packet with this FlowID (0..255) instead of the default, per-flow entropy
         * from the inner-flow hash (RFC 7637 §3.2 leaves the choice to the NVE). Needed by peers that match the whole
         * 32-bit key, such as Open vSwitch with {@code options:key=0x12345601} (VSID 0x123456, FlowID 0x01). Ignored
         * for VXLAN; received FlowIDs are accepted whatever they are.
         */
        public Builder nvgreFlowId(int flowId) {
            this.nvgreFlowId = Checks.inRange("nvgreFlowId", flowId, 0, 255);
            return this;
        }

        /** The interface on which multicast flood groups are joined and sent (required for groups). */
        public Builder multicastInterface(String name) {
            this.multicastInterface = BuilderChecks.interfaceName(name);
            return this;
        }

        /** Event loops, each with its own underlay socket (SO_REUSEPORT); default min(4, cores). */
        public Builder eventLoops(int count) {
            this.eventLoops = Checks.inRange("eventLoops", count, 1, 256);
            return this;
        }

        /**
         * Runs this VTEP on an event loop group the application owns instead of its own (then {@link #eventLoops} is
         * ignored and {@link Vtep#close()} leaves the group running). VTEPs that hand frames to each other (VNI
         * stitching) should share one: a send from a handler is then a write on the same thread, not a task hop.
         * The group must match the transport: {@code MultiThreadIoEventLoopGroup} with {@code EpollIoHandler} on
         * Linux (NIO with {@code -Dvtep4j.transport=nio}).
         */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.sharedGroup = BuilderChecks.runningGroup(group);
            return this;
        }

        /** Time source in nanoseconds for ageing (default {@code System::nanoTime}); tests inject a fake. */
        public Builder ticker(LongSupplier nanos) {
            this.ticker = Objects.requireNonNull(nanos, "ticker");
            return this;
        }

        /** How often aged MACs are swept out (default 1 s). */
        public Builder sweepInterval(Duration interval) {
            this.sweepInterval = BuilderChecks.sweepInterval(interval);
            return this;
        }

        /** Data-plane events (drops, failing handlers). */
        public Builder listener(VtepListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Forwarding-table events (learned, moved, aged, evicted, duplicate). */
        public Builder fdbListener(FdbListener listener) {
            this.fdbListener = Objects.requireNonNull(listener, "fdbListener");
            return this;
        }

        /**
         * Whether new segments forward frames to the IEEE 802.1D link-local addresses 01:80:C2:00:00:00..0F (STP,
         * LACP, EAPOL, LLDP, ...); default false: dropped as {@code LINK_LOCAL_FRAME}, as a bridge would. Each segment
         * can override it ({@link Segment#forwardLinkLocal}).
         */
        public Builder forwardLinkLocal(boolean forward) {
            this.forwardLinkLocal = forward;
            return this;
        }

        /**
         * BUM storm control for new segments: at most {@code packetsPerSecond} broadcast, multicast and unknown-unicast
         * frames from local ports are flooded per segment, with a burst of one second's worth; the rest are dropped
         * as {@code FLOOD_LIMITED}. Default 0: off. Each segment can override it ({@link Segment#floodLimit(int)}).
         */
        public Builder floodLimit(int packetsPerSecond) {
            return floodLimit(packetsPerSecond, Math.max(1, packetsPerSecond));
        }

        /** {@link #floodLimit(int)} with an explicit burst (frames that may pass back to back after a quiet spell). */
        public Builder floodLimit(int packetsPerSecond, int burst) {
            SegmentImpl.checkFloodLimit(packetsPerSecond, burst);
            this.floodLimit = packetsPerSecond;
            this.floodBurst = burst;
            return this;
        }

        /**
         * Path MTU signalling (default on): a frame from a local port too big for the tunnel is still dropped as
         * {@code MTU_EXCEEDED}, and if it carries IPv4 with DF or IPv6, its sender gets ICMP "fragmentation needed" /
         * ICMPv6 "packet too big" back on that port, announcing the largest inner IP packet that fits. See
         * {@link #pmtuSignallingLimit}.
         */
        public Builder pmtuSignalling(boolean on) {
            this.pmtuSignalling = on;
            return this;
        }

        /**
         * ARP and ND suppression for new segments (default false); each segment can override it
         * ({@link Segment#suppressNeighbors}).
         */
        public Builder suppressNeighbors(boolean on) {
            this.neighbors = neighbors.suppress(on);
            return this;
        }

        /**
         * The rate limit of {@link #pmtuSignalling} answers, for the whole VTEP: a token bucket of {@code burst}
         * refilled at {@code perSecond} (default 1000 per second, burst 50, as Linux's {@code icmp_msgs_per_sec} and
         * {@code icmp_msgs_burst}); an answer over the limit is not sent and counted as
         * {@code PMTU_ANSWER_RATE_LIMITED}.
         */
        public Builder pmtuSignallingLimit(int perSecond, int burst) {
            this.pmtuRate = Checks.inRange("perSecond", perSecond, 1, 1_000_000);
            this.pmtuBurst = Checks.inRange("burst", burst, 1, 1_000_000);
            return this;
        }

        /**
         * Bounds of the IP to MAC binding table: {@code total} bindings (default
         * {@value NeighborTable#DEFAULT_MAX_ENTRIES}) and {@code perVni} per segment (default
         * {@value NeighborTable#DEFAULT_MAX_ENTRIES_PER_VNI}); new bindings beyond are refused and counted.
         */
        public Builder maxNeighbors(int total, int perVni) {
            this.neighbors = neighbors.bounds(
                    Checks.atLeast("maxNeighbors", total, 1), Checks.atLeast("maxNeighborsPerVni", perVni, 1));
            return this;
        }

        /** Receives the binding table's events (added, changed, removed). */
        public Builder neighborListener(NeighborListener listener) {
            this.neighbors = neighbors.listener(Objects.requireNonNull(listener, "neighborListener"));
            return this;
        }

        /**
         * At most {@code perSecond} {@link VtepListener#unknownDestination} events per segment (default
         * {@value NeighborSettings#DEFAULT_MISS_EVENTS}, a burst of one second's worth); 0 turns them off.
         */
        public Builder missEvents(int perSecond) {
            this.neighbors = neighbors.missEvents(Checks.inRange("missEvents", perSecond, 0, 1_000_000));
            return this;
        }

        /** Datagrams per receive system call (recvmmsg; default 32; 1 turns batching off). */
        public Builder readBatch(int datagrams) {
            this.readBatch = Checks.inRange("readBatch", datagrams, 1, 1024);
            return this;
        }

        /**
         * Opt-in busy polling on the underlay's UDP sockets: {@code SO_BUSY_POLL} of {@code microseconds} and
         * {@code SO_PREFER_BUSY_POLL}, so that a read finding the socket empty first polls the device's NAPI context
         * instead of waiting for its interrupt (default 0: off). Needs CAP_NET_ADMIN ({@link #build()} fails
         * without), and helps only where the receiving device has NAPI ids (physical NICs; veth only with GRO or XDP
         * on); the event loop's own epoll wait busy-polls only when the host's {@code net.core.busy_poll} is set,
         * which the library never changes. Measured on veth in bench/RESULTS.md.
         *
         * @throws IllegalArgumentException if {@code microseconds} is not 0..10000
         */
        public Builder busyPoll(int microseconds) {
            this.busyPollMicros = Checks.inRange("busyPoll", microseconds, 0, 10_000);
            return this;
        }

        /**
         * Ask the kernel for UDP GRO on receive (default off): coalesced datagrams arrive in one 64 KiB read and are
         * split again before the forwarder sees them; replaces recvmmsg batching. Pays off only when peers send GSO
         * runs (see bench/RESULTS.md).
         */
        public Builder udpGro(boolean on) {
            this.udpGro = on;
            return this;
        }

        /**
         * Send runs of equal-size packets to one peer as UDP GSO super-datagrams (default off; epoll only). Linux
         * refuses GSO on a socket that sends zero UDP checksums, so with GSO the IPv4 checksum is computed.
         */
        public Builder udpGso(boolean on) {
            this.udpGso = on;
            return this;
        }

        /**
         * Source-port entropy (RFC 7348 §5): {@code sockets} send-only UDP sockets per event loop and local address,
         * bound to ports spread over 49152..65535; each packet leaves through the one its inner flow hash picks.
         * 0 (default) sends every packet from the bound port.
         */
        public Builder sourcePorts(int sockets) {
            this.sourcePorts = Checks.inRange("sourcePorts", sockets, 0, 64);
            return this;
        }

        /**
         * Direct datagram I/O for the UDP encapsulations (VXLAN, GRE-in-UDP) on Linux epoll: receive and send with
         * {@code recvmmsg} / {@code sendmmsg} over native vectors, so that forwarding allocates no objects per
         * packet, instead of Netty's datagram reads and writes (about 200 bytes of garbage per forwarded packet).
         * Excludes {@link #udpGro}; with {@link #udpGso} it sends each run as one GSO message. NVGRE's raw transport
         * ignores it. Measured in
         * bench/RESULTS.md ("Step: direct datagram I/O"): 0 B instead of about 150 B per forwarded packet, the same
         * or a little less CPU per packet.
         *
         * <p>Default: automatic, that is on wherever it can run (Linux epoll on x86_64 or aarch64) unless GRO was
         * asked for; the system property {@value #DIRECT_IO_PROPERTY} overrides the default. Set explicitly,
         * {@code true} fails at {@link #build()} where it cannot run, naming why.
         */
        public Builder directIo(boolean on) {
            this.directIo = on;
            return this;
        }

        /**
         * Allocator for receive buffers (default {@code PooledByteBufAllocator.DEFAULT}). Not Netty 4.2's default
         * adaptive allocator: its slices (one per received datagram) are new objects, and with a small heap it falls
         * back to one-off chunks; the pooled allocator recycles both, which the zero-allocation path relies on
         * (bench/RESULTS.md, "Step: direct datagram I/O").
         */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /**
         * Binds the underlay and starts the event loops.
         *
         * @throws IllegalStateException if no local address was given
         * @throws UncheckedIOException if the underlay cannot be opened (address in use, no CAP_NET_RAW, ...)
         */
        public Vtep build() {
            BuilderChecks.hasLocalAddress(localAddresses);
            VtepConfig config = new VtepConfig(this);
            try {
                return new Vtep(VtepRuntime.start(config));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }

        /** Automatic: where it can run and GRO was not asked for. Explicit true: checked, with the reason. */
        boolean resolveDirectIo() {
            return DirectIoChoice.resolve(directIo, udpGro, allocator);
        }
    }
}
