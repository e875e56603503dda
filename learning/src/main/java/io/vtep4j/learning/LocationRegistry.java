package io.vtep4j.learning;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Interns {@link Location}s to small indices so a table slot can hold MAC and location in one {@code long}.
 *
 * <p>Capacity: {@value #CAPACITY} indices (the 14 location bits of a slot key). An index is reference-counted by the
 * entries that use it and recycled when none does. Remote locations held only by learned entries form the
 * <em>learned remotes</em>, limited to a budget ({@code maxLearnedRemotes}, at most {@code CAPACITY -}
 * {@value #MIN_RESERVED}), so that local ports and locations of static entries always find an index.
 *
 * <p>When the budget is full, a new remote gets an index only by displacing a weak one ({@link #admit}): the
 * newcomer must have asked twice (a one-off spoofed source never does; a peer that keeps sending does), and the
 * displaced location is one never confirmed, that is used by one learned entry only once; established remotes
 * (used again since they were interned) are never displaced, they leave by ageing or flushing.
 *
 * <p>Thread-safe: {@link #location(int)} is lock-free; other methods are serialised, except {@link #touch}, a racy
 * hint. Every recycling bumps {@link #recycles()} first, so a lock-free reader that read an index from a slot key can
 * tell whether the location it then read may belong to someone else: it compares the counter before and after (a
 * seqlock on recycling only, which is rare).
 */
final class LocationRegistry {

    /** Indices fit the 14 location bits of a slot key. */
    static final int CAPACITY = 1 << MacTable.LOCATION_BITS;
    /** Indices that learned remotes can never take: room for local ports and static entries. */
    static final int MIN_RESERVED = 256;
    /** {@link #acquire} result: every index is in use. */
    static final int NO_INDEX = -1;
    /** {@link #acquire} result: the learned-remote budget is spent; see {@link #admit}. */
    static final int OVER_BUDGET = -2;

    // Newcomers remembered after a first refusal: a direct-mapped table of location hashes, made on first need.
    private static final int DOORKEEPER = 1 << 14;
    // Indices a displacement looks at (a clock hand over the index space).
    private static final int SAMPLE = 16;
    private static final VarHandle LOCATIONS = MethodHandles.arrayElementVarHandle(Location[].class);

    private final int maxLearnedRemotes;
    private final long seed = ThreadLocalRandom.current().nextLong() | 1;
    private final Map<Location, Integer> indices = new HashMap<>();
    private volatile int recycles;
    private volatile Location[] byIndex = new Location[16];
    private int[] references = new int[16];
    private int[] statics = new int[16];
    private int[] born = new int[16];
    private boolean[] confirmed = new boolean[16];
    private int[] free = new int[16];
    private int freeCount;
    private int next;
    private int learnedRemotes;
    private long[] doorkeeper;
    private int hand;

    LocationRegistry(int maxLearnedRemotes) {
        this.maxLearnedRemotes = maxLearnedRemotes;
    }

    /** The location at {@code index}, or null if unused; lock-free, allocation-free. */
    Location location(int index) {
        final Location[] locations = byIndex;
        return index < locations.length ? (Location) LOCATIONS.getAcquire(locations, index) : null;
    }

    /** How many times an index has been freed; lock-free. Unchanged across a read = the read was not recycled. */
    int recycles() {
        return recycles;
    }

    /** The index of {@code where} if some entry refers to it, else -1. */
    synchronized int indexOf(Location where) {
        final Integer index = indices.get(where);
        return index == null ? -1 : index;
    }

    /**
     * Takes one reference to {@code where}'s index for a learned ({@code learned}) or static entry, interning it if
     * new; {@link #NO_INDEX} if all indices are in use, {@link #OVER_BUDGET} if a new learned remote would exceed the
     * budget. {@code now}: the table's clock, for the displacement order.
     */
    synchronized int acquire(Location where, boolean learned, int now) {
        final Integer known = indices.get(where);
        if (known != null) {
            final int index = known;
            final boolean before = counted(index);
            references[index]++;
            if (learned) {
                confirmed[index] = true; // used again since it was interned
            } else {
                statics[index]++;
            }
            recount(index, before);
            return index;
        }
        if (learned && where.isRemote() && learnedRemotes >= maxLearnedRemotes) {
            return OVER_BUDGET;
        }
        final int index;
        if (freeCount > 0) {
            index = free[--freeCount];
        } else if (next < CAPACITY) {
            index = next++;
        } else {
            return NO_INDEX;
        }
        if (index >= references.length) {
            final int length = Math.min(CAPACITY, references.length * 2);
            references = Arrays.copyOf(references, length);
            statics = Arrays.copyOf(statics, length);
            born = Arrays.copyOf(born, length);
            confirmed = Arrays.copyOf(confirmed, length);
            byIndex = Arrays.copyOf(byIndex, length);
        }
        references[index] = 1;
        statics[index] = learned ? 0 : 1;
        born[index] = now;
        confirmed[index] = false;
        LOCATIONS.setRelease(byIndex, index, where);
        indices.put(where, index);
        recount(index, false);
        return index;
    }

    /** Drops one reference of a learned ({@code learned}) or static entry; the index is recycled when none remain. */
    synchronized void release(int index, boolean learned) {
        final boolean before = counted(index);
        references[index]--;
        if (!learned) {
            statics[index]--;
        }
        if (references[index] == 0) {
            recycles = recycles + 1; // before the slot can change: readers compare it around their read
            learnedRemotes -= before ? 1 : 0;
            indices.remove(byIndex[index]);
            LOCATIONS.setRelease(byIndex, index, null);
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, free.length * 2);
            }
            free[freeCount++] = index;
            return;
        }
        recount(index, before);
    }

    /** A learned entry at {@code index} was seen again: the location is in use (a racy hint, no lock). */
    void touch(int index) {
        final boolean[] flags = confirmed;
        if (index < flags.length) {
            flags[index] = true;
        }
    }

    /**
     * Called when a learned remote {@code candidate} found the budget spent. Returns {@code candidate} if there is
     * room again, a weak learned remote to displace (its entries must be evicted, then the caller retries), or null:
     * refused, because this is the candidate's first request since the budget filled (it is remembered) or no weak
     * remote was found.
     */
    synchronized Location admit(Location candidate) {
        if (learnedRemotes < maxLearnedRemotes || indices.containsKey(candidate)) {
            return candidate;
        }
        if (doorkeeper == null) {
            doorkeeper = new long[DOORKEEPER];
        }
        final long h = (candidate.hashCode() + seed) * 0x9E37_79B9_7F4A_7C15L | 1;
        final int slot = (int) (h >>> 50) & (DOORKEEPER - 1);
        if (doorkeeper[slot] != h) {
            doorkeeper[slot] = h;
            return null;
        }
        doorkeeper[slot] = 0;
        int weakest = -1;
        for (int n = 0, seen = 0; n < next && seen < SAMPLE; n++) {
            hand = hand + 1 < next ? hand + 1 : 0;
            if (counted(hand)) {
                seen++;
                if (!confirmed[hand]
                        && (weakest < 0
                                || references[hand] < references[weakest]
                                || references[hand] == references[weakest] && born[hand] - born[weakest] < 0)) {
                    weakest = hand;
                }
            }
        }
        return weakest < 0 ? null : byIndex[weakest];
    }

    /** Number of locations referred to by at least one entry. */
    synchronized int size() {
        return indices.size();
    }

    /** Remote locations held only by learned entries (the budgeted ones). */
    synchronized int learnedRemotes() {
        return learnedRemotes;
    }

    private boolean counted(int index) {
        final Location where = byIndex[index];
        return where != null && where.isRemote() && statics[index] == 0 && references[index] > 0;
    }

    private void recount(int index, boolean before) {
        learnedRemotes += (counted(index) ? 1 : 0) - (before ? 1 : 0);
    }
}
