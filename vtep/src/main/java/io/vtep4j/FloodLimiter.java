package io.vtep4j;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A token bucket for one segment's flooded frames, kept as a single {@code long}: the generic cell rate algorithm
 * (GCRA, ITU-T I.371), which behaves exactly like a bucket of {@code burst} tokens refilled at {@code rate} per
 * second but needs no separate token count. {@code due} is the time at which the bucket would be full again; a frame
 * conforms if {@code due} lies no more than {@code (burst - 1) * interval} ahead of now, and each conforming frame
 * pushes {@code due} one interval further.
 *
 * <p>Thread-safe and lock-free: one volatile read, and one compare-and-set per conforming frame (a refused frame,
 * the common case in a storm, writes nothing). No allocation. Immutable settings: a new limit is a new instance.
 */
final class FloodLimiter {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final VarHandle DUE;

    static {
        try {
            DUE = MethodHandles.lookup().findVarHandle(FloodLimiter.class, "due", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final int rate;
    private final int burst;
    /** Nanoseconds one token is worth. */
    private final long interval;
    /** How far ahead of now {@code due} may lie for a frame to conform: {@code (burst - 1) * interval}. */
    private final long tolerance;

    @SuppressWarnings("unused") // accessed through DUE
    private volatile long due;

    /**
     * @param rate frames per second, 1..1_000_000_000
     * @param burst frames that may pass back to back after a quiet spell, >= 1
     * @param now the current time of the clock later passed to {@link #tryAcquire}, in nanoseconds
     */
    FloodLimiter(int rate, int burst, long now) {
        if (rate < 1 || rate > NANOS_PER_SECOND) {
            throw new IllegalArgumentException("rate: " + rate + " (expected: 1..1000000000 per second)");
        }
        if (burst < 1) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: >= 1)");
        }
        this.rate = rate;
        this.burst = burst;
        this.interval = NANOS_PER_SECOND / rate;
        // burst <= Integer.MAX_VALUE and interval <= 1e9: the product stays below 2^62, no overflow.
        this.tolerance = (burst - 1L) * interval;
        this.due = now;
    }

    int rate() {
        return rate;
    }

    int burst() {
        return burst;
    }

    /** Takes one token if there is one at {@code now} (nanoseconds, same clock as the constructor's). */
    boolean tryAcquire(long now) {
        for (; ; ) {
            long d = due;
            // Differences, not comparisons of absolute values: nanoTime may wrap.
            long start = d - now > 0 ? d : now;
            if (start - now > tolerance) {
                return false;
            }
            if (DUE.compareAndSet(this, d, start + interval)) {
                return true;
            }
        }
    }

    @Override
    public String toString() {
        return rate + " pps, burst " + burst;
    }
}
