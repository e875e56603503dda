package io.vtep4j.evpn;

import java.time.Duration;
import java.util.Objects;

/**
 * The agent's reconnection schedule: the first retry after {@code min}, each further one after twice the last delay,
 * never more than {@code max}; a successful connection starts it over. Deterministic (no jitter: one agent talks to
 * one local daemon, there is no herd to spread). Not thread-safe: the agent's thread owns it.
 */
final class Backoff {

    private final Duration min;
    private final Duration max;
    private Duration next;
    private int failures;

    /**
     * @throws IllegalArgumentException if {@code min} is not positive or {@code max} is below {@code min}
     */
    Backoff(Duration min, Duration max) {
        Objects.requireNonNull(min, "min");
        Objects.requireNonNull(max, "max");
        if (min.isNegative() || min.isZero()) {
            throw new IllegalArgumentException("backoff min: " + min + " (expected: > 0)");
        }
        if (max.compareTo(min) < 0) {
            throw new IllegalArgumentException("backoff max: " + max + " (expected: >= min " + min + ")");
        }
        this.min = min;
        this.max = max;
        this.next = min;
    }

    /** The delay before the next attempt, after one more failure; the one after it doubles, up to {@code max}. */
    Duration next() {
        Duration d = next;
        failures++;
        next = d.compareTo(max.dividedBy(2)) > 0 ? max : d.multipliedBy(2);
        return d;
    }

    /** A connection succeeded: the next failure waits {@code min} again. */
    void reset() {
        next = min;
        failures = 0;
    }

    /** Failures since the last success (or since the start). */
    int failures() {
        return failures;
    }
}
