package io.vtep4j.internal;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends from threads other than an event loop, handed to that loop as tasks, with a bound on how many may wait: a
 * sender faster than the loop loses packets instead of growing the loop's queue without limit. Thread-safe.
 */
public final class HandOver {

    /** Tasks waiting at most; one more is refused ({@link Result#FULL}). */
    public static final int MAX_WAITING = 4096;

    /** What became of a send offered to the loop. */
    public enum Result {
        /** Queued: the loop runs it. */
        QUEUED,
        /** Not queued: {@link #MAX_WAITING} tasks already wait. The caller releases and counts. */
        FULL,
        /** Not queued: the loop takes no more tasks (shut down). The caller releases and counts. */
        GONE
    }

    private final AtomicInteger waiting = new AtomicInteger();

    /** Queues {@code send} on {@code loop} unless {@link #MAX_WAITING} sends already wait or the loop is gone. */
    public Result offer(Executor loop, Runnable send) {
        if (waiting.getAndIncrement() >= MAX_WAITING) {
            waiting.decrementAndGet();
            return Result.FULL;
        }
        try {
            loop.execute(() -> {
                waiting.decrementAndGet();
                send.run();
            });
        } catch (RejectedExecutionException e) {
            waiting.decrementAndGet();
            return Result.GONE;
        }
        return Result.QUEUED;
    }
}
