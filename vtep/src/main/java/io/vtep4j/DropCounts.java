package io.vtep4j;

import io.vtep4j.encap.DropReason;
import java.util.EnumMap;
import java.util.Map;

/** Arithmetic on drop counts by reason, shared by the immutable stats snapshots; stateless, thread-safe. */
final class DropCounts {

    private DropCounts() {}

    /** {@code a + sign * b} per reason, in a new map; reasons whose result is not positive are left out. */
    static Map<DropReason, Long> combine(Map<DropReason, Long> a, Map<DropReason, Long> b, int sign) {
        Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
        for (DropReason reason : DropReason.values()) {
            long n = a.getOrDefault(reason, 0L) + sign * b.getOrDefault(reason, 0L);
            if (n > 0) {
                out.put(reason, n);
            }
        }
        return out;
    }
}
