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

    /** Counts one refusal found elsewhere (a remote beyond a limit). */
    void refuse() {
        refused++;
    }

    /** Writes refused or failed so far. */
    long refused() {
        return refused;
    }
}
