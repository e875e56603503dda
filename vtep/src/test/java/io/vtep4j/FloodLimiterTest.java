package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The token bucket's arithmetic on a hand-driven clock, including the edges of its ranges. */
class FloodLimiterTest {

    static int passed(FloodLimiter l, long now, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (l.tryAcquire(now)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void aFullBucketPassesItsBurstThenOneFramePerInterval() {
        FloodLimiter l = new FloodLimiter(1000, 50, 0);
        assertEquals(50, passed(l, 0, 1000));
        assertFalse(l.tryAcquire(999_999)); // 1 ms = one token, not yet
        assertTrue(l.tryAcquire(1_000_000));
        assertEquals(50, passed(l, 2_000_000_000L, 5000), "after a quiet second the bucket is full again, no fuller");
    }

    @Test
    void overOneSecondTheRateHolds() {
        FloodLimiter l = new FloodLimiter(1000, 1000, 0);
        long total = 0;
        for (long t = 0; t <= 1_000_000_000L; t += 100_000) { // 10001 instants, 10 tries each
            total += passed(l, t, 10);
        }
        assertEquals(2000, total, "burst 1000 + 1000 refilled over one second");
    }

    @Test
    void theClockMayStartAnywhereAndWrap() {
        long start = Long.MAX_VALUE - 500;
        FloodLimiter l = new FloodLimiter(1_000_000_000, 2, start);
        assertEquals(2, passed(l, start, 10));
        assertEquals(1, passed(l, start + 1000, 1), "after the wrap");
        assertEquals(2, passed(l, Long.MIN_VALUE + 10_000, 10));
    }

    @Test
    void extremeSettingsDoNotOverflow() {
        FloodLimiter slow = new FloodLimiter(1, Integer.MAX_VALUE, 0);
        assertEquals(1000, passed(slow, 0, 1000));
        FloodLimiter one = new FloodLimiter(1, 1, 0);
        assertTrue(one.tryAcquire(0));
        assertFalse(one.tryAcquire(999_999_999));
        assertTrue(one.tryAcquire(1_000_000_000));
        assertThrows(IllegalArgumentException.class, () -> new FloodLimiter(0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new FloodLimiter(1, 0, 0));
    }
}
