package io.vtep4j.internal.xdp;

import java.io.IOException;

/**
 * Changes to a kernel-side program's maps that count what the kernel refuses (a full map, a failed removal) instead
 * of throwing: a MAC whose entry could not be written stays on the engine's path, and the count shows it. Not
 * thread-safe: used under its owner's lock.
 */
final class MapWriter {
    private long refused;

    /** {@code map[key] = value}; false (and counted) if the kernel refuses. */
    boolean put(int map, byte[] key, byte[] value) {
        try {
            Bpf.updateElement(map, key, value);
            return true;
        } catch (IOException full) {
            refused++;
            return false;
        }
    }

    /** Removes {@code key} from {@code map} if there; a failure is counted. */
    void delete(int map, byte[] key) {
        try {
            Bpf.deleteElement(map, key);
        } catch (IOException e) {
            refused++;
        }
    }

    /**
     * Sets the Ethernet address (low 48 bits) of the next hop towards {@code address} in hop map {@code map} (key the
     * IPv4 address, value the MAC in its first six of eight bytes), or removes it ({@code mac} < 0).
     */
    void nextHop(int map, int address, long mac) {
        byte[] key = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        if (mac < 0) {
            delete(map, key);
            return;
        }
        byte[] value = new byte[8];
        for (int i = 0; i < 6; i++) {
            value[i] = (byte) (mac >>> (40 - 8 * i));
        }
        put(map, key, value);
    }

    /**
     * Has {@code watch} (null: nothing to do) resolve next hops through interface {@code ifindex} from now on: the
     * next hops in {@code hopMap}, known through the old interface, are removed first (their frames go to the engine
     * until resolved again), then every followed remote is looked up again at once.
     */
    void moveHops(int hopMap, HopWatch watch, int ifindex) {
        if (watch == null) {
            return;
        }
        for (int remote : watch.moveTo(ifindex)) {
            nextHop(hopMap, remote, -1);
        }
        watch.lookAgain();
    }

    /**
     * Puts {@code key} in remote map {@code map} with {@code value}, whose first four bytes are the remote's IPv4
     * address, or removes it ({@code value} null), keeping {@code watch}'s count of MACs per remote (null: no count):
     * the remote the MAC was at loses one, and when that was its last its next hop leaves {@code hopMap}; the new one
     * gains one, and when {@code watch} refuses it (its limit), the MAC is removed instead and counted.
     *
     * @param valueSize the map's value size, for reading where the MAC was
     */
    void placeRemote(int map, int valueSize, int hopMap, byte[] key, byte[] value, HopWatch watch) {
        if (watch == null) {
            if (value == null || !put(map, key, value)) {
                delete(map, key);
            }
            return;
        }
        long before = addressAt(map, key, valueSize);
        long after = value == null ? -1 : Integer.toUnsignedLong(address(value, 0));
        if (after >= 0 && after != before && !watch.add((int) after)) {
            refused++;
            after = -1;
        }
        if (after < 0 || !put(map, key, value)) {
            delete(map, key); // an older entry must not stand for the new location
            if (after >= 0 && after != before) {
                release(watch, hopMap, after);
            }
            after = -1;
        }
        if (before >= 0 && before != after) {
            release(watch, hopMap, before);
        }
    }

    /** Ends the count of every remote in {@code watch} and removes their next hops from {@code hopMap}. */
    void releaseAll(HopWatch watch, int hopMap) {
        for (int address : watch.releaseAll()) {
            nextHop(hopMap, address, -1);
        }
    }

    private void release(HopWatch watch, int hopMap, long address) {
        if (watch.release((int) address)) {
            nextHop(hopMap, (int) address, -1);
        }
    }

    /** The remote address stored for {@code key}, unsigned, or -1 when the map has no entry. */
    private static long addressAt(int map, byte[] key, int valueSize) {
        byte[] value = new byte[valueSize];
        try {
            Bpf.lookupElement(map, key, value);
        } catch (IOException absent) {
            return -1;
        }
        return Integer.toUnsignedLong(address(value, 0));
    }

    private static int address(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    /** Writes refused or failed so far. */
    long refused() {
        return refused;
    }
}
