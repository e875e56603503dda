package io.vtep4j;

import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.internal.Checks;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.NeighborListener;
import io.vtep4j.learning.NeighborTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
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

    /**
     * How the default encapsulation's underlay moves packets: {@link UnderlayIo#XDP} or {@link UnderlayIo#XDP_RECEIVE}
     * only if that was asked for ({@link Builder#underlayIo}) and the AF_XDP socket is open; {@link UnderlayIo#SOCKET}
     * otherwise (asked for, or the fallback).
     */
    public UnderlayIo underlayIo() {
        return runtime.afXdp() ? runtime.config().underlayIo() : UnderlayIo.SOCKET;
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
     * {@link #sourcePortRange(int, int)} gives every port of a range without a socket per port: a raw send path
     * writes the UDP header itself (needs CAP_NET_RAW; without it the VTEP falls back to the pool or the bound port and
     * logs one warning). (For NVGRE the FlowID carries the entropy, unless {@link #nvgreFlowId(int)} fixes it.)
     */
    public static final class Builder extends UnderlayOptions {
        /**
         * System property that sets the default of {@link #directIo}: {@code -Dvtep4j.directIo=false} turns the
         * automatic choice off, {@code =true} asks for direct I/O everywhere (and fails where it cannot run).
         */
        public static final String DIRECT_IO_PROPERTY = "vtep4j.directIo";

        Duration ageing = ForwardingTable.DEFAULT_AGEING;
        int maxMacs = ForwardingTable.DEFAULT_MAX_ENTRIES;
        int maxMacsPerVni = ForwardingTable.DEFAULT_MAX_ENTRIES;
        Duration localHold = ForwardingTable.DEFAULT_LOCAL_HOLD;
        int maxRemoteLocations = ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS;
        LongSupplier ticker = System::nanoTime;
        VtepListener listener = new VtepListener() {};
        FdbListener fdbListener = new FdbListener() {};
        Duration sweepInterval = Duration.ofSeconds(1);
        boolean forwardLinkLocal;
        int floodLimit;
        int floodBurst;
        boolean pmtuSignalling = true;
        int pmtuRate = PmtuSignal.DEFAULT_RATE;
        int pmtuBurst = PmtuSignal.DEFAULT_BURST;
        NeighborSettings neighbors = NeighborSettings.defaults();

        private Builder() {}

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
            this.pmtuRate = Checks.inRange("pmtuSignallingLimit perSecond", perSecond, 1, 1_000_000);
            this.pmtuBurst = Checks.inRange("pmtuSignallingLimit burst", burst, 1, 1_000_000);
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

        /**
         * Binds the underlay and starts the event loops.
         *
         * @throws IllegalStateException if no local address was given, or {@link #udpGso} is combined with
         *     {@link #sourcePortRange} or {@link #udp6ZeroChecksumTx}
         * @throws UncheckedIOException if the underlay cannot be opened (address in use, no CAP_NET_RAW, ...)
         */
        public Vtep build() {
            BuilderChecks.hasLocalAddress(localAddresses);
            BuilderChecks.gsoExclusions(udpGso, sourcePortMin, sourcePortMax, udp6ZeroChecksumTx);
            BuilderChecks.loopsOwned(busyWait, sharedGroup);
            VtepConfig config = new VtepConfig(this);
            try {
                return new Vtep(VtepRuntime.start(config));
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
    }
}
