package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.interop.Await;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The sender's queue: coalescing per destination, order, re-sending a failed call, calls of bounded size. */
class PathSenderTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final InetAddress US = FakeRack.address("127.0.0.1");

    /** Every call the transport got, in order; the first {@code failures} calls throw. */
    private final List<List<Path>> calls = new CopyOnWriteArrayList<>();

    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean holdFirst;
    private volatile int failures;
    private PathSender sender;

    @AfterEach
    void down() {
        release.countDown();
        if (sender != null) {
            sender.close();
        }
    }

    private PathSender sender() {
        sender = new PathSender(
                paths -> {
                    calls.add(List.copyOf(paths));
                    if (holdFirst && calls.size() == 1) {
                        await(release);
                    }
                    if (calls.size() <= failures) {
                        throw new IllegalStateException("refused call " + calls.size());
                    }
                },
                Duration.ofMillis(10),
                Duration.ofMillis(40),
                () -> {});
        return sender;
    }

    @Test
    void aDestinationQueuedAgainWhileACallIsOutGoesOnceWithItsNewestOperation() throws Exception {
        holdFirst = true;
        PathSender s = sender();
        s.offer(List.of(mac(1, false)));
        Await.until(WAIT, () -> calls.size() == 1, calls::toString);
        // Meanwhile: 2 is added, 3 is added, 2 is withdrawn again before its add went out.
        s.offer(List.of(mac(2, false), mac(3, false)));
        s.offer(List.of(mac(2, true)));
        assertEquals(3, s.pending(), "one in flight, two queued");
        release.countDown();
        assertTrue(s.awaitIdle(WAIT));
        assertEquals(List.of(List.of(mac(1, false)), List.of(mac(3, false), mac(2, true))), calls);
        assertTrue(s.idle());
        assertEquals(3, s.sent());
    }

    @Test
    void aFailedCallIsSentAgainBeforeLaterOperationsUnlessADestinationGotANewerOne() throws Exception {
        holdFirst = true;
        failures = 1;
        PathSender s = sender();
        s.offer(List.of(mac(1, false), mac(2, false)));
        Await.until(WAIT, () -> calls.size() == 1, calls::toString);
        s.offer(List.of(mac(1, true), mac(3, false))); // 1 withdrawn while its add is out (and about to fail)
        release.countDown();
        Await.until(WAIT, () -> s.failures() == 1, calls::toString);
        assertTrue(s.awaitIdle(WAIT));
        assertEquals(2, calls.size(), calls::toString);
        assertEquals(List.of(mac(2, false), mac(1, true), mac(3, false)), calls.get(1), "2 again first, 1's add gone");
        assertNull(s.lastFailure(), "cleared by the successful call");
    }

    @Test
    void aCallThatKeepsFailingIsRetriedWithTheFailureReported() throws Exception {
        failures = 3;
        PathSender s = sender();
        s.offer(List.of(mac(1, false)));
        Await.until(WAIT, () -> s.failures() >= 1 && s.lastFailure() != null, calls::toString);
        assertTrue(s.awaitIdle(WAIT));
        assertEquals(4, calls.size(), calls::toString);
        calls.forEach(c -> assertEquals(List.of(mac(1, false)), c));
        assertEquals(1, s.sent());
    }

    @Test
    void aLargeBurstGoesInCallsOfBoundedSize() throws Exception {
        PathSender s = sender();
        List<Path> burst = new ArrayList<>();
        for (int i = 0; i < 2 * PathSender.PATHS_PER_CALL + 7; i++) {
            burst.add(mac(i, false));
        }
        s.offer(burst);
        assertTrue(s.awaitIdle(WAIT));
        List<Integer> sizes = calls.stream().map(List::size).toList();
        assertEquals(List.of(PathSender.PATHS_PER_CALL, PathSender.PATHS_PER_CALL, 7), sizes);
        List<Path> all = new ArrayList<>();
        calls.forEach(all::addAll);
        assertEquals(burst, all, "in the order offered");
    }

    @Test
    void awaitIdleGivesUpWhileACallIsStillOut() throws Exception {
        holdFirst = true;
        PathSender s = sender();
        s.offer(List.of(mac(1, false)));
        Await.until(WAIT, () -> calls.size() == 1, calls::toString);
        assertFalse(s.awaitIdle(Duration.ofMillis(50)));
        assertFalse(s.idle());
        release.countDown();
        assertTrue(s.awaitIdle(WAIT));
    }

    private static Path mac(long n, boolean withdraw) {
        return RouteCodec.macIp(
                100, RouteCodec.rd(US, 100), RouteTarget.auto(65000, 100), US, 0x0200_0000_0000L + n, 0, withdraw);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
