package io.vtep4j.learning;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A small, obviously-correct reference model of {@link ForwardingTable}: plain maps, every rule written out once, no
 * concurrency. Times are milliseconds on the same clock as the table under test.
 */
final class FdbModel {

    final int ageing;
    final int refresh;
    final int maxEntries;
    final int maxPerVni;
    final int moves;
    final int window;
    final int hold;
    int now;

    private final Map<Key, Entry> entries = new HashMap<>();
    private final Map<Key, Window> windows = new HashMap<>();
    final Map<String, Long> counters = new HashMap<>();

    FdbModel(int ageing, int maxEntries, int maxPerVni, int moves, int window, int hold) {
        this.ageing = ageing;
        this.refresh = Math.max(1, Math.min(1000, ageing >>> 6));
        this.maxEntries = maxEntries;
        this.maxPerVni = maxPerVni;
        this.moves = moves;
        this.window = window;
        this.hold = hold;
    }

    record Key(int vni, long mac) {}

    static final class Entry {
        Location at;
        FdbEntry.Type type;
        int seen;

        Entry(Location at, FdbEntry.Type type, int seen) {
            this.at = at;
            this.type = type;
            this.seen = seen;
        }
    }

    static final class Window {
        final int opened;
        int count;
        Location local;
        int localSeen;

        Window(int opened) {
            this.opened = opened;
        }
    }

    private void count(String name) {
        counters.merge(name, 1L, Long::sum);
    }

    LearnResult learn(int vni, long mac, Location where) {
        if (MacAddress.isGroup(mac)) {
            count("refusedGroup");
            return LearnResult.REFUSED_GROUP;
        }
        if (mac == 0) {
            count("refusedZero");
            return LearnResult.REFUSED_ZERO;
        }
        final Key key = new Key(vni, mac);
        final Entry e = entries.get(key);
        if (e == null) {
            if (!roomFor(vni)) {
                count("refusedFull");
                return LearnResult.REFUSED_FULL;
            }
            entries.put(key, new Entry(where, FdbEntry.Type.LEARNED, now));
            count("learned");
            return LearnResult.LEARNED;
        }
        if (e.type == FdbEntry.Type.STATIC) {
            return LearnResult.STATIC;
        }
        if (e.type == FdbEntry.Type.FROZEN) {
            count("frozenHits");
            return LearnResult.FROZEN;
        }
        if (e.at.equals(where)) {
            if (now - e.seen >= refresh) {
                e.seen = now;
            }
            return LearnResult.REFRESHED;
        }
        if (!e.at.isRemote() && where.isRemote() && now - e.seen < hold) {
            count("refusedLocal");
            return LearnResult.REFUSED_LOCAL;
        }
        if (moves > 0) {
            Window w = windows.get(key);
            if (w == null || now - w.opened >= window) {
                w = new Window(now);
                windows.put(key, w);
            }
            if (!e.at.isRemote()) {
                noteLocal(w, e.at, e.seen);
            }
            if (!where.isRemote()) {
                noteLocal(w, where, now);
            }
            if (++w.count >= moves) {
                windows.remove(key);
                count("duplicates");
                final Location freezeAt = w.local != null && now - w.localSeen < window ? w.local : e.at;
                if (!freezeAt.equals(e.at)) {
                    e.at = freezeAt;
                    e.seen = now;
                }
                e.type = FdbEntry.Type.FROZEN;
                return LearnResult.FROZEN;
            }
        }
        e.at = where;
        e.seen = now;
        count("moved");
        return LearnResult.MOVED;
    }

    private static void noteLocal(Window w, Location port, int seen) {
        if (w.local == null || seen - w.localSeen >= 0) {
            w.local = port;
            w.localSeen = seen;
        }
    }

    private boolean roomFor(int vni) {
        return entries.size() < maxEntries
                && entries.keySet().stream().filter(k -> k.vni == vni).count() < maxPerVni;
    }

    /** True if added; false where the table must throw (full). */
    boolean addStatic(int vni, long mac, Location where) {
        final Key key = new Key(vni, mac);
        final Entry e = entries.get(key);
        if (e != null) {
            e.at = where;
            e.type = FdbEntry.Type.STATIC;
            e.seen = now;
            windows.remove(key);
            return true;
        }
        if (!roomFor(vni)) {
            count("refusedFull");
            return false;
        }
        entries.put(key, new Entry(where, FdbEntry.Type.STATIC, now));
        return true;
    }

    boolean remove(int vni, long mac) {
        final Key key = new Key(vni, mac);
        final Entry e = entries.remove(key);
        if (e == null) {
            return false;
        }
        forget(key, e);
        count("flushed");
        return true;
    }

    boolean unfreeze(int vni, long mac) {
        final Key key = new Key(vni, mac);
        final Entry e = entries.get(key);
        if (e == null || e.type != FdbEntry.Type.FROZEN) {
            return false;
        }
        e.type = FdbEntry.Type.LEARNED;
        windows.remove(key);
        return true;
    }

    /** flushVni (vni, null, false), flushLocation (-1, where, false), clearVni (vni, null, true). */
    int flush(int vni, Location where, boolean includeStatic) {
        int removed = 0;
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<Key, Entry> me = it.next();
            final Entry e = me.getValue();
            if ((vni < 0 || me.getKey().vni == vni)
                    && (where == null || e.at.equals(where))
                    && (includeStatic || e.type != FdbEntry.Type.STATIC)) {
                it.remove();
                forget(me.getKey(), e);
                removed++;
            }
        }
        counters.merge("flushed", (long) removed, Long::sum);
        return removed;
    }

    int expire() {
        int aged = 0;
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<Key, Entry> me = it.next();
            final Entry e = me.getValue();
            if (e.type != FdbEntry.Type.STATIC && now - e.seen >= ageing) {
                it.remove();
                forget(me.getKey(), e);
                aged++;
            }
        }
        counters.merge("aged", (long) aged, Long::sum);
        return aged;
    }

    private void forget(Key key, Entry e) {
        if (e.type != FdbEntry.Type.STATIC) {
            windows.remove(key);
        }
    }

    /** What {@link ForwardingTable#entries()} must return. */
    List<FdbEntry> entries() {
        final List<FdbEntry> out = new ArrayList<>();
        entries.forEach((k, e) -> out.add(new FdbEntry(
                k.vni,
                k.mac,
                e.type,
                e.at,
                e.type == FdbEntry.Type.STATIC ? Duration.ZERO : Duration.ofMillis(Math.max(0, now - e.seen)))));
        out.sort(Comparator.comparingInt(FdbEntry::vni).thenComparingLong(FdbEntry::mac));
        return out;
    }

    long counter(String name) {
        return counters.getOrDefault(name, 0L);
    }
}
