package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconnection schedule alone: no clock, no threads, only the delays it hands out. */
class BackoffTest {

    private static List<Long> millis(Backoff b, int n) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(b.next().toMillis());
        }
        return out;
    }

    @Test
    void theAgentsDefaultsDoubleFrom200MsAndStopAt10s() {
        EvpnAgent.Builder defaults = EvpnAgent.builder();
        Backoff b = new Backoff(defaults.retryMin, defaults.retryMax);
        assertEquals(List.of(200L, 400L, 800L, 1600L, 3200L, 6400L, 10_000L, 10_000L, 10_000L), millis(b, 9));
        assertEquals(9, b.failures());
    }

    @Test
    void growsUntilTheCapAndNeverBeyondItHoweverLongItFails() {
        Backoff b = new Backoff(Duration.ofMillis(10), Duration.ofMinutes(10));
        Duration last = Duration.ZERO;
        for (int i = 0; i < 10_000; i++) {
            Duration d = b.next();
            assertTrue(d.compareTo(Duration.ofMinutes(10)) <= 0, () -> "above the cap: " + d);
            assertTrue(d.compareTo(last) >= 0, () -> "shrank: " + d);
            assertTrue(
                    d.equals(Duration.ofMinutes(10)) || d.equals(last.multipliedBy(2)) || last.isZero(), d::toString);
            last = d;
        }
        assertEquals(Duration.ofMinutes(10), last);
    }

    @Test
    void aSuccessStartsTheScheduleOver() {
        Backoff b = new Backoff(Duration.ofMillis(50), Duration.ofMillis(400));
        assertEquals(List.of(50L, 100L, 200L, 400L, 400L), millis(b, 5));
        b.reset();
        assertEquals(0, b.failures());
        assertEquals(List.of(50L, 100L), millis(b, 2));
    }

    @Test
    void aCapBetweenTwoStepsIsReachedExactly() {
        Backoff b = new Backoff(Duration.ofMillis(300), Duration.ofMillis(1000));
        assertEquals(List.of(300L, 600L, 1000L, 1000L), millis(b, 4));
        Backoff fixed = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertEquals(List.of(1000L, 1000L, 1000L), millis(fixed, 3));
    }

    @Test
    void badBoundsFailAtOnceNamingTheValue() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("PT1S") && e.getMessage().contains("PT2S"), e.getMessage());
    }
}
