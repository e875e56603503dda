package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.interop.Await;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A busy-waiting loop keeps its CPU while its window lasts, still runs scheduled tasks on time, and sleeps once the
 * window has passed without work.
 */
class TransportsBusyWaitTest {

    static final Duration WAIT = Duration.ofSeconds(20);
    static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    @Test
    void loopSpinsThroughItsWindowAndRunsScheduledTasks() throws Exception {
        assertTrue(THREADS.isCurrentThreadCpuTimeSupported(), "this JVM cannot measure thread CPU time");
        EventLoopGroup group = Transports.newGroup(1, "spin-test", TimeUnit.SECONDS.toNanos(10));
        try {
            EventLoop loop = group.next();
            long id = loopThread(loop);
            long start = THREADS.getThreadCpuTime(id);
            // Scheduled tasks with no I/O at all: each must run.
            for (int i = 0; i < 5; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                loop.schedule(ran::countDown, 20, TimeUnit.MILLISECONDS);
                assertTrue(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "scheduled task " + i + " never ran");
            }
            // Nothing to do, yet within its window the loop keeps using CPU: it polls instead of sleeping.
            Await.until(
                    WAIT,
                    () -> THREADS.getThreadCpuTime(id) - start >= TimeUnit.MILLISECONDS.toNanos(200),
                    () -> "loop CPU time while idle: " + (THREADS.getThreadCpuTime(id) - start) / 1_000_000 + " ms");
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void loopSleepsOnceItsWindowHasPassedAndWakesForTasks() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "spin-window", TimeUnit.MILLISECONDS.toNanos(20));
        try {
            EventLoop loop = group.next();
            long id = loopThread(loop);
            // Past the window the loop waits in the kernel: some 300 ms pass with almost no CPU used by it.
            Await.until(WAIT, () -> cpuOver(id, 300) < TimeUnit.MILLISECONDS.toNanos(30), () -> "still spinning");
            // A task from another thread still wakes it, and a scheduled one still runs.
            CountDownLatch ran = new CountDownLatch(2);
            loop.execute(ran::countDown);
            loop.schedule(ran::countDown, 50, TimeUnit.MILLISECONDS);
            assertTrue(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "a task did not run on the sleeping loop");
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aWindowThatIsNotPositiveIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transports.busyWaitStrategy(0));
        assertTrue(e.getMessage().equals("busyWait: 0 ns (expected: > 0)"), e.getMessage());
    }

    private static long loopThread(EventLoop loop) throws Exception {
        return loop.submit(() -> Thread.currentThread().getId()).get(10, TimeUnit.SECONDS);
    }

    /** CPU nanoseconds thread {@code id} used over the next {@code millis} of wall time. */
    private static long cpuOver(long id, long millis) {
        long before = THREADS.getThreadCpuTime(id);
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < until) {
            Thread.onSpinWait(); // this test thread measures; the loop's thread is another one
        }
        return THREADS.getThreadCpuTime(id) - before;
    }
}
