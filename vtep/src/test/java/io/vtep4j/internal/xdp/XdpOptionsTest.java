package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class XdpOptionsTest {

    @Test
    void busyPollingIsOffByDefaultAndKeptWhenTheUmemShrinks() {
        XdpOptions options = XdpOptions.defaults();
        assertEquals(0, options.busyPollMicros());
        XdpOptions busy = options.withBusyPoll(50);
        assertEquals(50, busy.busyPollMicros());
        assertEquals(options.chunks(), busy.chunks());
        assertEquals(options.frameBudget(), busy.frameBudget());
        XdpOptions smaller = busy.smaller();
        assertEquals(50, smaller.busyPollMicros());
        assertEquals(options.chunks() / 4, smaller.chunks());
    }

    @Test
    void busyPollOutsideItsRangeIsRefusedNamingTheValue() {
        XdpOptions options = XdpOptions.defaults();
        assertEquals(
                "busyPollMicros: -1 (expected: 0..10000)",
                assertThrows(IllegalArgumentException.class, () -> options.withBusyPoll(-1))
                        .getMessage());
        assertEquals(
                "busyPollMicros: 10001 (expected: 0..10000)",
                assertThrows(IllegalArgumentException.class, () -> options.withBusyPoll(10_001))
                        .getMessage());
    }
}
