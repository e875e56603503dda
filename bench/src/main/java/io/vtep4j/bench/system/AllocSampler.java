package io.vtep4j.bench.system;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * {@code --alloc-window}: bytes allocated per forwarded packet by the VTEPs' event-loop threads (names starting
 * with {@code vtep4j-}) over a window of steady traffic. Runs on its own thread: waits (bounded) until at least
 * {@link #FLOWING_PER_SECOND} packets a second arrive, waits the warm-up, samples, sleeps the window, samples
 * again and prints two lines:
 * <pre>
 * ALLOC window_s=60 packets=N bytes=M bytes_per_packet=X.XX threads=K io=netty|direct
 * ALLOC_THREADS name=bytes(B/packet) ... others=bytes top=[name=bytes ...] received=N elapsed_s=S
 * </pre>
 * Bytes come from {@code com.sun.management.ThreadMXBean#getThreadAllocatedBytes(long[])} (HotSpot counts each
 * thread's TLAB and outside-TLAB allocations). The sampler's own allocations (the stats snapshots behind the
 * packet counters, the arrays the MXBean returns) happen only at the two sample points and on the sampler's own
 * thread, which is not measured; during the window it only sleeps. Bytes are read before the packets at the start
 * and after them at the end, so the byte window covers the packet window (errs towards more bytes, never fewer).
 */
final class AllocSampler implements Runnable {
    static final String THREAD_PREFIX = "vtep4j-";
    /** Below this the VTEPs are not under load (run.sh's 20-packet functional check stays below it). */
    static final long FLOWING_PER_SECOND = 500;

    static final long MAX_WAIT_MILLIS = 180_000;
    private static final long POLL_MILLIS = 250;

    private final com.sun.management.ThreadMXBean mx =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final LongSupplier forwarded;
    private final LongSupplier received;
    private final long warmupMillis;
    private final long windowMillis;
    private final long maxWaitMillis;
    private final PrintStream out;
    private final String io;

    /** {@code io}: the I/O path the VTEPs use ({@code direct} or {@code netty}), printed with the result. */
    AllocSampler(
            LongSupplier forwarded,
            LongSupplier received,
            long warmupMillis,
            long windowMillis,
            long maxWaitMillis,
            PrintStream out,
            String io) {
        this.forwarded = forwarded;
        this.received = received;
        this.warmupMillis = warmupMillis;
        this.windowMillis = windowMillis;
        this.maxWaitMillis = maxWaitMillis;
        this.out = out;
        this.io = io;
    }

    @Override
    public void run() {
        try {
            measure();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            out.println("ALLOC error: interrupted");
        } catch (RuntimeException e) {
            out.println("ALLOC error: " + e);
        }
        out.flush();
    }

    private void measure() throws InterruptedException {
        if (!mx.isThreadAllocatedMemorySupported()) {
            out.println("ALLOC error: this JVM does not count allocated bytes per thread");
            return;
        }
        mx.setThreadAllocatedMemoryEnabled(true);
        if (!awaitTraffic()) {
            out.println("ALLOC error: fewer than " + FLOWING_PER_SECOND + " packets/s received within " + maxWaitMillis
                    + " ms");
            return;
        }
        Thread.sleep(warmupMillis);
        Threads loops = threads(true);
        Threads others = threads(false);
        long[] bytes0 = mx.getThreadAllocatedBytes(loops.ids);
        long[] others0 = mx.getThreadAllocatedBytes(others.ids);
        long packets0 = forwarded.getAsLong();
        long received0 = received.getAsLong();
        long t0 = System.nanoTime();
        Thread.sleep(windowMillis); // the window: the sampler allocates nothing until it ends
        long packets = forwarded.getAsLong() - packets0;
        long receivedInWindow = received.getAsLong() - received0;
        long[] bytes1 = mx.getThreadAllocatedBytes(loops.ids);
        long[] others1 = mx.getThreadAllocatedBytes(others.ids);
        double elapsed = (System.nanoTime() - t0) / 1e9;

        StringBuilder detail = new StringBuilder("ALLOC_THREADS");
        long bytes = 0;
        int counted = 0;
        for (int i = 0; i < loops.ids.length; i++) {
            if (bytes0[i] < 0 || bytes1[i] < 0) { // the thread ended in the window: its bytes are unknown
                detail.append(' ').append(loops.names[i]).append("=gone");
                continue;
            }
            long d = bytes1[i] - bytes0[i];
            bytes += d;
            counted++;
            detail.append(' ')
                    .append(loops.names[i])
                    .append('=')
                    .append(d)
                    .append('(')
                    .append(perPacket(d, packets))
                    .append(')');
        }
        // A loop thread started inside the window: all it ever allocated falls in the window.
        Threads after = threads(true);
        long[] afterBytes = mx.getThreadAllocatedBytes(after.ids);
        for (int i = 0; i < after.ids.length; i++) {
            if (!contains(loops.ids, after.ids[i]) && afterBytes[i] >= 0) {
                bytes += afterBytes[i];
                counted++;
                detail.append(' ').append(after.names[i]).append("(new)=").append(afterBytes[i]);
            }
        }
        appendOthers(detail, others, others0, others1);
        detail.append(" received=")
                .append(receivedInWindow)
                .append(" elapsed_s=")
                .append(String.format(Locale.ROOT, "%.3f", elapsed));
        out.println("ALLOC window_s=" + seconds(windowMillis) + " packets=" + packets + " bytes=" + bytes
                + " bytes_per_packet=" + perPacket(bytes, packets) + " threads=" + counted + " io=" + io);
        out.println(detail);
    }

    /** Polls the received counter until it grows at {@link #FLOWING_PER_SECOND} or more; false on timeout. */
    private boolean awaitTraffic() throws InterruptedException {
        long need = Math.max(1, FLOWING_PER_SECOND * POLL_MILLIS / 1000);
        long last = received.getAsLong();
        for (long waited = 0; waited < maxWaitMillis; waited += POLL_MILLIS) {
            Thread.sleep(POLL_MILLIS);
            long now = received.getAsLong();
            if (now - last >= need) {
                return true;
            }
            last = now;
        }
        return false;
    }

    /** The total and the three biggest allocators among the other threads (JIT, GC helpers, main, ...). */
    private static void appendOthers(StringBuilder detail, Threads others, long[] before, long[] after) {
        long total = 0;
        Integer[] order = new Integer[others.ids.length];
        long[] delta = new long[others.ids.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            delta[i] = before[i] < 0 || after[i] < 0 ? 0 : after[i] - before[i];
            total += delta[i];
        }
        Arrays.sort(order, (x, y) -> Long.compare(delta[y], delta[x]));
        detail.append(" others=").append(total).append(" top=[");
        for (int k = 0; k < Math.min(3, order.length) && delta[order[k]] > 0; k++) {
            detail.append(k == 0 ? "" : " ")
                    .append(others.names[order[k]])
                    .append('=')
                    .append(delta[order[k]]);
        }
        detail.append(']');
    }

    /** The live threads whose names start with {@link #THREAD_PREFIX} ({@code loops}) or the others, less this. */
    private Threads threads(boolean loops) {
        long self = Thread.currentThread().getId();
        ThreadInfo[] infos = mx.getThreadInfo(mx.getAllThreadIds());
        List<ThreadInfo> picked = new ArrayList<>();
        for (ThreadInfo info : infos) {
            if (info != null
                    && info.getThreadId() != self
                    && info.getThreadName().startsWith(THREAD_PREFIX) == loops) {
                picked.add(info);
            }
        }
        long[] ids = new long[picked.size()];
        String[] names = new String[picked.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = picked.get(i).getThreadId();
            names[i] = picked.get(i).getThreadName();
        }
        return new Threads(ids, names);
    }

    private static boolean contains(long[] ids, long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    private static String perPacket(long bytes, long packets) {
        return packets > 0 ? String.format(Locale.ROOT, "%.2f", (double) bytes / packets) : "n/a";
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? Long.toString(millis / 1000) : String.format(Locale.ROOT, "%.3f", millis / 1e3);
    }

    /** Thread ids and their names, index by index. */
    private record Threads(long[] ids, String[] names) {}
}
