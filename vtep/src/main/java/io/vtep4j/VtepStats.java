package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * An immutable snapshot of a {@link Vtep}'s counters: drops by {@link DropReason}, and per segment (VNI) the frames
 * and packets in each direction. Taken by {@link Vtep#stats()}; counters are monotonic, so two snapshots can be
 * subtracted. Thread-safe.
 */
public final class VtepStats {

    private final Map<DropReason, Long> drops;
    private final Map<Integer, SegmentStats> segments;
    private final int macs;

    VtepStats(Map<DropReason, Long> drops, Map<Integer, SegmentStats> segments, int macs) {
        this.drops = Collections.unmodifiableMap(new EnumMap<>(nonZero(drops)));
        this.segments = Collections.unmodifiableMap(new TreeMap<>(segments));
        this.macs = macs;
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

    /** MAC entries in the forwarding table when the snapshot was taken. */
    public int macs() {
        return macs;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("VtepStats{macs=").append(macs).append(", drops={");
        String sep = "";
        for (Map.Entry<DropReason, Long> e : drops.entrySet()) {
            sb.append(sep).append(e.getKey().label()).append('=').append(e.getValue());
            sep = ", ";
        }
        sb.append("}, segments=").append(segments.values()).append('}');
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

        @Override
        public String toString() {
            return "{vni=" + vni + ", fromPorts=" + framesFromPorts + ", toUnderlay=" + packetsToUnderlay
                    + ", floods=" + floods + ", fromUnderlay=" + packetsFromUnderlay + ", toPorts=" + framesToPorts
                    + ", drops=" + drops + '}';
        }
    }
}
