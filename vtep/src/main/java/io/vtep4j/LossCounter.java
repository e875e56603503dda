package io.vtep4j;

/**
 * A running total of losses registered with {@link Vtep#countLosses}: while registered it is read into the VTEP's drop
 * counters; {@link #close()} keeps its last value there and stops reading it. Thread-safe.
 */
public interface LossCounter extends AutoCloseable {
    /** Reads the total one last time into the VTEP's counters and stops reading it. Idempotent. */
    @Override
    void close();
}
