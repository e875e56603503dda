package io.vtep4j.learning;

/** What {@link ForwardingTable#learn(int, long, Location)} did with a source MAC; immutable, thread-safe. */
public enum LearnResult {
    /** A new entry was created. */
    LEARNED,
    /** The MAC was already known at that location; its age restarted (if due). */
    REFRESHED,
    /** The MAC was known elsewhere and now points at the new location. */
    MOVED,
    /** The entry is frozen as a duplicate MAC (RFC 7432 §15.1): nothing changed. */
    FROZEN,
    /** Refused: the source MAC is a group (multicast or broadcast) address. */
    REFUSED_GROUP,
    /** Refused: the source MAC is all zeros. */
    REFUSED_ZERO,
    /** Refused: the table, the VNI or the location registry is full. */
    REFUSED_FULL,
    /**
     * Refused: a remote claimed a MAC that a local port used within the local hold time
     * ({@link ForwardingTable.Builder#localHold}); the entry stays at the local port (local wins).
     */
    REFUSED_LOCAL,
    /** The MAC has a static entry, which learning never overwrites. */
    STATIC;

    /** True if the source MAC was not recorded because of a refusal rule; thread-safe. */
    public boolean refused() {
        return this == REFUSED_GROUP || this == REFUSED_ZERO || this == REFUSED_FULL || this == REFUSED_LOCAL;
    }
}
