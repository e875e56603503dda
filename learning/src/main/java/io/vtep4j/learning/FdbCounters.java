package io.vtep4j.learning;

/** Immutable snapshot of a forwarding table's counters and size; thread-safe. */
public final class FdbCounters {

    // Indices of the live counters the table keeps (and of the values a snapshot is made from).
    static final int LEARNED = 0;
    static final int MOVED = 1;
    static final int AGED = 2;
    static final int EVICTED = 3;
    static final int DUPLICATES = 4;
    static final int FROZEN_HITS = 5;
    static final int REFUSED_GROUP = 6;
    static final int REFUSED_ZERO = 7;
    static final int REFUSED_FULL = 8;
    static final int FLUSHED = 9;
    static final int LISTENER_ERRORS = 10;
    static final int REFUSED_LOCAL = 11;
    static final int REFUSED_LOCATIONS = 12;
    static final int RECLAIMED_LOCATIONS = 13;
    static final int COUNTERS = 14;

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
        this.learned = values[LEARNED];
        this.moved = values[MOVED];
        this.aged = values[AGED];
        this.evicted = values[EVICTED];
        this.duplicates = values[DUPLICATES];
        this.frozenHits = values[FROZEN_HITS];
        this.refusedGroup = values[REFUSED_GROUP];
        this.refusedZero = values[REFUSED_ZERO];
        this.refusedFull = values[REFUSED_FULL];
        this.flushed = values[FLUSHED];
        this.listenerErrors = values[LISTENER_ERRORS];
        this.refusedLocal = values[REFUSED_LOCAL];
        this.refusedLocations = values[REFUSED_LOCATIONS];
        this.reclaimedLocations = values[RECLAIMED_LOCATIONS];
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
