package io.vtep4j.learning;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * One VNI's MACs: an open-addressing (linear probing) hash table of primitive arrays.
 *
 * <p>A slot is one {@code long} key plus one {@code int} last-seen time (12 bytes). The key packs everything a reader
 * needs, so a reader sees an entry whole or not at all:
 * <pre>
 *  63      62      61 .. 48          47 .. 0
 * +-------+-------+-----------------+---------------------+
 * |FROZEN |STATIC | location index  | MAC address         |
 * +-------+-------+-----------------+---------------------+
 * </pre>
 * STATIC and FROZEN both set mark a control-plane entry ({@link #CONTROL}): never aged, like a static one, but
 * taken over by learning on a local port. A key whose MAC bits are zero is not an entry: {@link #EMPTY} ends a probe, {@link #TOMBSTONE} marks a removed
 * entry and does not (the all-zero MAC is never stored). Entries never move within one array, so a reader probing
 * concurrently with writers cannot miss a present entry; growth and compaction build new arrays and publish them.
 *
 * <p>Threading: {@link #lookup} and {@link #tryRefresh} are lock-free and allocation-free. Every other method must be
 * called holding this object's monitor.
 */
final class MacTable {

    static final int LOCATION_BITS = 14;
    static final long MAC_MASK = MacAddress.MASK;
    static final int LOCATION_SHIFT = 48;
    static final long STATIC = 1L << 62;
    static final long FROZEN = 1L << 63;
    /** Installed by a control plane (EVPN): a remote entry, never aged, movable to a local port by learning. */
    static final long CONTROL = STATIC | FROZEN;

    static final long EMPTY = 0L;
    static final long TOMBSTONE = 1L << LOCATION_SHIFT;

    private static final int MIN_CAPACITY = 16;
    private static final int MAX_CAPACITY = 1 << 30;
    /**
     * Mixed into every MAC before it picks a slot; drawn once per process. Slot positions are then unknown outside
     * the process, so MACs chosen by a sender cannot be made to land in one long run of occupied slots (which would
     * make every lookup and learn in that run walk it).
     */
    private static final long SEED = new java.security.SecureRandom().nextLong();

    private static final VarHandle KEYS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SEEN = MethodHandles.arrayElementVarHandle(int[].class);

    final int vni;
    private volatile Slots slots = new Slots(MIN_CAPACITY);
    private volatile int size;
    private volatile int ageingMillis;
    private volatile int refreshMillis;
    private boolean ownAgeing;
    private int tombstones;
    private int hand;
    // Learned and frozen entries per location index: fairness eviction and flush by location.
    private int[] dynamicPerLocation = new int[16];

    MacTable(int vni, int ageingMillis) {
        this.vni = vni;
        ageing(ageingMillis, false);
    }

    static long key(long mac, int locationIndex, long flags) {
        return mac | (long) locationIndex << LOCATION_SHIFT | flags;
    }

    static long mac(long key) {
        return key & MAC_MASK;
    }

    static int locationIndex(long key) {
        return (int) (key >>> LOCATION_SHIFT) & (LocationRegistry.CAPACITY - 1);
    }

    static boolean isDynamic(long key) {
        return (key & STATIC) == 0;
    }

    /** Lock-free, allocation-free lookup; {@code mac} must be non-zero and fit 48 bits. */
    Location lookup(long mac, LocationRegistry registry) {
        while (true) {
            // Read the recycle count before the arrays: an old generation's arrays (replaced by a rebuild) keep
            // keys whose index may since have been recycled, and that is only detectable if counted from here.
            final int recycles = registry.recycles();
            final Slots s = slots;
            final int i = s.find(mac);
            if (i < 0) {
                return null;
            }
            final long k = (long) KEYS.getAcquire(s.keys, i);
            final Location where = registry.location(locationIndex(k));
            VarHandle.acquireFence();
            // The key is read whole (MAC and index in one long). Its index names the right location unless an
            // index was recycled meanwhile; then read again.
            if (registry.recycles() == recycles && (k & MAC_MASK) == mac) {
                return where;
            }
        }
    }

    /** The key array now in use (for a batch's touch pass: {@link #home} gives the slot to read); lock-free. */
    long[] keys() {
        return slots.keys;
    }

    /**
     * Plain reads of {@code mac}'s home slot in both arrays (a lookup reads the key, a learn the key and the last-seen
     * time), folded; lock-free. A racy read of either is harmless: the value only keeps the reads alive.
     */
    long readAhead(long mac) {
        final Slots s = slots;
        final int i = s.home(mac);
        return s.keys[i] ^ s.seen[i];
    }

    /** The home slot of {@code mac} in a key array of length {@code capacity} (a power of two). */
    static int home(long mac, int capacity) {
        return (int) (spread(mac) >>> (64 - Integer.numberOfTrailingZeros(capacity)));
    }

    /**
     * The seeded MAC, mixed so that every bit of it moves the top bits, which pick the slot: the SplitMix64
     * finaliser (two xor-shifts and multiplies). A plain multiply by the golden ratio clusters MACs that
     * step by a multiple close to it (measured: 200-350 ns per lookup at 1M such MACs against 35-65 ns for random ones).
     */
    static long spread(long mac) {
        long z = mac ^ SEED;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    /**
     * The learning fast path: STATIC, FROZEN, or REFRESHED when {@code mac} is already at {@code where} and its age
     * is not yet due for a refresh; null when the caller must take the locked path. Lock-free, allocation-free.
     */
    LearnResult tryRefresh(long mac, Location where, int now, LocationRegistry registry) {
        final int recycles = registry.recycles();
        final Slots s = slots;
        final int i = s.find(mac);
        if (i < 0) {
            return null;
        }
        final long k = (long) KEYS.getAcquire(s.keys, i);
        if ((k & MAC_MASK) != mac) {
            return null;
        }
        if ((k & STATIC) != 0) {
            // a control-plane entry seen on a local port: the locked path moves it there
            return (k & CONTROL) == CONTROL && !where.isRemote() ? null : LearnResult.STATIC;
        }
        if ((k & FROZEN) != 0) {
            return LearnResult.FROZEN;
        }
        final Location current = registry.location(locationIndex(k));
        final int seen = (int) SEEN.getOpaque(s.seen, i);
        VarHandle.acquireFence();
        if ((current == where || where.equals(current))
                && now - seen < refreshMillis
                && registry.recycles() == recycles) {
            return LearnResult.REFRESHED;
        }
        return null;
    }

    // ---- everything below: caller holds this object's monitor ----

    /** Slot of {@code mac}, or -1. */
    int indexOf(long mac) {
        return slots.find(mac);
    }

    long keyAt(int slot) {
        return slots.keys[slot];
    }

    int seenAt(int slot) {
        return slots.seen[slot];
    }

    void touch(int slot, int now) {
        SEEN.setOpaque(slots.seen, slot, now);
    }

    /** Replaces the key in {@code slot} (same MAC): a move, a freeze, a change of type. */
    void replace(int slot, long key, int now) {
        final Slots s = slots;
        final long old = s.keys[slot];
        count(old, -1);
        count(key, +1);
        SEEN.setOpaque(s.seen, slot, now);
        KEYS.setRelease(s.keys, slot, key);
    }

    /** Replaces the key in {@code slot} keeping its last-seen time. */
    void replaceKeepingAge(int slot, long key) {
        replace(slot, key, slots.seen[slot]);
    }

    /** Inserts a key whose MAC is absent. */
    void insert(long key, int now) {
        if (size + tombstones + 1 > slots.keys.length - (slots.keys.length >>> 2)) {
            rebuild(capacityFor(size + 1));
        }
        final Slots s = slots;
        final long mac = key & MAC_MASK;
        int i = s.home(mac);
        while (s.keys[i] != EMPTY && s.keys[i] != TOMBSTONE) {
            i = (i + 1) & s.mask;
        }
        if (s.keys[i] == TOMBSTONE) {
            tombstones--;
        }
        SEEN.setOpaque(s.seen, i, now);
        KEYS.setRelease(s.keys, i, key);
        count(key, +1);
        size = size + 1;
    }

    /** Removes the entry in {@code slot}; returns its key. */
    long removeAt(int slot) {
        final Slots s = slots;
        final long old = s.keys[slot];
        KEYS.setRelease(s.keys, slot, TOMBSTONE);
        count(old, -1);
        tombstones++;
        size = size - 1;
        return old;
    }

    /** Adds a listing row per entry to {@code out}, ages as of {@code now}. */
    void list(List<FdbEntry> out, LocationRegistry registry, int now) {
        final long[] keys = slots.keys;
        for (int slot = 0; slot < keys.length; slot++) {
            final long key = keys[slot];
            if (mac(key) == 0) {
                continue;
            }
            final FdbEntry.Type type = (key & CONTROL) == CONTROL
                    ? FdbEntry.Type.CONTROL
                    : !isDynamic(key)
                            ? FdbEntry.Type.STATIC
                            : (key & FROZEN) != 0 ? FdbEntry.Type.FROZEN : FdbEntry.Type.LEARNED;
            final Duration age = !isDynamic(key) ? Duration.ZERO : Duration.ofMillis(Math.max(0, now - seenAt(slot)));
            out.add(new FdbEntry(vni, mac(key), type, registry.location(locationIndex(key)), age));
        }
    }

    /** Capacity of the slot arrays (for scans). */
    int capacity() {
        return slots.keys.length;
    }

    /** Learned and frozen entries at a location index. */
    int dynamicAt(int locationIndex) {
        return locationIndex < dynamicPerLocation.length ? dynamicPerLocation[locationIndex] : 0;
    }

    /**
     * Slot of a learned or frozen entry at the location index holding the most of them, scanning on from where the
     * last search stopped (a clock hand); -1 if this VNI has no dynamic entry.
     */
    int evictionCandidate() {
        int busiest = -1;
        int most = 0;
        for (int i = 0; i < dynamicPerLocation.length; i++) {
            if (dynamicPerLocation[i] > most) {
                most = dynamicPerLocation[i];
                busiest = i;
            }
        }
        if (busiest < 0) {
            return -1;
        }
        final long[] keys = slots.keys;
        for (int n = 0; n < keys.length; n++) {
            hand = (hand + 1) & (keys.length - 1);
            final long k = keys[hand];
            if ((k & MAC_MASK) != 0 && isDynamic(k) && locationIndex(k) == busiest) {
                return hand;
            }
        }
        return -1;
    }

    /** Rebuilds the arrays if removals left them sparse or full of tombstones. */
    void compact() {
        final int capacity = slots.keys.length;
        if (tombstones > capacity >>> 3 || (capacity > MIN_CAPACITY && size < capacity >>> 3)) {
            rebuild(capacityFor(size));
        }
    }

    int size() {
        return size;
    }

    int ageingMillis() {
        return ageingMillis;
    }

    boolean ownAgeing() {
        return ownAgeing;
    }

    void ageing(int millis, boolean own) {
        this.ageingMillis = millis;
        // Refresh an entry's last-seen time at most every 1/64 of the ageing time (and at least every second), so
        // that re-learning a known MAC writes nothing in the common case.
        this.refreshMillis = Math.max(1, Math.min(1000, millis >>> 6));
        this.ownAgeing = own;
    }

    private void count(long key, int delta) {
        if ((key & MAC_MASK) == 0 || !isDynamic(key)) {
            return;
        }
        final int index = locationIndex(key);
        if (index >= dynamicPerLocation.length) {
            dynamicPerLocation = Arrays.copyOf(
                    dynamicPerLocation,
                    Math.max(index + 1, Math.min(LocationRegistry.CAPACITY, dynamicPerLocation.length * 2)));
        }
        dynamicPerLocation[index] += delta;
    }

    private static int capacityFor(int entries) {
        // Load factor at most 1/2 right after a rebuild, 3/4 before the next one.
        final long wanted = Math.max(MIN_CAPACITY, (long) entries * 2);
        if (wanted > MAX_CAPACITY) {
            throw new IllegalStateException("entries: " + entries + " (expected: <= " + MAX_CAPACITY / 2 + ")");
        }
        return Integer.highestOneBit((int) wanted - 1) << 1;
    }

    private void rebuild(int capacity) {
        final Slots old = slots;
        final Slots fresh = new Slots(capacity);
        for (int i = 0; i < old.keys.length; i++) {
            final long k = old.keys[i];
            if ((k & MAC_MASK) != 0) {
                int j = fresh.home(k & MAC_MASK);
                while (fresh.keys[j] != EMPTY) {
                    j = (j + 1) & fresh.mask;
                }
                fresh.keys[j] = k;
                fresh.seen[j] = old.seen[i];
            }
        }
        tombstones = 0;
        hand = 0;
        slots = fresh; // volatile publish: readers see the new arrays fully written
    }

    /** The arrays of one generation; replaced whole on growth or compaction. */
    private static final class Slots {
        final long[] keys;
        final int[] seen;
        final int mask;
        final int shift;

        Slots(int capacity) {
            keys = new long[capacity];
            seen = new int[capacity];
            mask = capacity - 1;
            shift = 64 - Integer.numberOfTrailingZeros(capacity);
        }

        int home(long mac) {
            return (int) (spread(mac) >>> shift);
        }

        /** Slot whose key holds {@code mac}, or -1 at the first empty slot; lock-free. */
        int find(long mac) {
            int i = home(mac);
            while (true) {
                final long k = (long) KEYS.getAcquire(keys, i);
                if (k == EMPTY) {
                    return -1;
                }
                if ((k & MAC_MASK) == mac) {
                    return i;
                }
                i = (i + 1) & mask;
            }
        }
    }
}
