package io.vtep4j;

import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * Live reads of a {@link Vtep}'s monotonic counters, one value at a time, for metrics libraries that poll (a
 * Micrometer function counter, a Prometheus collector). Unlike {@link Vtep#stats()} nothing is copied: each read sums
 * one contention-free counter and allocates nothing; the data path pays nothing extra for being read.
 *
 * <p>Threading: every method may be called from any thread at any time, also while traffic flows and after the VTEP
 * or segment was closed (the counters then stay where they stopped). Values read one after the other are not a
 * consistent snapshot across counters; use {@link Vtep#stats()} for that.
 */
public final class LiveCounters {

    /** The per-segment traffic counters; "ports" are the segment's local ports, "underlay" its tunnel packets. */
    public enum Counter {
        /** Frames local ports sent into the segment. */
        FRAMES_FROM_PORTS,
        /** Bytes of those frames (whole Ethernet frames). */
        BYTES_FROM_PORTS,
        /** Tunnel packets handed to the underlay; each head-end replica counts. */
        PACKETS_TO_UNDERLAY,
        /** Bytes of those packets: tunnel header and inner frame, without the outer IP and UDP headers. */
        BYTES_TO_UNDERLAY,
        /** Frames flooded (broadcast, multicast, unknown unicast), from local ports or from the underlay. */
        FLOODS,
        /** Tunnel packets received and accepted for the segment. */
        PACKETS_FROM_UNDERLAY,
        /** Bytes of those packets: tunnel header and inner frame, without the outer IP and UDP headers. */
        BYTES_FROM_UNDERLAY,
        /** Frames handed to local port handlers; each flooded copy counts. */
        FRAMES_TO_PORTS,
        /** Bytes of those frames. */
        BYTES_TO_PORTS
    }

    private LiveCounters() {}

    /**
     * The current value of {@code counter} for {@code segment}.
     *
     * @throws IllegalArgumentException if {@code segment} was not obtained from a {@link Vtep}
     */
    public static long read(Segment segment, Counter counter) {
        Objects.requireNonNull(counter, "counter");
        SegmentCounters c = impl(segment).counters;
        switch (counter) {
            case FRAMES_FROM_PORTS:
                return c.framesFromPorts.sum();
            case BYTES_FROM_PORTS:
                return c.bytesFromPorts.sum();
            case PACKETS_TO_UNDERLAY:
                return c.packetsToUnderlay.sum();
            case BYTES_TO_UNDERLAY:
                return c.bytesToUnderlay.sum();
            case FLOODS:
                return c.floods.sum();
            case PACKETS_FROM_UNDERLAY:
                return c.packetsFromUnderlay.sum();
            case BYTES_FROM_UNDERLAY:
                return c.bytesFromUnderlay.sum();
            case FRAMES_TO_PORTS:
                return c.framesToPorts.sum();
            default:
                return c.bytesToPorts.sum();
        }
    }

    /**
     * Packets or frames of {@code segment} dropped for {@code reason}.
     *
     * @throws IllegalArgumentException if {@code segment} was not obtained from a {@link Vtep}
     */
    public static long dropped(Segment segment, DropReason reason) {
        Objects.requireNonNull(reason, "reason");
        return impl(segment).counters.drops.count(reason);
    }

    /** Packets or frames {@code vtep} dropped for {@code reason}, over all segments and the unattributable ones. */
    public static long dropped(Vtep vtep, DropReason reason) {
        Objects.requireNonNull(vtep, "vtep");
        Objects.requireNonNull(reason, "reason");
        return vtep.runtime.forwarder().drops().count(reason);
    }

    /**
     * The current value of an underlay counter of one encapsulation of {@code vtep} (see {@link EncapsulationStats}):
     * {@link Counter#PACKETS_TO_UNDERLAY}, {@link Counter#BYTES_TO_UNDERLAY}, {@link Counter#PACKETS_FROM_UNDERLAY}
     * or {@link Counter#BYTES_FROM_UNDERLAY}; 0 for an encapsulation the VTEP does not run.
     *
     * @throws IllegalArgumentException for a counter that is not an underlay counter
     */
    public static long read(Vtep vtep, Encapsulation encapsulation, Counter counter) {
        EncapsulationCounters c = encapsulationCounters(vtep, encapsulation);
        Objects.requireNonNull(counter, "counter");
        switch (counter) {
            case PACKETS_TO_UNDERLAY:
                return c == null ? 0 : c.packetsToUnderlay.sum();
            case BYTES_TO_UNDERLAY:
                return c == null ? 0 : c.bytesToUnderlay.sum();
            case PACKETS_FROM_UNDERLAY:
                return c == null ? 0 : c.packetsFromUnderlay.sum();
            case BYTES_FROM_UNDERLAY:
                return c == null ? 0 : c.bytesFromUnderlay.sum();
            default:
                throw new IllegalArgumentException(
                        "counter: " + counter + " (expected: an underlay counter, *_TO_UNDERLAY or *_FROM_UNDERLAY)");
        }
    }

    /** Packets sent over {@code encapsulation} that carried a frame received over another; 0 if not run. */
    public static long crossedIn(Vtep vtep, Encapsulation encapsulation) {
        EncapsulationCounters c = encapsulationCounters(vtep, encapsulation);
        return c == null ? 0 : c.framesCrossedIn.sum();
    }

    private static EncapsulationCounters encapsulationCounters(Vtep vtep, Encapsulation encapsulation) {
        Objects.requireNonNull(vtep, "vtep");
        Objects.requireNonNull(encapsulation, "encapsulation");
        Lanes lanes = vtep.runtime.lanes();
        int t = lanes.transportOf(encapsulation);
        return t < 0 ? null : lanes.counters(t);
    }

    /** The remote VTEPs (underlay addresses) that have counters of their own now; see {@link VtepStats#remotes()}. */
    public static List<InetAddress> remotes(Vtep vtep) {
        Objects.requireNonNull(vtep, "vtep");
        return vtep.runtime.forwarder().traffic().addresses();
    }

    /**
     * The current value of {@code counter} for one remote VTEP, or 0 if it has no counters (never seen, reclaimed, or
     * past the bound). A remote has the underlay counters only: {@code PACKETS_FROM_UNDERLAY},
     * {@code BYTES_FROM_UNDERLAY}, {@code PACKETS_TO_UNDERLAY}, {@code BYTES_TO_UNDERLAY}, and {@code FLOODS}, which
     * for a remote reads the head-end replicas sent to it.
     *
     * @throws IllegalArgumentException if {@code counter} is one of the local-port counters
     */
    public static long read(Vtep vtep, InetAddress remote, Counter counter) {
        Objects.requireNonNull(vtep, "vtep");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(counter, "counter");
        RemoteTraffic.Remote r = vtep.runtime.forwarder().traffic().get(remote);
        switch (counter) {
            case PACKETS_FROM_UNDERLAY:
                return r == null ? 0 : r.packetsIn.sum();
            case BYTES_FROM_UNDERLAY:
                return r == null ? 0 : r.bytesIn.sum();
            case PACKETS_TO_UNDERLAY:
                return r == null ? 0 : r.packetsOut.sum();
            case BYTES_TO_UNDERLAY:
                return r == null ? 0 : r.bytesOut.sum();
            case FLOODS:
                return r == null ? 0 : r.floodCopies.sum();
            default:
                throw new IllegalArgumentException("counter: " + counter
                        + " (expected: an underlay counter or FLOODS; a remote has no local-port counters)");
        }
    }

    /** Packets from or to one remote VTEP dropped for {@code reason}; 0 if the remote has no counters. */
    public static long dropped(Vtep vtep, InetAddress remote, DropReason reason) {
        Objects.requireNonNull(vtep, "vtep");
        Objects.requireNonNull(remote, "remote");
        Objects.requireNonNull(reason, "reason");
        RemoteTraffic.Remote r = vtep.runtime.forwarder().traffic().get(remote);
        return r == null ? 0 : r.dropCount(reason);
    }

    private static SegmentImpl impl(Segment segment) {
        Objects.requireNonNull(segment, "segment");
        if (!(segment instanceof SegmentImpl s)) {
            throw new IllegalArgumentException(
                    "segment: " + segment.getClass().getName() + " (expected: a segment from Vtep.segment(vni))");
        }
        return s;
    }
}
