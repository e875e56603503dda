package io.vtep4j.internal;

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

/** A busy-waiting group's loop stays on its CPU while idle, and its scheduled tasks still run on time. */
class TransportsBusyWaitTest {

    static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void idleBusyWaitingLoopSpinsAndRunsScheduledTasks() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        assertTrue(threads.isCurrentThreadCpuTimeSupported(), "this JVM cannot measure thread CPU time");
        EventLoopGroup group = Transports.newGroup(1, "spin-test", true);
        try {
            EventLoop loop = group.next();
            long id = loop.submit(() -> Thread.currentThread().getId()).get(10, TimeUnit.SECONDS);
            long start = threads.getThreadCpuTime(id);

            // Several rounds of scheduled tasks with no I/O at all: each must run.
            for (int i = 0; i < 5; i++) {
                CountDownLatch ran = new CountDownLatch(1);
                loop.schedule(ran::countDown, 20, TimeUnit.MILLISECONDS);
                assertTrue(ran.await(WAIT.toMillis(), TimeUnit.MILLISECONDS), "scheduled task " + i + " never ran");
            }
            // Nothing to do, yet the loop keeps using CPU: it polls instead of sleeping in the kernel.
            Await.until(
                    WAIT,
                    () -> threads.getThreadCpuTime(id) - start >= TimeUnit.MILLISECONDS.toNanos(200),
                    () -> "loop CPU time while idle: " + (threads.getThreadCpuTime(id) - start) / 1_000_000 + " ms");
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
