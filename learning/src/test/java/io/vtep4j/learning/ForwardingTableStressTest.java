package io.vtep4j.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Lookups from several threads while others learn, move, remove and sweep. Every location encodes the MAC it was
 * learned for, so a reader can tell a torn or stale-index entry from a correct one.
 */
class ForwardingTableStressTest {

    private static final int VNI = 77;
    private static final int PORTS = 64;
    private static final int STABLE_PER_WRITER = 60_000;
    private static final int MOVERS = 256;
    private static final int CHURN = 2_000;
    private static final long RUN_NANOS = 1_200_000_000L;

    // Stable MACs: 1 .. 2 * STABLE_PER_WRITER, at port (mac % PORTS).
    private static final Location[] PORT = new Location[PORTS];
    // Churn MACs come and go, each at its own port id, so location indices get recycled under the readers.
    private static final long CHURN_BASE = 1_000_000;
    private static final long MOVER_BASE = 2_000_000;

    static {
        for (int i = 0; i < PORTS; i++) {
            PORT[i] = Location.localPort(i, "p" + i);
        }
    }

    private final AtomicReference<String> firstError = new AtomicReference<>();
    private final AtomicLong hits = new AtomicLong();

    private static long mac(long n) {
        return Fixtures.mac(n);
    }

    private static Location churnPort(long n) {
        return Location.localPort((int) (PORTS + n), "churn");
    }

    private void fail(String message) {
        firstError.compareAndSet(null, message);
    }

    @Test
    void concurrentReadersNeverSeeLostOrTornEntries() throws Exception {
        final ForwardingTable fdb = ForwardingTable.builder().noMoveDetection().build();
        final long deadline = System.nanoTime() + RUN_NANOS;
        final List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            final int writer = w;
            threads.add(new Thread(
                    () -> {
                        final int from = 1 + writer * STABLE_PER_WRITER;
                        for (long n = from; n < from + STABLE_PER_WRITER; n++) {
                            final LearnResult r = fdb.learn(VNI, mac(n), PORT[(int) (n % PORTS)]);
                            if (r != LearnResult.LEARNED) {
                                fail("stable " + n + ": " + r);
                            }
                        }
                        while (System.nanoTime() < deadline) {
                            final long n = from + ThreadLocalRandom.current().nextInt(STABLE_PER_WRITER);
                            final LearnResult r = fdb.learn(VNI, mac(n), PORT[(int) (n % PORTS)]);
                            if (r != LearnResult.REFRESHED) {
                                fail("refresh " + n + ": " + r);
                            }
                        }
                    },
                    "writer-" + w));
        }
        threads.add(new Thread(
                () -> {
                    for (int round = 0; System.nanoTime() < deadline && round < 1_000_000; round++) {
                        final long n = MOVER_BASE + round % MOVERS;
                        fdb.learn(
                                VNI, mac(n), PORT[(int) ((n + round / MOVERS) % 2 == 0 ? n % PORTS : (n + 1) % PORTS)]);
                    }
                },
                "mover"));
        threads.add(new Thread(
                () -> {
                    for (int round = 0; System.nanoTime() < deadline && round < 10_000; round++) {
                        for (long n = CHURN_BASE; n < CHURN_BASE + CHURN; n++) {
                            fdb.learn(VNI, mac(n), churnPort(n));
                        }
                        fdb.flushVni(VNI + 1);
                        for (long n = CHURN_BASE; n < CHURN_BASE + CHURN; n++) {
                            if (!fdb.remove(VNI, mac(n))) {
                                fail("churn " + n + " lost before removal");
                            }
                        }
                    }
                },
                "churn"));
        threads.add(new Thread(
                () -> {
                    while (System.nanoTime() < deadline) {
                        fdb.expire();
                        fdb.entries(VNI).size();
                        Thread.onSpinWait();
                    }
                },
                "sweeper"));
        for (int r = 0; r < 2; r++) {
            threads.add(new Thread(() -> read(fdb, deadline), "reader-" + r));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " still running");
        }
        assertNull(firstError.get(), firstError.get());
        assertTrue(hits.get() > 0, "readers found entries");

        for (long n = 1; n <= 2L * STABLE_PER_WRITER; n++) {
            assertEquals(PORT[(int) (n % PORTS)], fdb.lookup(VNI, mac(n)), "stable " + n);
        }
        for (long n = MOVER_BASE; n < MOVER_BASE + MOVERS; n++) {
            final Location at = fdb.lookup(VNI, mac(n));
            assertTrue(at == PORT[(int) (n % PORTS)] || at == PORT[(int) ((n + 1) % PORTS)], "mover " + n + ": " + at);
        }
        for (long n = CHURN_BASE; n < CHURN_BASE + CHURN; n++) {
            assertNull(fdb.lookup(VNI, mac(n)), "churn " + n + " removed");
        }
        assertEquals(2 * STABLE_PER_WRITER + MOVERS, fdb.size());
        assertEquals(fdb.size(), fdb.entries().size());
    }

    private void read(ForwardingTable fdb, long deadline) {
        final ThreadLocalRandom random = ThreadLocalRandom.current();
        long found = 0;
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < 1024; i++) {
                final int kind = random.nextInt(3);
                final long n = kind == 0
                        ? 1 + random.nextInt(2 * STABLE_PER_WRITER)
                        : kind == 1 ? MOVER_BASE + random.nextInt(MOVERS) : CHURN_BASE + random.nextInt(CHURN);
                final Location at = fdb.lookup(VNI, mac(n));
                if (at == null) {
                    continue;
                }
                found++;
                final boolean consistent = kind == 0
                        ? at == PORT[(int) (n % PORTS)]
                        : kind == 1
                                ? at == PORT[(int) (n % PORTS)] || at == PORT[(int) ((n + 1) % PORTS)]
                                : at.portId() == PORTS + n;
                if (!consistent) {
                    fail("mac " + n + " found at " + at);
                }
            }
        }
        hits.addAndGet(found);
    }
}
