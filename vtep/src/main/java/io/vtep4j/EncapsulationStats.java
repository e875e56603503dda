package io.vtep4j;

import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * The counters of one underlay of a {@link Vtep} (one encapsulation), across all segments: tunnel packets and bytes
 * each way, frames that crossed into it from another encapsulation, and the drops attributable to it. Part of a
 * {@link VtepStats} snapshot ({@link VtepStats#encapsulations()}); immutable, thread-safe, a value class.
 */
public final class EncapsulationStats {

    private final Encapsulation encapsulation;
    private final long packetsToUnderlay;
    private final long bytesToUnderlay;
    private final long packetsFromUnderlay;
    private final long bytesFromUnderlay;
    private final long framesCrossedIn;
    private final Map<DropReason, Long> drops;

    EncapsulationStats(
            Encapsulation encapsulation,
            long packetsToUnderlay,
            long bytesToUnderlay,
            long packetsFromUnderlay,
            long bytesFromUnderlay,
            long framesCrossedIn,
            Map<DropReason, Long> drops) {
        this.encapsulation = Objects.requireNonNull(encapsulation, "encapsulation");
        this.packetsToUnderlay = packetsToUnderlay;
        this.bytesToUnderlay = bytesToUnderlay;
        this.packetsFromUnderlay = packetsFromUnderlay;
        this.bytesFromUnderlay = bytesFromUnderlay;
        this.framesCrossedIn = framesCrossedIn;
        EnumMap<DropReason, Long> nonZero = new EnumMap<>(DropReason.class);
        drops.forEach((reason, n) -> {
            if (n > 0) {
                nonZero.put(reason, n);
            }
        });
        this.drops = Collections.unmodifiableMap(nonZero);
    }

    /** All zero, for an encapsulation a snapshot does not have. */
    static EncapsulationStats zero(Encapsulation encapsulation) {
        return new EncapsulationStats(encapsulation, 0, 0, 0, 0, 0, Map.of());
    }

    /** The encapsulation (underlay) these counters belong to. */
    public Encapsulation encapsulation() {
        return encapsulation;
    }

    /** Tunnel packets handed to this underlay (each head-end replica counts). */
    public long packetsToUnderlay() {
        return packetsToUnderlay;
    }

    /** Bytes of those packets: tunnel header and inner frame. */
    public long bytesToUnderlay() {
        return bytesToUnderlay;
    }

    /** Tunnel packets received on this underlay and accepted into a segment. */
    public long packetsFromUnderlay() {
        return packetsFromUnderlay;
    }

    /** Bytes of those packets: tunnel header and inner frame. */
    public long bytesFromUnderlay() {
        return bytesFromUnderlay;
    }

    /** Tunnel packets sent on this underlay that carried a frame received over another encapsulation. */
    public long framesCrossedIn() {
        return framesCrossedIn;
    }

    /** Drops attributable to this underlay, by reason (malformed packets it received, MTU, failed sends, seam). */
    public Map<DropReason, Long> drops() {
        return drops;
    }

    /** How many packets of this underlay were dropped for {@code reason}. */
    public long dropped(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }

    /** Every counter minus {@code earlier}'s, negative results rounded up to zero. */
    public EncapsulationStats minus(EncapsulationStats earlier) {
        return combine(earlier, -1);
    }

    /** Every counter plus {@code other}'s. */
    public EncapsulationStats plus(EncapsulationStats other) {
        return combine(other, 1);
    }

    private EncapsulationStats combine(EncapsulationStats o, int sign) {
        Objects.requireNonNull(o, "other");
        Map<DropReason, Long> d = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            d.put(reason, dropped(reason) + sign * o.dropped(reason));
        }
        return new EncapsulationStats(
                encapsulation,
                Math.max(0, packetsToUnderlay + sign * o.packetsToUnderlay),
                Math.max(0, bytesToUnderlay + sign * o.bytesToUnderlay),
                Math.max(0, packetsFromUnderlay + sign * o.packetsFromUnderlay),
                Math.max(0, bytesFromUnderlay + sign * o.bytesFromUnderlay),
                Math.max(0, framesCrossedIn + sign * o.framesCrossedIn),
                d);
    }

    /** Equal when the encapsulation and every counter are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof EncapsulationStats other
                && encapsulation == other.encapsulation
                && packetsToUnderlay == other.packetsToUnderlay
                && bytesToUnderlay == other.bytesToUnderlay
                && packetsFromUnderlay == other.packetsFromUnderlay
                && bytesFromUnderlay == other.bytesFromUnderlay
                && framesCrossedIn == other.framesCrossedIn
                && drops.equals(other.drops);
    }

    @Override
    public int hashCode() {
        return Objects.hash(
                encapsulation,
                packetsToUnderlay,
                bytesToUnderlay,
                packetsFromUnderlay,
                bytesFromUnderlay,
                framesCrossedIn,
                drops);
    }

    @Override
    public String toString() {
        return "{encap=" + encapsulation.name().toLowerCase(java.util.Locale.ROOT) + ", toUnderlay="
                + packetsToUnderlay + ", fromUnderlay=" + packetsFromUnderlay + ", crossedIn=" + framesCrossedIn
                + ", drops=" + drops + '}';
    }
}
