package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Running totals of losses that happen outside the engine (frames an {@code AF_PACKET} ring or libpcap dropped, sends
 * a trunk failed), read whenever the drop counters are read. A closed source's last total is folded into the
 * counters, so the counts stay monotonic. At most {@link #MAX_SOURCES} sources at once. Thread-safe.
 */
final class LossSources {

    /** Bound on registered sources: each is read on every counter read. */
    static final int MAX_SOURCES = 256;

    private final Counters counters;
    private final CopyOnWriteArrayList<Source> sources = new CopyOnWriteArrayList<>();

    LossSources(Counters counters) {
        this.counters = counters;
    }

    /** Registers {@code runningTotal} as losses for {@code reason}; see {@link Vtep#countLosses}. */
    LossCounter add(DropReason reason, LongSupplier runningTotal) {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(runningTotal, "runningTotal");
        synchronized (sources) {
            if (sources.size() >= MAX_SOURCES) {
                throw new IllegalStateException(
                        "loss sources: " + sources.size() + " registered (expected: at most " + MAX_SOURCES + ")");
            }
            Source s = new Source(reason, runningTotal);
            sources.add(s);
            return s;
        }
    }

    /**
     * {@code counted} plus the registered sources' totals for {@code reason} (a source that throws reads as 0), under
     * the lock {@link LossCounter#close} takes, so a closing source is seen exactly once. No allocation.
     */
    long count(DropReason reason, LongAdder counted) {
        if (sources.isEmpty()) {
            return counted.sum(); // a closed source's total was folded into counted before it left the list
        }
        synchronized (sources) {
            return counted.sum() + sum(reason);
        }
    }

    private long sum(DropReason reason) {
        long sum = 0;
        for (Source s : sources) {
            if (s.reason == reason) {
                sum += s.read();
            }
        }
        return sum;
    }

    private final class Source implements LossCounter {
        final DropReason reason;
        final LongSupplier total;

        Source(DropReason reason, LongSupplier total) {
            this.reason = reason;
            this.total = total;
        }

        long read() {
            try {
                return Math.max(0, total.getAsLong());
            } catch (RuntimeException e) {
                return 0;
            }
        }

        @Override
        public void close() {
            synchronized (sources) {
                if (sources.contains(this)) {
                    // Fold the last total in before the source leaves: a reader sees it at most once.
                    counters.drop(reason, read());
                    sources.remove(this);
                }
            }
        }
    }
}
