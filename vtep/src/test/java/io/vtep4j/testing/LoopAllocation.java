package io.vtep4j.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import java.lang.management.ManagementFactory;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/** Bytes an event loop's thread allocates per packet while it runs the same burst again and again. */
public final class LoopAllocation {
    private LoopAllocation() {}

    /**
     * Runs {@code burst} on {@code loop} {@code warmup + measured} times, each time waiting (10 s at most) until
     * {@code arrived} holds {@code perBurst} permits, so that the whole burst has arrived before the next one leaves and
     * no socket buffer overflows; returns the loop thread's allocation over the measured rounds per packet.
     */
    public static long bytesPerPacket(
            EventLoop loop, Runnable burst, Semaphore arrived, int perBurst, int warmup, int measured)
            throws Exception {
        long thread = loop.submit(() -> Thread.currentThread().getId()).get();
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = 0;
        for (int round = 0; round < warmup + measured; round++) {
            if (round == warmup) {
                before = mx.getThreadAllocatedBytes(thread);
            }
            loop.execute(burst);
            assertTrue(
                    arrived.tryAcquire(perBurst, 10, TimeUnit.SECONDS), "burst " + round + " did not arrive in 10 s");
        }
        return (mx.getThreadAllocatedBytes(thread) - before) / ((long) measured * perBurst);
    }
}
