package io.vtep4j.bench.soak;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocatorMetric;
import io.netty.util.internal.PlatformDependent;
import java.io.File;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One reading of what a long-running VTEP must not accumulate, taken after a full collection: heap in use, direct
 * memory (the JDK's direct buffer pool plus Netty's own counter and its pooled allocator's arenas), open file
 * descriptors, live threads, and the forwarding table's size. Immutable.
 */
record Sample(long atMillis, Map<String, Long> values) {
    /** Metric names, in print order. */
    static final String HEAP = "heapAfterGc";

    static final String JDK_DIRECT = "jdkDirect";
    static final String NETTY_DIRECT = "nettyDirect";
    static final String POOLED_DIRECT = "pooledDirect";
    static final String FDS = "fds";
    static final String THREADS = "threads";
    static final String MACS = "macs";

    /** Collects garbage (a few rounds, bounded) and reads every metric; {@code macs} comes from the caller. */
    static Sample take(long atMillis, long macs) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Map<String, Long> v = new LinkedHashMap<>();
        v.put(HEAP, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        long jdkDirect = 0;
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                jdkDirect = pool.getMemoryUsed();
            }
        }
        v.put(JDK_DIRECT, jdkDirect);
        v.put(NETTY_DIRECT, Math.max(0, PlatformDependent.usedDirectMemory()));
        PooledByteBufAllocatorMetric pooled = PooledByteBufAllocator.DEFAULT.metric();
        v.put(POOLED_DIRECT, pooled.usedDirectMemory());
        String[] fds = new File("/proc/self/fd").list();
        v.put(FDS, fds == null ? -1L : fds.length);
        v.put(THREADS, (long) ManagementFactory.getThreadMXBean().getThreadCount());
        v.put(MACS, macs);
        return new Sample(atMillis, Map.copyOf(v));
    }

    String line() {
        StringBuilder out = new StringBuilder(String.format("t=%4ds", atMillis / 1000));
        for (String k : new String[] {HEAP, JDK_DIRECT, NETTY_DIRECT, POOLED_DIRECT, FDS, THREADS, MACS}) {
            out.append(' ').append(k).append('=').append(values.get(k));
        }
        return out.toString();
    }
}
