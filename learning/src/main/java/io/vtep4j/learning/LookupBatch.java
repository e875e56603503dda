package io.vtep4j.learning;

import java.util.Arrays;

/**
 * A batch of forwarding-table lookups, answered together by {@link ForwardingTable#lookup(LookupBatch)} so that their
 * cache misses overlap: in a large table (a million MACs, a working set far beyond the CPU caches) nearly every lookup
 * waits for main memory, and a batch that first touches every entry's slot and only then compares keys waits about
 * once per batch instead of once per lookup.
 *
 * <pre>{@code
 * LookupBatch batch = new LookupBatch(32);   // one per thread, reused
 * for (Packet p : received) batch.add(p.vni, p.dst);
 * fdb.lookup(batch);
 * for (int i = 0; i < batch.size(); i++) deliver(received[i], batch.location(i));   // null: flood
 * batch.clear();
 * }</pre>
 *
 * <p>Threading: not thread-safe; a batch belongs to one thread at a time (an event loop keeps its own). Adding,
 * looking up and clearing allocate nothing.
 */
public final class LookupBatch {

    /** Largest capacity. */
    public static final int MAX_CAPACITY = 1024;

    final int[] vnis;
    final long[] macs;
    final Location[] results;
    /** Per lookup, between the passes of a batched lookup: the key array and the home slot in it. */
    final long[][] keys;

    final int[] homes;
    /** What the touch pass read, folded (kept so that its reads are not optimised away). */
    long touched;

    int size;

    /**
     * An empty batch of at most {@code capacity} lookups.
     *
     * @throws IllegalArgumentException if {@code capacity} is not 1..{@value #MAX_CAPACITY}
     */
    public LookupBatch(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1.." + MAX_CAPACITY + ")");
        }
        vnis = new int[capacity];
        macs = new long[capacity];
        results = new Location[capacity];
        keys = new long[capacity][];
        homes = new int[capacity];
    }

    /**
     * Adds the lookup of {@code mac} in {@code vni}; returns its index. A MAC the table can never hold (zero, wider
     * than 48 bits) or an unknown VNI simply finds nothing.
     *
     * @throws IllegalStateException if the batch is full
     */
    public int add(int vni, long mac) {
        if (size == vnis.length) {
            throw new IllegalStateException("batch: full at " + size + " (expected: clear() first)");
        }
        vnis[size] = vni;
        macs[size] = mac;
        results[size] = null;
        return size++;
    }

    /** Lookups added since the last {@link #clear()}. */
    public int size() {
        return size;
    }

    /** The most lookups this batch holds. */
    public int capacity() {
        return vnis.length;
    }

    /**
     * The answer to lookup {@code index} after {@link ForwardingTable#lookup(LookupBatch)}: where frames to that MAC go,
     * or null if unknown.
     *
     * @throws IndexOutOfBoundsException if {@code index} is not 0..size()-1
     */
    public Location location(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("index: " + index + " (expected: 0.." + (size - 1) + ")");
        }
        return results[index];
    }

    /** Empties the batch (and drops its references to locations). */
    public void clear() {
        Arrays.fill(results, 0, size, null);
        size = 0;
    }
}
