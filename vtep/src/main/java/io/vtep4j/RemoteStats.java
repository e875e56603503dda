package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The counters of one remote VTEP (one underlay address) in a {@link VtepStats} snapshot: tunnel packets and bytes
 * received from it and sent to it, the head-end replicas among those sent, the drops of its packets (received from
 * it, or that could not be sent to it) by reason, and when a packet from it was last accepted. Bytes count the
 * tunnel header and the inner frame, without the outer IP and UDP headers, like the segment counters. Immutable,
 * thread-safe.
 */
public final class RemoteStats {

    private final InetAddress address;
    private final long packetsIn;
    private final long bytesIn;
    private final long packetsOut;
    private final long bytesOut;
    private final long floodCopies;
    private final Map<DropReason, Long> drops;
    private final Instant lastSeen;

    RemoteStats(
            InetAddress address,
            long packetsIn,
            long bytesIn,
            long packetsOut,
            long bytesOut,
            long floodCopies,
            Map<DropReason, Long> drops,
            Instant lastSeen) {
        this.address = Objects.requireNonNull(address, "address");
        this.packetsIn = packetsIn;
        this.bytesIn = bytesIn;
        this.packetsOut = packetsOut;
        this.bytesOut = bytesOut;
        this.floodCopies = floodCopies;
        Map<DropReason, Long> nonZero = new EnumMap<>(DropReason.class);
        drops.forEach((reason, n) -> {
            if (n > 0) {
                nonZero.put(reason, n);
            }
        });
        this.drops = nonZero.isEmpty() ? Map.of() : Collections.unmodifiableMap(nonZero);
        this.lastSeen = lastSeen;
    }

    /** The remote VTEP's underlay address. */
    public InetAddress address() {
        return address;
    }

    /** Tunnel packets received from this remote and accepted (its segment exists and allows it). */
    public long packetsIn() {
        return packetsIn;
    }

    /** Bytes of those packets: tunnel header and inner frame. */
    public long bytesIn() {
        return bytesIn;
    }

    /** Tunnel packets handed to the underlay for this remote, unicast and head-end replicas. */
    public long packetsOut() {
        return packetsOut;
    }

    /** Bytes of those packets: tunnel header and inner frame. */
    public long bytesOut() {
        return bytesOut;
    }

    /** Of {@link #packetsOut()}, the head-end replicas of flooded frames. */
    public long floodCopies() {
        return floodCopies;
    }

    /** Drops of packets from or to this remote, by reason; reasons never seen are absent. */
    public Map<DropReason, Long> drops() {
        return drops;
    }

    /** How many of this remote's packets were dropped for {@code reason}. */
    public long dropped(DropReason reason) {
        return drops.getOrDefault(reason, 0L);
    }

    /**
     * When a packet from this remote was last accepted, to within the VTEP's sweep interval (the counters are looked at
     * on every sweep and snapshot, and the time is that of the first look that finds new packets); empty if none was
     * since its counters started.
     */
    public Optional<Instant> lastSeen() {
        return Optional.ofNullable(lastSeen);
    }

    /**
     * Every counter minus the same counter of {@code earlier} (rounded up to zero: counters that were reclaimed and
     * started again); the address and {@link #lastSeen()}, a level, are this one's.
     */
    public RemoteStats minus(RemoteStats earlier) {
        Objects.requireNonNull(earlier, "earlier");
        return new RemoteStats(
                address,
                Math.max(0, packetsIn - earlier.packetsIn),
                Math.max(0, bytesIn - earlier.bytesIn),
                Math.max(0, packetsOut - earlier.packetsOut),
                Math.max(0, bytesOut - earlier.bytesOut),
                Math.max(0, floodCopies - earlier.floodCopies),
                DropCounts.combine(drops, earlier.drops, -1),
                lastSeen);
    }

    /** Every counter plus the same counter of {@code other}; the later {@link #lastSeen()} of the two. */
    public RemoteStats plus(RemoteStats other) {
        Objects.requireNonNull(other, "other");
        Instant both = lastSeen == null
                ? other.lastSeen
                : other.lastSeen == null || lastSeen.isAfter(other.lastSeen) ? lastSeen : other.lastSeen;
        return new RemoteStats(
                address,
                packetsIn + other.packetsIn,
                bytesIn + other.bytesIn,
                packetsOut + other.packetsOut,
                bytesOut + other.bytesOut,
                floodCopies + other.floodCopies,
                DropCounts.combine(drops, other.drops, 1),
                both);
    }

    /** Equal when the address, every counter and the last-seen time are equal. */
    @Override
    public boolean equals(Object o) {
        return o instanceof RemoteStats other
                && address.equals(other.address)
                && packetsIn == other.packetsIn
                && bytesIn == other.bytesIn
                && packetsOut == other.packetsOut
                && bytesOut == other.bytesOut
                && floodCopies == other.floodCopies
                && drops.equals(other.drops)
                && Objects.equals(lastSeen, other.lastSeen);
    }

    @Override
    public int hashCode() {
        return Objects.hash(address, packetsIn, bytesIn, packetsOut, bytesOut, floodCopies, drops, lastSeen);
    }

    /** {@code {remote=10.99.0.2, in=5/500B, out=7/700B, floodCopies=2, drops={}, lastSeen=2026-01-01T00:00:00Z}}. */
    @Override
    public String toString() {
        return "{remote=" + address.getHostAddress() + ", in=" + packetsIn + "/" + bytesIn + "B, out=" + packetsOut
                + "/" + bytesOut + "B, floodCopies=" + floodCopies + ", drops=" + drops + ", lastSeen=" + lastSeen
                + '}';
    }
}
