package io.vtep4j.learning;

/**
 * Receives forwarding-table events; every method defaults to doing nothing.
 *
 * <p>Threading: called on the thread that caused the event (a learning event loop, or whoever runs
 * {@link ForwardingTable#expire()}), after the table released its internal locks. Keep it quick; it may call the
 * table. Anything a listener throws, Errors included, is caught and counted, never propagated to the data path,
 * and the other events of the same operation are still delivered.
 */
public interface FdbListener {

    /** A new MAC was learned at {@code location}. */
    default void learned(int vni, long mac, Location location) {}

    /** A learned MAC moved from {@code from} to {@code to}. */
    default void moved(int vni, long mac, Location from, Location to) {}

    /** A learned (or frozen) entry reached its ageing time and was removed. */
    default void aged(int vni, long mac, Location location) {}

    /**
     * An entry was evicted to make room: for a new MAC (fairness policy), or with the rest of a weak remote's entries
     * so that a new remote VTEP gets its location ({@link ForwardingTable.Builder#maxRemoteLocations}).
     */
    default void evicted(int vni, long mac, Location location) {}

    /**
     * A MAC moved too often (RFC 7432 §15.1) and was frozen at {@code location}; it stays frozen until it ages out
     * or is cleared.
     */
    default void duplicate(int vni, long mac, Location location) {}

    /**
     * An entry was taken out by the table's owner rather than by learning or ageing: any entry removed
     * ({@link ForwardingTable#remove}), or a learned (or frozen) one replaced by a static or control-plane entry
     * ({@link ForwardingTable#addStatic}, {@link ForwardingTable#addControl}; a static or control-plane entry replaced
     * so is simply {@link #installed} at its new place). Flushes are reported apart, once per call ({@link #flushed}).
     */
    default void removed(int vni, long mac, Location location) {}

    /**
     * The owner added a static or control-plane entry at {@code location}, or moved one there
     * ({@link ForwardingTable#addStatic}, {@link ForwardingTable#addControl}); reported after the {@link #removed} of a
     * learned entry it replaces.
     */
    default void installed(int vni, long mac, Location location) {}

    /**
     * The owner removed entries in bulk ({@link ForwardingTable#flushVni}, {@link ForwardingTable#flushLocation},
     * {@link ForwardingTable#clearVni}): reported once per call that removed any, not once per entry, with
     * {@code vni} -1 when every VNI was flushed and {@code where} null when every location was. A listener that
     * mirrors the table reads it again.
     */
    default void flushed(int vni, Location where) {}
}
