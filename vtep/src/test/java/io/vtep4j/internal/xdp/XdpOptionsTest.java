package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vtep4j.XdpMode;
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

    @Test
    void queuesShareTheChunksDownToAFloorEachAndKeepTheOtherValuesValid() {
        XdpOptions options = XdpOptions.defaults().withBusyPoll(50); // 16384 chunks
        assertEquals(options, options.perQueue(1, 1024));
        assertEquals(8192, options.perQueue(2, 1024).chunks());
        assertEquals(8192, options.perQueue(3, 1024).chunks(), "a power of two: the larger share");
        assertEquals(1024, options.perQueue(16, 1024).chunks());
        XdpOptions many = options.perQueue(64, 1024);
        assertEquals(1024, many.chunks(), "never below the floor");
        assertEquals(256, many.frameBudget());
        assertEquals(50, many.busyPollMicros());
        XdpOptions tiny = new XdpOptions(2048, 64, 32, 32, 0, XdpMode.AUTO).perQueue(4, 1024);
        assertEquals(64, tiny.chunks(), "a floor above the chunks there are: all of them");
    }

    @Test
    void theModeIsAutoByDefaultKeptThroughEveryDerivationAndNeverNull() {
        assertEquals(XdpMode.AUTO, XdpOptions.defaults().mode());
        XdpOptions generic = XdpOptions.defaults().withMode(XdpMode.GENERIC);
        assertEquals(XdpMode.GENERIC, generic.mode());
        assertEquals(XdpMode.GENERIC, generic.withBusyPoll(50).mode());
        assertEquals(XdpMode.GENERIC, generic.perQueue(4, 1024).mode());
        assertEquals(XdpMode.GENERIC, generic.smaller().mode());
        assertEquals(
                "mode: null (expected: AUTO, NATIVE or GENERIC)",
                assertThrows(NullPointerException.class, () -> generic.withMode(null))
                        .getMessage());
    }
}
