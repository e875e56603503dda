package io.vtep4j.bench;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * A JMH executor whose workers are Netty {@code FastThreadLocalThread}s, the kind of thread an event loop runs on, so
 * that Netty's per-thread object pools (the recycled buffer slices among them) behave in a benchmark as on the
 * engine's loops; on a plain JMH worker a slice is a new object each time. Selected in the forked JVM with
 * {@code -Djmh.executor=CUSTOM -Djmh.executor.class=io.vtep4j.bench.EventLoopThreads}; JMH calls the constructor.
 */
public final class EventLoopThreads extends ThreadPoolExecutor {

    /** As JMH asks: at most {@code maxThreads} workers named after {@code prefix}. */
    public EventLoopThreads(int maxThreads, String prefix) {
        super(
                maxThreads,
                maxThreads,
                1,
                java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
