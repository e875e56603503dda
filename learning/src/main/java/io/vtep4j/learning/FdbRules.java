package io.vtep4j.learning;

import static io.vtep4j.learning.FdbCounters.COUNTERS;
import static io.vtep4j.learning.FdbCounters.DUPLICATES;
import static io.vtep4j.learning.FdbCounters.EVICTED;
import static io.vtep4j.learning.FdbCounters.FROZEN_HITS;
import static io.vtep4j.learning.FdbCounters.LEARNED;
import static io.vtep4j.learning.FdbCounters.LISTENER_ERRORS;
import static io.vtep4j.learning.FdbCounters.MOVED;
import static io.vtep4j.learning.FdbCounters.RECLAIMED_LOCATIONS;
import static io.vtep4j.learning.FdbCounters.REFUSED_FULL;
import static io.vtep4j.learning.FdbCounters.REFUSED_GROUP;
import static io.vtep4j.learning.FdbCounters.REFUSED_LOCAL;
import static io.vtep4j.learning.FdbCounters.REFUSED_LOCATIONS;
import static io.vtep4j.learning.FdbCounters.REFUSED_ZERO;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * The rules of a {@link ForwardingTable} (hygiene, limits, mobility and duplicate detection, ageing) applied over
 * per-VNI {@link MacTable}s and one {@link LocationRegistry}; {@code ForwardingTable} is its public face. Learning lives here; the
 * owner's and the sweeper's operations (fixed entries, removal, flushes, ageing out, listing) in {@link FdbMaintenance}.
 * Thread-safe: lookups and not-yet-due refreshes are lock-free; changes lock one VNI's table; listener events fire
 * after the lock is released.
 */
final class FdbRules {

    /** Stands in for the key array of a lookup that reads no table: as long as the smallest table's, never written. */
    private static final long[] EMPTY_KEYS = new long[16];

    // Bits that must be clear in a learnable source MAC: above the 48th, and the I/G (group) bit.
    private static final long LEARNABLE_MASK = ~MacTable.MAC_MASK | 1L << 40;

    private final FdbMaintenance maintenance;
    private final LongSupplier ticker;
    private final long origin;
    final int defaultAgeingMillis;
    final int maxEntries;
    final int maxEntriesPerVni;
    private final int localHoldMillis;
    private final boolean evictFromBusiestLocation;
    final FdbListener listener;
    final MoveTracker moves;
    final VniDirectory directory = new VniDirectory();
    final LocationRegistry registry;
    private final AtomicInteger total = new AtomicInteger();
    // The time of the last ticker read (ms since origin). The refresh fast path compares against it instead of
    // reading the ticker (System.nanoTime costs more than the whole lookup); expire() and every change update it.
    private volatile int clock;
    final LongAdder[] counters = new LongAdder[COUNTERS];

    FdbRules(ForwardingTable.Builder builder) {
        this.ticker = builder.ticker;
        this.origin = ticker.getAsLong();
        this.defaultAgeingMillis = (int) builder.ageing.toMillis();
        this.maxEntries = builder.maxEntries;
        this.maxEntriesPerVni = builder.maxEntriesPerVni;
        this.localHoldMillis = (int) builder.localHold.toMillis();
        this.registry = new LocationRegistry(builder.maxRemoteLocations);
        this.evictFromBusiestLocation = builder.evictFromBusiestLocation;
        this.listener = builder.listener;
        this.moves = builder.moves == 0 ? null : new MoveTracker(builder.moves, builder.moveWindow, ticker);
        for (int i = 0; i < COUNTERS; i++) {
            counters[i] = new LongAdder();
        }
        this.maintenance = new FdbMaintenance(this);
    }

    Location lookup(int vni, long mac) {
        if (mac == 0 || (mac & ~MacTable.MAC_MASK) != 0) {
            return null;
        }
        final MacTable table = directory.get(vni);
        return table == null ? null : table.lookup(mac, registry);
    }

    /**
     * Batched {@link #lookup(int, long)} in three passes: find each MAC's key array and home slot (no table memory
     * read yet), touch every home slot in a loop of a few instructions per lookup (so that the CPU keeps many of these
     * cache misses in flight at once), then look up (the lines are cached by then).
     */
    void lookup(LookupBatch batch) {
        final int n = batch.size;
        final int[] vnis = batch.vnis;
        final long[] macs = batch.macs;
        final long[][] keys = batch.keys;
        final int[] homes = batch.homes;
        MacTable table = null;
        int vni = -1;
        for (int i = 0; i < n; i++) {
            if (vnis[i] != vni || table == null) {
                vni = vnis[i];
                table = directory.get(vni);
            }
            final long mac = macs[i];
            final long[] k = table == null || mac == 0 || (mac & ~MacTable.MAC_MASK) != 0 ? EMPTY_KEYS : table.keys();
            keys[i] = k;
            homes[i] = MacTable.home(mac, k.length);
        }
        long touched = 0;
        for (int i = 0; i < n; i++) {
            touched ^= keys[i][homes[i]]; // independent loads
        }
        batch.touched = touched; // kept, so that the loads are not optimised away
        final Location[] results = batch.results;
        for (int i = 0; i < n; i++) {
            keys[i] = null;
            results[i] = lookup(vnis[i], macs[i]);
        }
    }

    long readAhead(int vni, long mac) {
        final MacTable table = directory.get(vni);
        return table == null ? 0 : table.readAhead(mac & MacTable.MAC_MASK);
    }

    /** Whether some entry (of any VNI, any type) refers to {@code where}. */
    boolean refersTo(Location where) {
        return registry.indexOf(where) >= 0;
    }

    LearnResult learn(int vni, long mac, Location where) {
        // Fast path, kept small so it inlines: a valid unicast MAC already known here and not due for a refresh.
        if ((mac & LEARNABLE_MASK) == 0 && mac != 0 && where != null) {
            final MacTable table = directory.get(vni);
            if (table != null) {
                final LearnResult fast = table.tryRefresh(mac, where, clock, registry);
                if (fast != null) {
                    if (fast == LearnResult.FROZEN) {
                        counters[FROZEN_HITS].increment(); // a flapping duplicate MAC never takes the lock
                    }
                    return fast;
                }
            }
        }
        return learnSlow(vni, mac, where);
    }

    private LearnResult learnSlow(int vni, long mac, Location where) {
        if ((vni & ~Vni.MAX) != 0) {
            Vni.check(vni);
        }
        MacAddress.check(mac);
        // Hygiene: a group address is never a source; the all-zero MAC is nobody's.
        if (MacAddress.isGroup(mac)) {
            counters[REFUSED_GROUP].increment();
            return LearnResult.REFUSED_GROUP;
        }
        if (mac == 0) {
            counters[REFUSED_ZERO].increment();
            return LearnResult.REFUSED_ZERO;
        }
        Objects.requireNonNull(where, "where");
        final MacTable table = directory.getOrCreate(vni, defaultAgeingMillis);
        final LearnResult result = learnLocked(table, mac, where, now());
        return result != null ? result : learnNewRemote(table, mac, where);
    }

    /**
     * The learned-remote budget is spent and {@code where} is a new remote: displace a weak remote if the registry
     * admits {@code where} (evicting its entries, with no table lock held while choosing), then try once more.
     */
    private LearnResult learnNewRemote(MacTable table, long mac, Location where) {
        final Location weak = registry.admit(where);
        if (weak != null) {
            if (weak != where) {
                counters[RECLAIMED_LOCATIONS].increment();
                flush(-1, weak, false, true);
            }
            final LearnResult retried = learnLocked(table, mac, where, now());
            if (retried != null) {
                return retried;
            }
        }
        counters[REFUSED_LOCATIONS].increment();
        return LearnResult.REFUSED_FULL;
    }

    /** Learns under the table's lock; null if {@code where} needs an index the learned-remote budget cannot give. */
    private LearnResult learnLocked(MacTable table, long mac, Location where, int now) {
        final Events events;
        final LearnResult result;
        synchronized (table) {
            final int slot = table.indexOf(mac);
            if (slot >= 0) {
                final long key = table.keyAt(slot);
                if ((key & (MacTable.STATIC | MacTable.FROZEN)) == 0
                        && where.equals(registry.location(MacTable.locationIndex(key)))) {
                    table.touch(slot, now); // a due refresh: no event, nothing allocated
                    registry.touch(MacTable.locationIndex(key));
                    return LearnResult.REFRESHED;
                }
            }
            events = new Events();
            result = slot >= 0 ? relearn(table, slot, where, now, events) : insert(table, mac, where, now, 0, events);
        }
        events.fire(listener, counters[LISTENER_ERRORS]);
        return result;
    }

    private LearnResult relearn(MacTable table, int slot, Location where, int now, Events events) {
        final long key = table.keyAt(slot);
        if ((key & MacTable.STATIC) != 0) {
            if ((key & MacTable.CONTROL) != MacTable.CONTROL || where.isRemote()) {
                return LearnResult.STATIC; // the underlay never overrides what the owner or a control plane set
            }
            return takeOver(table, slot, where, now, events);
        }
        if ((key & MacTable.FROZEN) != 0) {
            counters[FROZEN_HITS].increment();
            return LearnResult.FROZEN;
        }
        final long mac = MacTable.mac(key);
        final int oldIndex = MacTable.locationIndex(key);
        final Location current = registry.location(oldIndex);
        if (where.equals(current)) {
            table.touch(slot, now);
            return LearnResult.REFRESHED;
        }
        final int seen = table.seenAt(slot);
        if (!current.isRemote() && where.isRemote() && now - seen < localHoldMillis) {
            // Local wins: a MAC a local port is using cannot be taken by traffic from the underlay.
            counters[REFUSED_LOCAL].increment();
            return LearnResult.REFUSED_LOCAL;
        }
        final int newIndex = registry.acquire(where, true, now);
        if (newIndex == LocationRegistry.OVER_BUDGET) {
            return null;
        }
        if (newIndex < 0) {
            counters[REFUSED_LOCATIONS].increment();
            return LearnResult.REFUSED_FULL;
        }
        final Location freezeAt = moves == null ? null : moves.duplicateAt(table.vni, mac, current, seen, where, now);
        if (freezeAt != null) {
            // RFC 7432 §15.1: stop following the MAC until it ages out or is cleared; at a local port that used it
            // within the window if there is one, else where it is.
            registry.release(newIndex, true);
            final int frozenIndex = freezeAt.equals(current) ? -1 : registry.acquire(freezeAt, true, now);
            if (frozenIndex < 0) {
                table.replaceKeepingAge(slot, key | MacTable.FROZEN);
            } else {
                table.replace(slot, MacTable.key(mac, frozenIndex, MacTable.FROZEN), now);
                registry.release(oldIndex, true);
            }
            counters[DUPLICATES].increment();
            events.add(Events.DUPLICATE, table.vni, mac, frozenIndex < 0 ? current : freezeAt, where);
            return LearnResult.FROZEN;
        }
        table.replace(slot, MacTable.key(mac, newIndex, 0), now);
        registry.release(oldIndex, true);
        counters[MOVED].increment();
        events.add(Events.MOVED, table.vni, mac, current, where);
        return LearnResult.MOVED;
    }

    /**
     * A control-plane entry's MAC showed up on a local port: it moved here (RFC 7432 §7.7) and becomes a learned
     * entry, reported as a move; caller holds the table's lock.
     */
    private LearnResult takeOver(MacTable table, int slot, Location where, int now, Events events) {
        final long key = table.keyAt(slot);
        final long mac = MacTable.mac(key);
        final int oldIndex = MacTable.locationIndex(key);
        final int newIndex = registry.acquire(where, true, now);
        if (newIndex < 0) {
            counters[REFUSED_LOCATIONS].increment();
            return LearnResult.REFUSED_FULL;
        }
        final Location current = registry.location(oldIndex);
        table.replace(slot, MacTable.key(mac, newIndex, 0), now);
        registry.release(oldIndex, false);
        counters[MOVED].increment();
        events.add(Events.MOVED, table.vni, mac, current, where);
        return LearnResult.MOVED;
    }

    /** Inserts an absent MAC; caller holds the table's lock. Null: the learned-remote budget is spent. */
    LearnResult insert(MacTable table, long mac, Location where, int now, long flags, Events events) {
        if (!reserve(table, events)) {
            counters[REFUSED_FULL].increment();
            return LearnResult.REFUSED_FULL;
        }
        final int index = registry.acquire(where, flags == 0, now);
        if (index < 0) {
            total.decrementAndGet();
            if (index == LocationRegistry.OVER_BUDGET) {
                return null;
            }
            counters[REFUSED_LOCATIONS].increment();
            return LearnResult.REFUSED_FULL;
        }
        table.insert(MacTable.key(mac, index, flags), now);
        if (flags == 0) {
            counters[LEARNED].increment();
            events.add(Events.LEARNED, table.vni, mac, where, null);
        }
        return LearnResult.LEARNED;
    }

    /** Takes one unit of the global and per-VNI limits, evicting for fairness if configured; caller holds lock. */
    private boolean reserve(MacTable table, Events events) {
        boolean evicted = false;
        while (true) {
            if (table.size() < maxEntriesPerVni) {
                final int used = total.get();
                if (used < maxEntries) {
                    if (total.compareAndSet(used, used + 1)) {
                        return true;
                    }
                    continue;
                }
            }
            // Full. Fairness (as Open vSwitch): evict from the location holding the most entries, once per call.
            if (!evictFromBusiestLocation || evicted) {
                return false;
            }
            final int slot = table.evictionCandidate();
            if (slot < 0) {
                return false;
            }
            final Location victim = location(table.keyAt(slot));
            final long key = removeSlot(table, slot);
            counters[EVICTED].increment();
            events.add(Events.EVICTED, table.vni, MacTable.mac(key), victim, null);
            evicted = true;
        }
    }

    /** Removes a slot's entry and releases what it held; caller holds the table's lock. Returns the key. */
    long removeSlot(MacTable table, int slot) {
        final long key = table.removeAt(slot);
        registry.release(MacTable.locationIndex(key), MacTable.isDynamic(key));
        total.decrementAndGet();
        if (moves != null && MacTable.isDynamic(key)) {
            moves.forget(table.vni, MacTable.mac(key));
        }
        return key;
    }

    void addStatic(int vni, long mac, Location where) {
        maintenance.addFixed(vni, mac, where, MacTable.STATIC);
    }

    void addControl(int vni, long mac, Location where) {
        if (!where.isRemote()) {
            throw new IllegalArgumentException(
                    "where: " + where + " (expected: a remote VTEP; control-plane entries are remote)");
        }
        maintenance.addFixed(vni, mac, where, MacTable.CONTROL);
    }

    boolean remove(int vni, long mac) {
        return maintenance.remove(vni, mac);
    }

    boolean unfreeze(int vni, long mac) {
        return maintenance.unfreeze(vni, mac);
    }

    /** See {@link ForwardingTable#refresh}. */
    boolean refresh(int vni, long mac, Location where) {
        Objects.requireNonNull(where, "where");
        final MacTable table = directory.get(vni);
        if (table == null) {
            return false;
        }
        synchronized (table) {
            final int slot = table.indexOf(mac);
            if (slot < 0) {
                return false;
            }
            final long key = table.keyAt(slot);
            if ((key & (MacTable.STATIC | MacTable.FROZEN)) != 0
                    || !where.equals(registry.location(MacTable.locationIndex(key)))) {
                return false;
            }
            table.touch(slot, now());
            registry.touch(MacTable.locationIndex(key));
            return true;
        }
    }

    /** See {@link FdbMaintenance#flush}. */
    int flush(int vni, Location where, boolean includeStatic, boolean evict) {
        return maintenance.flush(vni, where, includeStatic, evict);
    }

    int expire() {
        return maintenance.expire();
    }

    List<FdbEntry> entries(int vni) {
        return maintenance.entries(vni);
    }

    void ageing(int vni, Duration ageing) {
        final MacTable table = directory.getOrCreate(vni, defaultAgeingMillis);
        synchronized (table) {
            table.ageing((int) ageing.toMillis(), true);
        }
    }

    Duration ageing(int vni) {
        final MacTable table = directory.get(Vni.check(vni));
        return Duration.ofMillis(table == null ? defaultAgeingMillis : table.ageingMillis());
    }

    int size() {
        return total.get();
    }

    int size(int vni) {
        final MacTable table = directory.get(Vni.check(vni));
        return table == null ? 0 : table.size();
    }

    FdbCounters counters() {
        final long[] values = new long[COUNTERS];
        for (int i = 0; i < COUNTERS; i++) {
            values[i] = counters[i].sum();
        }
        return new FdbCounters(total.get(), values);
    }

    Location location(long key) {
        return registry.location(MacTable.locationIndex(key));
    }

    /** Reads the ticker: milliseconds since the table was built, as int (differences stay exact for 24 days). */
    int now() {
        final int now = (int) ((ticker.getAsLong() - origin) / 1_000_000L);
        clock = now;
        return now;
    }
}
