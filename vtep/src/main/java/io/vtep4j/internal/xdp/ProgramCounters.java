package io.vtep4j.internal.xdp;

import java.io.IOException;

/**
 * The frame and byte counters of a kernel-side forwarding program: one slot (0 unless told) of a per-CPU array of two u64, summed over
 * the CPUs when read. Keeps the last totals once the map is gone. Not thread-safe: its owner reads it under its lock.
 */
final class ProgramCounters {
    /** Bytes of one CPU's slot: frames, then bytes. */
    static final int VALUE = 16;

    private final int cpus;
    private final int slot;
    private long frames;
    private long bytes;

    ProgramCounters(int cpus) {
        this(cpus, 0);
    }

    /** The counters in slot {@code slot} of the array. */
    ProgramCounters(int cpus, int slot) {
        this.cpus = cpus;
        this.slot = slot;
    }

    /** Reads map {@code statsMap} (negative: closed, the last totals stay). */
    void read(int statsMap) {
        if (statsMap < 0) {
            return;
        }
        byte[] all = new byte[VALUE * cpus];
        try {
            Bpf.lookupElement(statsMap, DecapOffload.littleEndianInt(slot), all);
        } catch (IOException e) {
            return;
        }
        long f = 0;
        long b = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            f += littleEndianLong(all, cpu * VALUE);
            b += littleEndianLong(all, cpu * VALUE + 8);
        }
        frames = f;
        bytes = b;
    }

    long frames() {
        return frames;
    }

    long bytes() {
        return bytes;
    }

    private static long littleEndianLong(byte[] b, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }
}
