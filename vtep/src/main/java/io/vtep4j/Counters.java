package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** Drop counters by {@link DropReason}; contention-free increments from any thread, no allocation. */
final class Counters {

    private static final DropReason[] REASONS = DropReason.values();

    private final LongAdder[] drops = new LongAdder[REASONS.length];

    Counters() {
        for (int i = 0; i < drops.length; i++) {
            drops[i] = new LongAdder();
        }
    }

    void drop(DropReason reason) {
        drops[reason.ordinal()].increment();
    }

    /** The live count for {@code reason}; no allocation. */
    long count(DropReason reason) {
        return drops[reason.ordinal()].sum();
    }

    Map<DropReason, Long> snapshot() {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason reason : REASONS) {
            long n = drops[reason.ordinal()].sum();
            if (n != 0) {
                out.put(reason, n);
            }
        }
        return out;
    }
}
