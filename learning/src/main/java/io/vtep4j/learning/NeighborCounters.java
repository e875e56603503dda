package io.vtep4j.learning;

/** Immutable snapshot of a {@link NeighborTable}'s counters and size; thread-safe. */
public final class NeighborCounters {

    // Indices of the live counters the table keeps.
    static final int SNOOPED = 0;
    static final int LEARNED = 1;
    static final int CHANGED = 2;
    static final int REMOVED = 3;
    static final int ANSWERED = 4;
    static final int STALE = 5;
    static final int CONFLICTS = 6;
    static final int TABLE_FULL = 7;
    static final int LISTENER_ERRORS = 8;
    static final int COUNTERS = 9;

    private final int entries;
    private final long[] values;

    NeighborCounters(int entries, long[] values) {
        this.entries = entries;
        this.values = values.clone();
    }

    /** Bindings in the table when the snapshot was taken; thread-safe. */
    public int entries() {
        return entries;
    }

    /** Valid ARP / NS / NA announcements snooped, new or repeated; thread-safe. */
    public long snooped() {
        return values[SNOOPED];
    }

    /** Bindings created (snooped or added by a control plane); thread-safe. */
    public long learned() {
        return values[LEARNED];
    }

    /** Bindings whose MAC, location or origin changed; thread-safe. */
    public long changed() {
        return values[CHANGED];
    }

    /** Bindings removed (aged with their MAC, removed, cleared); thread-safe. */
    public long removed() {
        return values[REMOVED];
    }

    /** Requests resolved from the table (answered locally instead of flooded); thread-safe. */
    public long answered() {
        return values[ANSWERED];
    }

    /** Requests for a binding whose MAC had left the forwarding table (aged): not answered; thread-safe. */
    public long stale() {
        return values[STALE];
    }

    /**
     * Conflicts: a request for a binding whose MAC moved since it was confirmed (not answered), or a snooped packet
     * refused because it would overwrite a control-plane binding or a live local host's (local wins); thread-safe.
     */
    public long conflicts() {
        return values[CONFLICTS];
    }

    /** New bindings refused because the table or the VNI was full; thread-safe. */
    public long tableFull() {
        return values[TABLE_FULL];
    }

    /** Exceptions thrown by the listener (caught); thread-safe. */
    public long listenerErrors() {
        return values[LISTENER_ERRORS];
    }

    @Override
    public String toString() {
        return "NeighborCounters{entries=" + entries + ", snooped=" + snooped() + ", learned=" + learned()
                + ", changed=" + changed() + ", removed=" + removed() + ", answered=" + answered() + ", stale="
                + stale() + ", conflicts=" + conflicts() + ", tableFull=" + tableFull() + ", listenerErrors="
                + listenerErrors() + '}';
    }
}
