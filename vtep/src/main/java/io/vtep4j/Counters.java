package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drop counters by {@link DropReason}; contention-free increments from any thread, no allocation. Losses counted
 * outside the engine (a capture ring, a trunk) join through {@link #sources()}.
 */
final class Counters {

    private static final DropReason[] REASONS = DropReason.values();

    private final LongAdder[] drops = new LongAdder[REASONS.length];
    private final LossSources sources = new LossSources(this);

    Counters() {
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
        }
    }

    void drop(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    /** Adds {@code count} drops for {@code reason} at once (a loss the kernel reported as a running total). */
    void drop(DropReason reason, long count) {
        drops[reason.ordinal()].add(count);
    }

    /** The running totals registered from outside the engine, read with every count. */
    LossSources sources() {
        return sources;
    }

    /** The live count for {@code reason}; no allocation. */
    long count(DropReason reason) {
        return sources.count(reason, drops[reason.ordinal()]);
    }

    Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason reason : REASONS) {
            long n = count(reason);
            if (n != 0) {
                out.put(reason, n);
            }
        }
        return out;
    }
}
