package io.vtep4j.learning;

import static io.vtep4j.learning.FdbCounters.AGED;
import static io.vtep4j.learning.FdbCounters.EVICTED;
import static io.vtep4j.learning.FdbCounters.FLUSHED;
import static io.vtep4j.learning.FdbCounters.LISTENER_ERRORS;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;

/**
 * The operations of {@link FdbRules} that walk or edit entries for the owner and the sweeper rather than for a
 * packet: static and control-plane entries, removal, unfreezing, flushes, ageing out and listing. Works on the rules'
 * tables, registry and counters under the same locking: one VNI's table lock per change, listener events fired
 * after the lock is released.
 */
final class FdbMaintenance {

    private final FdbRules rules;
    private final VniDirectory directory;
    private final LocationRegistry registry;
    private final LongAdder[] counters;
    private final FdbListener listener;
    private final MoveTracker moves;
    private final int defaultAgeingMillis;

    FdbMaintenance(FdbRules rules) {
        this.rules = rules;
        this.directory = rules.directory;
        this.registry = rules.registry;
        this.counters = rules.counters;
        this.listener = rules.listener;
        this.moves = rules.moves;
        this.defaultAgeingMillis = rules.defaultAgeingMillis;
    }

    /** Adds or replaces an entry learning does not age: static or control-plane ({@code flags}). */
    void addFixed(int vni, long mac, Location where, long flags) {
        checkUnicast(mac);
        Objects.requireNonNull(where, "where");
        final MacTable table = directory.getOrCreate(vni, defaultAgeingMillis);
        final int now = rules.now();
        // a learned entry this one replaces, entries evicted to make room, and this one are reported
        final Events events = new Events();
        synchronized (table) {
            final int slot = table.indexOf(mac);
            if (slot >= 0) {
                final long old = table.keyAt(slot);
                final int index = registry.acquire(where, false, now);
                if (index < 0) {
                    throw new IllegalStateException("locations: " + LocationRegistry.CAPACITY
                            + " in use (expected: fewer to add " + where + ")");
                }
                if (MacTable.isDynamic(old)) {
                    events.add(Events.REMOVED, vni, mac, rules.location(old), null);
                }
                table.replace(slot, MacTable.key(mac, index, flags), now);
                registry.release(MacTable.locationIndex(old), MacTable.isDynamic(old));
                if (moves != null) {
                    moves.forget(vni, mac);
                }
            } else if (rules.insert(table, mac, where, now, flags, events) != LearnResult.LEARNED) {
                throw new IllegalStateException("fdb full: cannot add " + MacAddress.toString(mac) + " in vni "
                        + vni + " (limits: " + rules.maxEntries + " entries, " + rules.maxEntriesPerVni + " per vni, "
                        + LocationRegistry.CAPACITY + " locations)");
            }
            events.add(Events.INSTALLED, vni, mac, where, null);
        }
        events.fire(listener, counters[LISTENER_ERRORS]);
    }

    boolean remove(int vni, long mac) {
        final MacTable table = tableHolding(vni, mac);
        if (table == null) {
            return false;
        }
        final Events events = new Events();
        synchronized (table) {
            final int slot = table.indexOf(mac);
            if (slot < 0) {
                return false;
            }
            final long key = table.keyAt(slot);
            events.add(Events.REMOVED, vni, mac, rules.location(key), null);
            rules.removeSlot(table, slot);
            table.compact();
        }
        counters[FLUSHED].increment();
        events.fire(listener, counters[LISTENER_ERRORS]);
        return true;
    }

    boolean unfreeze(int vni, long mac) {
        final MacTable table = tableHolding(vni, mac);
        if (table == null) {
            return false;
        }
        synchronized (table) {
            final int slot = table.indexOf(mac);
            if (slot < 0 || (table.keyAt(slot) & MacTable.FROZEN) == 0 || !MacTable.isDynamic(table.keyAt(slot))) {
                return false;
            }
            table.replaceKeepingAge(slot, table.keyAt(slot) & ~MacTable.FROZEN);
            if (moves != null) {
                moves.forget(vni, mac);
            }
            return true;
        }
    }

    /**
     * Removes entries of one VNI (or all, {@code vni} < 0), at one location (or all, null), static ones only with
     * {@code includeStatic}; as evictions (counted, reported) with {@code evict}, else as flushes.
     */
    int flush(int vni, Location where, boolean includeStatic, boolean evict) {
        final Events events = evict ? new Events() : null;
        final List<MacTable> tables = tables(vni);
        final int index = where == null ? -1 : registry.indexOf(where);
        if (where != null && index < 0) {
            return 0;
        }
        int removed = 0;
        for (MacTable table : tables) {
            synchronized (table) {
                if (index >= 0 && table.dynamicAt(index) == 0) {
                    continue;
                }
                for (int slot = 0; slot < table.capacity(); slot++) {
                    final long key = table.keyAt(slot);
                    if (MacTable.mac(key) != 0
                            && (includeStatic || MacTable.isDynamic(key))
                            && (index < 0 || MacTable.locationIndex(key) == index)) {
                        if (events != null) {
                            events.add(Events.EVICTED, table.vni, MacTable.mac(key), rules.location(key), null);
                        }
                        rules.removeSlot(table, slot);
                        removed++;
                    }
                }
                table.compact();
            }
        }
        counters[evict ? EVICTED : FLUSHED].add(removed);
        if (events != null) {
            events.fire(listener, counters[LISTENER_ERRORS]);
        } else if (removed > 0) {
            try {
                listener.flushed(vni < 0 ? -1 : vni, where);
            } catch (Throwable ex) { // as Events.fire: the flush has happened; the listener's failure is counted
                counters[LISTENER_ERRORS].increment();
            }
        }
        return removed;
    }

    int expire() {
        final Events events = new Events();
        for (MacTable table : directory.all()) {
            synchronized (table) {
                final int now = rules.now();
                final int ageing = table.ageingMillis();
                for (int slot = 0; slot < table.capacity(); slot++) {
                    final long key = table.keyAt(slot);
                    if (MacTable.mac(key) != 0 && MacTable.isDynamic(key) && now - table.seenAt(slot) >= ageing) {
                        events.add(Events.AGED, table.vni, MacTable.mac(key), rules.location(key), null);
                        rules.removeSlot(table, slot);
                    }
                }
                table.compact();
            }
        }
        counters[AGED].add(events.size());
        events.fire(listener, counters[LISTENER_ERRORS]);
        return events.size();
    }

    List<FdbEntry> entries(int vni) {
        final List<MacTable> tables = tables(vni);
        final List<FdbEntry> out = new ArrayList<>();
        for (MacTable table : tables) {
            synchronized (table) {
                table.list(out, registry, rules.now());
            }
        }
        out.sort(Comparator.comparingInt(FdbEntry::vni).thenComparingLong(FdbEntry::mac));
        return out;
    }

    /** The table of {@code vni} if it has one and {@code mac} is a MAC it could hold (48 bits, not zero). */
    private MacTable tableHolding(int vni, long mac) {
        return mac == 0 || (mac & ~MacTable.MAC_MASK) != 0 ? null : directory.get(vni);
    }

    /** The table of one VNI (none if it has none yet), or every table for {@code vni} < 0. */
    private List<MacTable> tables(int vni) {
        if (vni < 0) {
            return directory.all();
        }
        final MacTable one = directory.get(Vni.check(vni));
        return one == null ? List.of() : List.of(one);
    }

    private static void checkUnicast(long mac) {
        MacAddress.check(mac);
        if (MacAddress.isGroup(mac) || mac == 0) {
            throw new IllegalArgumentException("mac: " + MacAddress.toString(mac)
                    + " (expected: a unicast, non-zero address; flood lists handle group addresses)");
        }
    }
}
