package io.vtep4j.learning;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Interns {@link Location}s to small indices so a table slot can hold MAC and location in one {@code long}.
 *
 * <p>Thread-safe: {@link #location(int)} is lock-free; acquire and release are serialised. An index is recycled once
 * no entry refers to it. Every recycling bumps {@link #recycles()} first, so a lock-free reader that read an index
 * from a slot key can tell whether the location it then read may belong to someone else: it compares the counter
 * before and after (a seqlock on recycling only, which is rare).
 */
final class LocationRegistry {

    /** Indices fit the 14 location bits of a slot key. */
    static final int CAPACITY = 1 << MacTable.LOCATION_BITS;

    private static final VarHandle LOCATIONS = MethodHandles.arrayElementVarHandle(Location[].class);

    private final Map<Location, Integer> indices = new HashMap<>();
    private volatile int recycles;
    private volatile Location[] byIndex = new Location[16];
    private int[] references = new int[16];
    private int[] free = new int[16];
    private int freeCount;
    private int next;

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

    /** Takes one reference to {@code where}'s index, interning it if new; -1 if all indices are in use. */
    synchronized int acquire(Location where) {
        final Integer known = indices.get(where);
        if (known != null) {
            references[known]++;
            return known;
        }
        final int index;
        if (freeCount > 0) {
            index = free[--freeCount];
        } else if (next < CAPACITY) {
            index = next++;
        } else {
            return -1;
        }
        if (index >= references.length) {
            final int length = Math.min(CAPACITY, references.length * 2);
            references = Arrays.copyOf(references, length);
            byIndex = Arrays.copyOf(byIndex, length);
        }
        references[index] = 1;
        LOCATIONS.setRelease(byIndex, index, where);
        indices.put(where, index);
        return index;
    }

    /** Drops one reference; the index is recycled when none remain. */
    synchronized void release(int index) {
        if (--references[index] == 0) {
            recycles = recycles + 1; // before the slot can change: readers compare it around their read
            indices.remove(byIndex[index]);
            LOCATIONS.setRelease(byIndex, index, null);
            if (freeCount == free.length) {
                free = Arrays.copyOf(free, free.length * 2);
            }
            free[freeCount++] = index;
        }
    }

    /** Number of locations referred to by at least one entry. */
    synchronized int size() {
        return indices.size();
    }
}
