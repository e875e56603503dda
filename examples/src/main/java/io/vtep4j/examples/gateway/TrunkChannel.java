package io.vtep4j.examples.gateway;

import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The channel a recovering {@link Trunk} currently has open (or none while its interface is down), together with the
 * counts of the channels it already closed, so each counter a trunk reports is the sum over every channel it ever
 * had.
 *
 * <p>Thread-safe: {@link #current()} is a volatile read for the fast path; {@link #install}, {@link #retire} and
 * {@link #total} are guarded by this object, so a channel's counts move into the closed sums at the same moment it
 * stops being current and a reader never sees them twice or not at all.
 *
 * @param <C> the channel type
 */
final class TrunkChannel<C> {
    /** The counters a trunk sums over its channels; a counter a channel type does not have reads as 0. */
    enum Counter {
        RECEIVED,
        SENT,
        READ_ERRORS,
        TRUNCATED,
        OVERRUNS,
        SEND_FAILURES
    }

    private static final Counter[] COUNTERS = Counter.values();

    private final ToLongFunction<C>[] readers;
    private final long[] closed = new long[COUNTERS.length];
    private volatile C current;

    /** @param readers how to read each counter from a channel; a counter left out reads as 0 */
    @SuppressWarnings("unchecked")
    TrunkChannel(Map<Counter, ToLongFunction<C>> readers) {
        this.readers = new ToLongFunction[COUNTERS.length];
        readers.forEach((counter, reader) -> this.readers[counter.ordinal()] = reader);
    }

    /** The open channel, or null while there is none. */
    C current() {
        return current;
    }

    /** Makes {@code channel} the current one. */
    synchronized void install(C channel) {
        current = channel;
    }

    /** Takes {@code lost} out of service, adding its counts to the closed sums; the caller closes it. */
    synchronized void retire(C lost) {
        current = null;
        for (int i = 0; i < closed.length; i++) {
            closed[i] += read(i, lost);
        }
    }

    /** {@code counter} summed over the closed channels and the current one. */
    synchronized long total(Counter counter) {
        C c = current;
        int i = counter.ordinal();
        return closed[i] + (c == null ? 0 : read(i, c));
    }

    private long read(int i, C channel) {
        ToLongFunction<C> reader = readers[i];
        return reader == null ? 0 : reader.applyAsLong(channel);
    }
}
