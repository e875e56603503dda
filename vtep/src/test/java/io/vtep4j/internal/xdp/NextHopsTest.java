package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/**
 * The next-hop table with the kernel played by a map and both executors run by hand: misses until an answer came,
 * refreshes only when due, stale entries confirmed through the kernel, a bounded table.
 */
class NextHopsTest {
    private static final long MAC = 0x02_00_00_00_00_02L;
    private static final long SECOND = 1_000_000_000L;

    private final Map<Integer, Long> kernel = new HashMap<>();
    private final ArrayDeque<Runnable> background = new ArrayDeque<>();
    private final ArrayDeque<Runnable> loop = new ArrayDeque<>();
    private int asked;
    private int backgroundLimit = Integer.MAX_VALUE;
    private long now;

    private final NextHops hops = new NextHops(
            destination -> {
                asked++;
                return kernel.getOrDefault(destination, NextHops.MISS);
            },
            queue(background, true),
            queue(loop, false),
            () -> now);

    private long lookup(int destination, long at) {
        now = at;
        return hops.lookup(destination);
    }

    private Executor queue(ArrayDeque<Runnable> tasks, boolean bounded) {
        return task -> {
            if (bounded && tasks.size() >= backgroundLimit) {
                throw new RejectedExecutionException("full");
            }
            tasks.add(task);
        };
    }

    /** Runs the resolver's queued requests, then the answers they posted to the loop. */
    private void settle() {
        while (!background.isEmpty()) {
            background.poll().run();
        }
        while (!loop.isEmpty()) {
            loop.poll().run();
        }
    }

    @Test
    void aNewDestinationMissesUntilTheKernelKnowsItsNeighbour() {
        assertEquals(NextHops.MISS, lookup(1, 0));
        assertEquals(1, background.size(), "resolved in the background at once");
        settle();
        assertEquals(NextHops.MISS, lookup(1, 1), "no neighbour yet: the kernel path resolves it");
        assertEquals(0, background.size(), "a miss is asked again only after the retry interval");
        kernel.put(1, MAC);
        assertEquals(NextHops.MISS, lookup(1, NextHops.MISS_RETRY_NANOS + SECOND));
        settle();
        assertEquals(MAC, lookup(1, NextHops.MISS_RETRY_NANOS + SECOND + 1));
    }

    @Test
    void aKnownMacIsRefreshedOncePerIntervalAndUsedMeanwhile() {
        kernel.put(1, MAC);
        lookup(1, 0);
        settle();
        long t = now; // answers are stamped with the clock at their arrival
        assertEquals(MAC, lookup(1, t));
        assertEquals(MAC, lookup(1, t + SECOND / 2));
        assertEquals(1, asked);
        kernel.put(1, MAC + 1);
        assertEquals(MAC, lookup(1, t + 2 * SECOND), "the old MAC while the refresh runs");
        assertEquals(MAC, lookup(1, t + 2 * SECOND + 1), "one refresh in flight at a time");
        assertEquals(1, background.size());
        settle();
        assertEquals(MAC + 1, lookup(1, now + 1));
    }

    @Test
    void aStaleNeighbourSendsOnePacketThroughTheKernelPerRefresh() {
        kernel.put(1, MAC | NextHops.STALE);
        lookup(1, 0);
        settle();
        long t = now;
        assertEquals(NextHops.MISS, lookup(1, t), "through the kernel, which confirms the neighbour");
        assertEquals(MAC, lookup(1, t + 1));
        assertEquals(MAC, lookup(1, t + 2));
    }

    @Test
    void aRouteThroughAnotherInterfaceGoesToTheKernel() {
        kernel.put(1, NextHops.OTHER_INTERFACE);
        lookup(1, 0);
        settle();
        assertEquals(NextHops.OTHER_INTERFACE, lookup(1, now + 1));
    }

    @Test
    void theTableIsBoundedAndIdleEntriesGiveWay() {
        for (int d = 1; d <= 20 * NextHops.SLOTS; d++) {
            lookup(d, 0);
            settle();
        }
        assertTrue(hops.full() > 0, "destinations beyond the bound found no slot: " + hops.full());
        long full = hops.full();
        assertEquals(NextHops.MISS, lookup(-7, 1));
        assertEquals(full + 1, hops.full(), "every slot holds a destination in use");
        lookup(-7, NextHops.IDLE_NANOS + 1);
        assertEquals(full + 1, hops.full(), "a minute later an idle one gave way");
    }

    @Test
    void aRefusedRequestIsAskedAgainLater() {
        backgroundLimit = 0;
        assertEquals(NextHops.MISS, lookup(1, 0));
        assertEquals(0, background.size());
        backgroundLimit = Integer.MAX_VALUE;
        kernel.put(1, MAC);
        lookup(1, NextHops.MISS_RETRY_NANOS);
        settle();
        assertEquals(MAC, lookup(1, NextHops.MISS_RETRY_NANOS + 1));
    }
}
