package io.vtep4j.learning;

import java.util.ArrayList;
import java.util.List;

/**
 * VNI to {@link MacTable}: an open-addressing array replaced on write (copy on write).
 *
 * <p>Thread-safe: {@link #get} is lock-free and allocation-free; adding is serialised. Tables are never removed,
 * so a VNI's configuration (its ageing time) survives flushes.
 */
final class VniDirectory {

    private volatile MacTable[] tables = new MacTable[16];
    private int count;

    /** The table of {@code vni}, or null; lock-free. */
    MacTable get(int vni) {
        final MacTable[] a = tables;
        final int mask = a.length - 1;
        int i = home(vni, mask);
        while (true) {
            final MacTable t = a[i];
            if (t == null || t.vni == vni) {
                return t;
            }
            i = (i + 1) & mask;
        }
    }

    /** The table of {@code vni}, created with {@code ageingMillis} if absent. */
    synchronized MacTable getOrCreate(int vni, int ageingMillis) {
        final MacTable known = get(vni);
        if (known != null) {
            return known;
        }
        final MacTable created = new MacTable(Vni.check(vni), ageingMillis);
        MacTable[] a = tables;
        if ((count + 1) * 2 > a.length) {
            a = new MacTable[a.length * 2];
            for (MacTable t : tables) {
                if (t != null) {
                    place(a, t);
                }
            }
        } else {
            a = a.clone();
        }
        place(a, created);
        count++;
        tables = a;
        return created;
    }

    /** Every table, in no particular order; a snapshot. */
    List<MacTable> all() {
        final List<MacTable> out = new ArrayList<>();
        for (MacTable t : tables) {
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    private static void place(MacTable[] a, MacTable t) {
        final int mask = a.length - 1;
        int i = home(t.vni, mask);
        while (a[i] != null) {
            i = (i + 1) & mask;
        }
        a[i] = t;
    }

    private static int home(int vni, int mask) {
        final int h = vni * 0x9E3779B9;
        return (h ^ h >>> 16) & mask;
    }
}
