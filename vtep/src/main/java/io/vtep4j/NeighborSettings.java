package io.vtep4j;

import io.vtep4j.learning.NeighborListener;
import io.vtep4j.learning.NeighborTable;
import java.util.Objects;

/**
 * What a {@link Vtep.Builder} says about ARP/ND suppression and miss events: the default of new segments, the
 * bounds of the binding table, its listener and the miss-event rate. Immutable once built; thread-safe.
 */
final class NeighborSettings {

    /** Default miss events per second per segment ({@link Vtep.Builder#missEvents}). */
    static final int DEFAULT_MISS_EVENTS = 100;

    final boolean suppress;
    final int maxEntries;
    final int maxEntriesPerVni;
    final NeighborListener listener;
    final int missEvents;

    NeighborSettings(
            boolean suppress, int maxEntries, int maxEntriesPerVni, NeighborListener listener, int missEvents) {
        this.suppress = suppress;
        this.maxEntries = maxEntries;
        this.maxEntriesPerVni = maxEntriesPerVni;
        this.listener = Objects.requireNonNull(listener, "listener");
        this.missEvents = missEvents;
    }

    static NeighborSettings defaults() {
        return new NeighborSettings(
                false,
                NeighborTable.DEFAULT_MAX_ENTRIES,
                NeighborTable.DEFAULT_MAX_ENTRIES_PER_VNI,
                new NeighborListener() {},
                DEFAULT_MISS_EVENTS);
    }

    NeighborSettings suppress(boolean on) {
        return new NeighborSettings(on, maxEntries, maxEntriesPerVni, listener, missEvents);
    }

    NeighborSettings bounds(int total, int perVni) {
        return new NeighborSettings(suppress, total, perVni, listener, missEvents);
    }

    NeighborSettings listener(NeighborListener l) {
        return new NeighborSettings(suppress, maxEntries, maxEntriesPerVni, l, missEvents);
    }

    NeighborSettings missEvents(int perSecond) {
        return new NeighborSettings(suppress, maxEntries, maxEntriesPerVni, listener, perSecond);
    }
}
