package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The periodic scan's pacing: the configured interval, or a multiple of the last scan's duration when longer. */
class ScanPacingTest {

    @Test
    void aQuickScanKeepsTheConfiguredInterval() {
        assertEquals(
                Duration.ofSeconds(1).toNanos(),
                LocalScanner.nextScanNanos(
                        Duration.ofSeconds(1), Duration.ofMillis(5).toNanos()));
    }

    @Test
    void aSlowScanWaitsTwentyTimesItsDuration() {
        // A scan of 0.15 s (a large table on a busy machine): at a fixed 1 s that would be 15 % of a CPU, paced 5 %.
        assertEquals(
                Duration.ofSeconds(3).toNanos(),
                LocalScanner.nextScanNanos(
                        Duration.ofSeconds(1), Duration.ofMillis(150).toNanos()));
    }

    @Test
    void aLongConfiguredIntervalIsKept() {
        assertEquals(
                Duration.ofMinutes(1).toNanos(),
                LocalScanner.nextScanNanos(
                        Duration.ofMinutes(1), Duration.ofMillis(150).toNanos()));
    }
}
