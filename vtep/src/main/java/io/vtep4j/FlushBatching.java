package io.vtep4j;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.internal.ThreadExecutorMap;
import java.util.concurrent.RejectedExecutionException;

/**
 * When a {@link Forwarder}'s queued underlay sends are flushed. Inside one of the underlay's read batches,
 * readComplete flushes once for the whole batch. On another event loop (another VTEP's, a pcap port's), one flush is
 * queued behind that loop's current batch instead of one per frame. On an application thread, flushes at once.
 *
 * <p>Thread-safe: the state is per thread ({@link FastThreadLocal}s).
 */
final class FlushBatching {

    private final Runnable flush;
    /** Set while this thread is inside a read batch of this runtime's underlay: flushes wait for readComplete. */
    private final FastThreadLocal<Boolean> receiving = new FastThreadLocal<>();
    /** Set while a flush of ours is queued on this (foreign) event loop. */
    private final FastThreadLocal<Boolean> flushQueued = new FastThreadLocal<>();

    private final Runnable queuedFlush = this::runQueuedFlush;

    /** Batches the calls to {@code flush}. */
    FlushBatching(Runnable flush) {
        this.flush = flush;
    }

    /** The calling event loop is inside a read batch of the underlay: flushes wait for {@link #batchComplete}. */
    void batchStarted() {
        receiving.set(Boolean.TRUE);
    }

    /** The read batch is over: flushes once for it. */
    void batchComplete() {
        try {
            flush.run();
        } finally {
            receiving.remove();
        }
    }

    /** Flushes after a local port's send, as the class comment says. */
    void flushUnlessReceiving() {
        if (receiving.getIfExists() == Boolean.TRUE) {
            return;
        }
        EventExecutor current = ThreadExecutorMap.currentExecutor();
        if (current != null) {
            if (flushQueued.getIfExists() != Boolean.TRUE) {
                try {
                    current.execute(queuedFlush);
                    flushQueued.set(Boolean.TRUE);
                    return;
                } catch (RejectedExecutionException e) {
                    // that loop is shutting down: flush here instead
                }
            } else {
                return;
            }
        }
        flush.run();
    }

    private void runQueuedFlush() {
        flushQueued.remove();
        flush.run();
    }
}
