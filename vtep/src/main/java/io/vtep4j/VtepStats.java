package io.vtep4j;

import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import java.net.InetAddress;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An immutable snapshot of a {@link Vtep}'s counters: drops by {@link DropReason}, and per segment (VNI) the frames
 * and packets in each direction. Taken by {@link Vtep#stats()}; counters are monotonic, so the difference of two
 * snapshots ({@link #minus}) is what happened in between, and {@link #plus} adds up several VTEPs. A value class:
 * equal snapshots are {@link #equals equal}. Thread-safe.
 *
 * <pre>{@code
 * VtepStats before = vtep.stats();
 * ... // traffic
 * VtepStats delta = vtep.stats().minus(before);
 * long floods = delta.segment(5001).floods();
 * }</pre>
 */
public final class VtepStats {

    private final Map<DropReason, Long> drops;
    private final Map<Integer, SegmentStats> segments;
    private final int macs;
    private final Map<Encapsulation, EncapsulationStats> encapsulations;
    private final Map<InetAddress, RemoteStats> remotes;
    private final long uncountedRemotePackets;

    VtepStats(Map<DropReason, Long> drops, Map<Integer, SegmentStats> segments, int macs) {
        this(drops, segments, macs, Map.of(), Map.of(), 0);
    }

    VtepStats(
            Map<DropReason, Long> drops,
            Map<Integer, SegmentStats> segments,
            int macs,
            Map<Encapsulation, EncapsulationStats> encapsulations) {
        this(drops, segments, macs, encapsulations, Map.of(), 0);
    }

    VtepStats(
            Map<DropReason, Long> drops,
            Map<Integer, SegmentStats> segments,
            int macs,
            Map<InetAddress, RemoteStats> remotes,
            long uncountedRemotePackets) {
        this(drops, segments, macs, Map.of(), remotes, uncountedRemotePackets);
    }

    VtepStats(
            Map<DropReason, Long> drops,
            Map<Integer, SegmentStats> segments,
            int macs,
            Map<Encapsulation, EncapsulationStats> encapsulations,
            Map<InetAddress, RemoteStats> remotes,
            long uncountedRemotePackets) {
        this.drops = Collections.unmodifiableMap(new EnumMap<>(nonZero(drops)));
        this.segments = Collections.unmodifiableMap(new TreeMap<>(segments));
        this.macs = macs;
        this.encapsulations =
                encapsulations.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(encapsulations));
        this.remotes = Collections.unmodifiableMap(new HashMap<>(remotes));
        this.uncountedRemotePackets = uncountedRemotePackets;
    }

    /** Counters per underlay, by encapsulation, in enum order; one entry per encapsulation the VTEP runs. */
    public Map<Encapsulation, EncapsulationStats> encapsulations() {
        return encapsulations;
    }

    /** The counters of one encapsulation; all zero if the VTEP does not run it. */
    public EncapsulationStats encapsulation(Encapsulation encapsulation) {
        EncapsulationStats e = encapsulations.get(encapsulation);
        return e != null ? e : EncapsulationStats.zero(encapsulation);
    }

    private static Map<DropReason, Long> nonZero(Map<DropReason, Long> in) {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        in.forEach((reason, count) -> {
            if (count != 0) {
                out.put(reason, count);
            }
        });
        return out;
    }

    /** Drops by reason, over all segments and the unattributable ones; reasons never seen are absent. */
    public Map<DropReason, Long> drops() {
        return drops;
    }

    /** How many packets or frames were dropped for {@code reason}. */
    public long dropped(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }

    /** All drops. */
    public long totalDrops() {
        return drops.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Per-segment counters by VNI, in VNI order. */
    public Map<Integer, SegmentStats> segments() {
        return segments;
    }

    /** The counters of one segment; all zero if the VNI has no segment. */
    public SegmentStats segment(int vni) {
        SegmentStats s = segments.get(vni);
        return s != null ? s : new SegmentStats(vni, 0, 0, 0, 0, 0, Map.of());
    }

    /**
     * Per-remote-VTEP counters by underlay address: the remotes that some table entry, flood list or allow-list
     * referred to at the last ageing sweep, or that exchanged packets since. A remote that nothing refers to any more
     * loses its counters at the next sweep, and at most a bounded number of remotes have counters (4096); see
     * {@link #uncountedRemotePackets()}.
     */
    public Map<InetAddress, RemoteStats> remotes() {
        return remotes;
    }

    /** The counters of one remote VTEP, or empty if it has none (never seen, reclaimed, or past the bound). */
    public Optional<RemoteStats> remote(InetAddress address) {
        return Optional.ofNullable(remotes.get(address));
    }

    /**
     * Packets from or to remotes that found the bound on per-remote counters reached and so have no counters of their
     * own (they still count in the segment and VTEP counters).
     */
    public long uncountedRemotePackets() {
        return uncountedRemotePackets;
    }

    /** MAC entries in the forwarding table when the snapshot was taken. */
    public int macs() {
        return macs;
    }

    /**
     * What happened between {@code earlier} and this snapshot: every counter of this one minus the same counter of
     * {@code earlier}, rounded up to zero where it would be negative (a segment closed and opened again starts from
     * zero). Segments are those of this snapshot. {@link #macs()} is a level, not a counter: the result keeps this
     * snapshot's.
     */
    public VtepStats minus(VtepStats earlier) {
        Objects.requireNonNull(earlier, "earlier");
        Map<Integer, SegmentStats> out = new HashMap<>();
        segments.forEach((vni, s) -> out.put(vni, s.minus(earlier.segment(vni))));
        Map<Encapsulation, EncapsulationStats> encaps = new EnumMap<>(Encapsulation.class);
        encapsulations.forEach((e, s) -> encaps.put(e, s.minus(earlier.encapsulation(e))));

        Map<InetAddress, RemoteStats> remoteDelta = new HashMap<>();
        remotes.forEach((address, r) -> {
            RemoteStats before = earlier.remotes.get(address);
            remoteDelta.put(address, before == null ? r : r.minus(before));
        });
        return new VtepStats(
                DropCounts.combine(drops, earlier.drops, -1),
                out,
                macs,
                encaps,
                remoteDelta,
                Math.max(0, uncountedRemotePackets - earlier.uncountedRemotePackets));
    }

    /**
     * The sum of this snapshot and {@code other} (of another VTEP, say): every counter added, segments of either,
     * and the MAC entries of both tables.
     */
    public VtepStats plus(VtepStats other) {
        Objects.requireNonNull(other, "other");
        Map<Integer, SegmentStats> out = new HashMap<>(segments);
        other.segments.forEach((vni, s) -> out.merge(vni, s, SegmentStats::plus));
        Map<Encapsulation, EncapsulationStats> encaps = new EnumMap<>(Encapsulation.class);
        encaps.putAll(encapsulations);
        other.encapsulations.forEach((e, s) -> encaps.merge(e, s, EncapsulationStats::plus));

        Map<InetAddress, RemoteStats> remoteSum = new HashMap<>(remotes);
        other.remotes.forEach((address, r) -> remoteSum.merge(address, r, RemoteStats::plus));
        return new VtepStats(
                DropCounts.combine(drops, other.drops, 1),
                out,
                macs + other.macs,
                encaps,
                remoteSum,
                uncountedRemotePackets + other.uncountedRemotePackets);
    }

    /** Equal when every counter, every segment, every encapsulation, every remote and the MAC count are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof VtepStats other
                && macs == other.macs
                && drops.equals(other.drops)
                && segments.equals(other.segments)
                && encapsulations.equals(other.encapsulations)
                && remotes.equals(other.remotes)
                && uncountedRemotePackets == other.uncountedRemotePackets;
    }

    @Override
    public int hashCode() {
        return Objects.hash(drops, segments, macs, encapsulations, remotes, uncountedRemotePackets);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("VtepStats{macs=").append(macs).append(", drops={");
        String sep = "";
        for (Map.Entry<DropReason, Long> e : drops.entrySet()) {
            sb.append(sep).append(e.getKey().label()).append('=').append(e.getValue());
            sep = ", ";
        }
        sb.append("}, segments=").append(segments.values());
        if (encapsulations.size() > 1) {
            sb.append(", encapsulations=").append(encapsulations.values());
        }
        if (!remotes.isEmpty()) {
            sb.append(", remotes=").append(remotes.values());
        }
        sb.append('}');
        return sb.toString();
    }

    /** The counters of one segment; immutable, thread-safe. */
    public static final class SegmentStats {
        private final int vni;
        private final long framesFromPorts;
        private final long packetsToUnderlay;
        private final long floods;
        private final long packetsFromUnderlay;
        private final long framesToPorts;
        private final Map<DropReason, Long> drops;

        SegmentStats(
                int vni,
                long framesFromPorts,
                long packetsToUnderlay,
                long floods,
                long packetsFromUnderlay,
                long framesToPorts,
                Map<DropReason, Long> drops) {
            this.vni = vni;
            this.framesFromPorts = framesFromPorts;
            this.packetsToUnderlay = packetsToUnderlay;
            this.floods = floods;
            this.packetsFromUnderlay = packetsFromUnderlay;
            this.framesToPorts = framesToPorts;
            this.drops = drops.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(nonZero(drops)));
        }

        /** The VNI / VSID. */
        public int vni() {
            return vni;
        }

        /** Frames local ports sent into the segment. */
        public long framesFromPorts() {
            return framesFromPorts;
        }

        /** Tunnel packets handed to the underlay (each head-end replica counts). */
        public long packetsToUnderlay() {
            return packetsToUnderlay;
        }

        /** Frames flooded (broadcast, multicast, unknown unicast), from local ports or the underlay. */
        public long floods() {
            return floods;
        }

        /** Tunnel packets received and accepted for this segment. */
        public long packetsFromUnderlay() {
            return packetsFromUnderlay;
        }

        /** Frames handed to local port handlers (each flooded copy counts). */
        public long framesToPorts() {
            return framesToPorts;
        }

        /** Drops attributed to this segment, by reason; reasons never seen are absent. */
        public Map<DropReason, Long> drops() {
            return drops;
        }

        /** How many of this segment's packets or frames were dropped for {@code reason}. */
        public long dropped(DropReason reason) {
            return drops.getOrDefault(reason, 0L);
        }

        /**
         * Every counter of this segment minus the same counter of {@code earlier}, negative results rounded up to
         * zero; the VNI is this one's.
         */
        public SegmentStats minus(SegmentStats earlier) {
            Objects.requireNonNull(earlier, "earlier");
            return new SegmentStats(
                    vni,
                    Math.max(0, framesFromPorts - earlier.framesFromPorts),
                    Math.max(0, packetsToUnderlay - earlier.packetsToUnderlay),
                    Math.max(0, floods - earlier.floods),
                    Math.max(0, packetsFromUnderlay - earlier.packetsFromUnderlay),
                    Math.max(0, framesToPorts - earlier.framesToPorts),
                    DropCounts.combine(drops, earlier.drops, -1));
        }

        /** Every counter of this segment plus the same counter of {@code other}; the VNI is this one's. */
        public SegmentStats plus(SegmentStats other) {
            Objects.requireNonNull(other, "other");
            return new SegmentStats(
                    vni,
                    framesFromPorts + other.framesFromPorts,
                    packetsToUnderlay + other.packetsToUnderlay,
                    floods + other.floods,
                    packetsFromUnderlay + other.packetsFromUnderlay,
                    framesToPorts + other.framesToPorts,
                    DropCounts.combine(drops, other.drops, 1));
        }

        /** Equal when the VNI and every counter are equal. */
        @Override
        public boolean equals(Object o) {
            return o instanceof SegmentStats other
                    && vni == other.vni
                    && framesFromPorts == other.framesFromPorts
                    && packetsToUnderlay == other.packetsToUnderlay
                    && floods == other.floods
                    && packetsFromUnderlay == other.packetsFromUnderlay
                    && framesToPorts == other.framesToPorts
                    && drops.equals(other.drops);
        }

        @Override
        public int hashCode() {
            return Objects.hash(
                    vni, framesFromPorts, packetsToUnderlay, floods, packetsFromUnderlay, framesToPorts, drops);
        }

        @Override
        public String toString() {
            return "{vni=" + vni + ", fromPorts=" + framesFromPorts + ", toUnderlay=" + packetsToUnderlay
                    + ", floods=" + floods + ", fromUnderlay=" + packetsFromUnderlay + ", toPorts=" + framesToPorts
                    + ", drops=" + drops + '}';
        }
    }
}
