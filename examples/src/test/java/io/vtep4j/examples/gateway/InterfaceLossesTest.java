package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.internal.netlink.LinkCounters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The interfaces' losses as the gateway reports them: counted from its start, carried over when an interface is
 * deleted and created again or its counters are reset, kept while it is gone, and described only where non-zero,
 * with their rise since the previous line.
 */
class InterfaceLossesTest {
    /** Interfaces by name: index and counters, as a fake kernel holds them. */
    private final Map<String, Integer> indices = new HashMap<>();

    private final Map<Integer, LinkCounters.Reading> readings = new HashMap<>();
    private boolean released;

    private void set(String name, int ifindex, long rxDropped, long rxMissed, long txDropped) {
        indices.put(name, ifindex);
        readings.put(ifindex, new LinkCounters.Reading(0, 0, rxDropped, rxMissed, txDropped));
    }

    private void delete(String name) {
        readings.remove(indices.remove(name));
    }

    private InterfaceLosses watch(String trunk, String underlay) {
        return InterfaceLosses.watching(
                trunk, underlay, readings::get, () -> released = true, name -> indices.getOrDefault(name, 0));
    }

    private static long[] counts(List<InterfaceLosses.Loss> losses, int i) {
        return losses.get(i).counts();
    }

    @Test
    void countsFromTheStartOnly() {
        set("eth0", 2, 100, 5, 7);
        set("ul0", 3, 0, 0, 0);
        InterfaceLosses losses = watch("eth0", "ul0");
        assertEquals("trunk eth0, underlay ul0", losses.describeWatched());
        List<InterfaceLosses.Loss> start = losses.read();
        assertArrayEquals(new long[3], counts(start, 0), "what eth0 lost before the start is not the gateway's");
        assertEquals("none", InterfaceLosses.describe(start, start));

        set("eth0", 2, 130, 5, 9);
        set("ul0", 3, 0, 4, 0);
        List<InterfaceLosses.Loss> now = losses.read();
        assertArrayEquals(new long[] {30, 0, 2}, counts(now, 0));
        assertArrayEquals(new long[] {0, 4, 0}, counts(now, 1));
        assertEquals(
                "trunk eth0 rx-dropped 30 (+30) tx-dropped 2 (+2), underlay ul0 rx-missed 4 (+4)",
                InterfaceLosses.describe(now, start));
        assertEquals(
                "trunk eth0 rx-dropped 30 tx-dropped 2, underlay ul0 rx-missed 4", InterfaceLosses.describe(now, now));
    }

    /** A scrape asks once per interface and kind: within the window the kernel is asked once, after it again. */
    @Test
    void recentReadingsAnswerAScrapeWithoutAskingTheKernelAgain() {
        set("eth0", 2, 0, 0, 0);
        int[] asked = {0};
        InterfaceLosses losses = InterfaceLosses.watching(
                "eth0",
                null,
                index -> {
                    asked[0]++;
                    return readings.get(index);
                },
                () -> {},
                name -> indices.getOrDefault(name, 0));
        int atStart = asked[0];
        long t = 1_000_000_000L;
        set("eth0", 2, 5, 0, 0);
        assertArrayEquals(new long[] {5, 0, 0}, counts(losses.recent(t), 0));
        set("eth0", 2, 9, 0, 0);
        for (int series = 0; series < 5; series++) {
            assertArrayEquals(new long[] {5, 0, 0}, counts(losses.recent(t + series * 1_000_000L), 0));
        }
        assertEquals(atStart + 1, asked[0], "one kernel read for the whole scrape");
        assertArrayEquals(
                new long[] {9, 0, 0}, counts(losses.recent(t + InterfaceLosses.RECENT_NANOS), 0), "read again");
        assertEquals(atStart + 2, asked[0]);
        assertArrayEquals(new long[] {9, 0, 0}, counts(losses.recent(t), 0), "a clock that went back reads again");
        assertEquals(atStart + 3, asked[0]);
    }

    @Test
    void anInterfaceCreatedAgainGoesOnFromTheTotal() {
        set("eth0", 2, 10, 0, 0);
        InterfaceLosses losses = watch("eth0", null);
        set("eth0", 2, 15, 0, 0);
        assertArrayEquals(new long[] {5, 0, 0}, counts(losses.read(), 0));

        delete("eth0");
        assertArrayEquals(new long[] {5, 0, 0}, counts(losses.read(), 0), "gone: the last total stays");

        set("eth0", 9, 3, 0, 1); // a new interface of the same name counts from zero
        assertArrayEquals(new long[] {8, 0, 1}, counts(losses.read(), 0));
    }

    @Test
    void countersThatFallWereResetAndGoOnFromTheTotal() {
        set("eth0", 2, 10, 0, 0);
        InterfaceLosses losses = watch("eth0", null);
        set("eth0", 2, 40, 0, 0);
        losses.read();
        set("eth0", 2, 2, 0, 0);
        assertArrayEquals(new long[] {32, 0, 0}, counts(losses.read(), 0));
    }

    @Test
    void anInterfaceMissingAtTheStartCountsAllItLosesOnceItAppears() {
        InterfaceLosses losses = watch("eth0", null);
        set("eth0", 4, 6, 0, 0);
        assertArrayEquals(new long[] {6, 0, 0}, counts(losses.read(), 0));
    }

    @Test
    void oneInterfaceForTrunkAndUnderlayIsWatchedOnce() {
        set("eth0", 2, 0, 0, 0);
        InterfaceLosses losses = watch("eth0", "eth0");
        assertEquals("trunk and underlay eth0", losses.describeWatched());
        set("eth0", 2, 1, 0, 0);
        assertEquals("trunk and underlay eth0 rx-dropped 1", InterfaceLosses.describe(losses.read(), losses.read()));
    }

    @Test
    void closedItReadsNothingMoreAndKeepsItsTotals() {
        set("eth0", 2, 0, 0, 0);
        InterfaceLosses losses = watch("eth0", null);
        set("eth0", 2, 3, 0, 0);
        losses.read();
        losses.close();
        assertTrue(released);
        set("eth0", 2, 50, 0, 0);
        assertArrayEquals(new long[] {3, 0, 0}, counts(losses.read(), 0));
    }
}
