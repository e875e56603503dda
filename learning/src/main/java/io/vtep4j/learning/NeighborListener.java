package io.vtep4j.learning;

/**
 * Receives neighbour-binding events of a {@link NeighborTable}; every method defaults to doing nothing.
 *
 * <p>Threading: called on the thread that caused the event (an event loop snooping a packet, a control plane, or
 * whoever runs {@link NeighborTable#expire()}), after the table released its lock. Keep it quick. Anything a
 * listener throws is caught and counted ({@link NeighborCounters#listenerErrors()}), never propagated.
 */
public interface NeighborListener {

    /** A new binding was learned or added. */
    default void added(NeighborEntry entry) {}

    /** A binding changed its MAC, its location or its origin; {@code before} is how it was. */
    default void changed(NeighborEntry before, NeighborEntry after) {}

    /** A binding was removed: its MAC aged out of the forwarding table, or it was removed or cleared. */
    default void removed(NeighborEntry entry) {}
}
