package io.vtep4j.learning;

/** Immutable snapshot of a forwarding table's counters and size; thread-safe. */
public final class FdbCounters {

    private final int entries;
    private final long learned;
    private final long moved;
    private final long aged;
    private final long evicted;
    private final long duplicates;
    private final long frozenHits;
    private final long refusedGroup;
    private final long refusedZero;
    private final long refusedFull;
    private final long flushed;
    private final long listenerErrors;
    private final long refusedLocal;
    private final long refusedLocations;
    private final long reclaimedLocations;

    FdbCounters(int entries, long[] values) {
        this.entries = entries;
        this.learned = values[0];
        this.moved = values[1];
        this.aged = values[2];
        this.evicted = values[3];
        this.duplicates = values[4];
        this.frozenHits = values[5];
        this.refusedGroup = values[6];
        this.refusedZero = values[7];
        this.refusedFull = values[8];
        this.flushed = values[9];
        this.listenerErrors = values[10];
        this.refusedLocal = values[11];
        this.refusedLocations = values[12];
        this.reclaimedLocations = values[13];
    }

    /** Entries in the table when the snapshot was taken (static included); thread-safe. */
    public int entries() {
        return entries;
    }

    /** New entries created by learning; thread-safe. */
    public long learned() {
        return learned;
    }

    /** MAC moves to a new location; thread-safe. */
    public long moved() {
        return moved;
    }

    /** Entries removed by ageing; thread-safe. */
    public long aged() {
        return aged;
    }

    /** Entries evicted by the fairness policy to make room; thread-safe. */
    public long evicted() {
        return evicted;
    }

    /** Entries frozen as duplicate MACs (RFC 7432 §15.1); thread-safe. */
    public long duplicates() {
        return duplicates;
    }

    /** Learning attempts ignored because the entry was frozen; thread-safe. */
    public long frozenHits() {
        return frozenHits;
    }

    /** Source MACs refused because they were group (multicast or broadcast) addresses; thread-safe. */
    public long refusedGroup() {
        return refusedGroup;
    }

    /** Source MACs refused because they were all zeros; thread-safe. */
    public long refusedZero() {
        return refusedZero;
    }

    /** New MACs refused because the table or the VNI was full (entry limits); thread-safe. */
    public long refusedFull() {
        return refusedFull;
    }

    /**
     * Moves to a remote refused because a local port used the MAC within the local hold time (local wins);
     * thread-safe. A steady count means something on the underlay claims a local host's MAC.
     */
    public long refusedLocal() {
        return refusedLocal;
    }

    /**
     * Learns refused for want of a location index: a new remote while the learned-remote budget
     * ({@link ForwardingTable.Builder#maxRemoteLocations}) is spent and no weak remote could be displaced, or every
     * index in use; thread-safe. Each is also a {@link LearnResult#REFUSED_FULL}, not counted in {@link #refusedFull()}.
     */
    public long refusedLocations() {
        return refusedLocations;
    }

    /**
     * Weak learned remotes displaced to give a new remote their index (their entries count as {@link #evicted()});
     * thread-safe.
     */
    public long reclaimedLocations() {
        return reclaimedLocations;
    }

    /** Entries removed by flushes and explicit removal; thread-safe. */
    public long flushed() {
        return flushed;
    }

    /** Exceptions thrown by the listener (caught, never propagated); thread-safe. */
    public long listenerErrors() {
        return listenerErrors;
    }

    @Override
    public String toString() {
        return "FdbCounters{entries=" + entries + ", learned=" + learned + ", moved=" + moved + ", aged=" + aged
                + ", evicted=" + evicted + ", duplicates=" + duplicates + ", frozenHits=" + frozenHits
                + ", refusedGroup=" + refusedGroup + ", refusedZero=" + refusedZero + ", refusedFull=" + refusedFull
                + ", refusedLocal=" + refusedLocal + ", refusedLocations=" + refusedLocations
                + ", reclaimedLocations=" + reclaimedLocations
                + ", flushed=" + flushed + ", listenerErrors=" + listenerErrors + '}';
    }
}
