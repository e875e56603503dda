package io.vtep4j.bench.learning;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.LearnResult;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.LookupBatch;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;

/**
 * The {@link FdbBenchmark} operations timed by the measuring thread's own CPU time and allocated bytes
 * ({@code com.sun.management.ThreadMXBean}) instead of wall-clock time, so that preemption on a shared, overloaded
 * machine does not count (cache and TLB pollution by other processes still does; GC work on other threads does not).
 * For the primitive table it also times {@code lookupHitBatched}: the same hits, 32 per
 * {@code ForwardingTable.lookup(LookupBatch)}. Prints, per implementation, operation and working set, the median and minimum CPU ns/op over 7 measured rounds
 * after 3 warm-up rounds, and bytes allocated per op. Single-threaded tool, not a JMH benchmark.
 *
 * <p>Run: {@code java -Xms2g -Xmx2g -cp bench/target/benchmarks.jar io.vtep4j.bench.learning.FdbCpuTime}
 */
public final class FdbCpuTime {

    private static final int ENTRIES = 1_000_000;
    private static final int OPS_PER_ROUND = 1 << 21;
    private static final int WARMUP_ROUNDS = 3;
    private static final int ROUNDS = 7;

    private static long sink;

    private FdbCpuTime() {}

    /** Prints one line per (implementation, operation, working set). */
    public static void main(String[] args) {
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final Location[] locations = FdbData.locations();
        for (String impl : args.length > 0 ? args : new String[] {"primitive", "caffeine"}) {
            final Op[] ops = fill(impl, locations);
            for (int workingSet : new int[] {1024, 1 << 20}) {
                final int[] order = FdbData.order(Math.min(ENTRIES, workingSet), workingSet);
                final long[] hits = new long[workingSet];
                final long[] misses = new long[workingSet];
                final Location[] at = new Location[workingSet];
                for (int i = 0; i < workingSet; i++) {
                    hits[i] = FdbData.presentMac(order[i]);
                    misses[i] = FdbData.absentMac(order[i]);
                    at[i] = locations[order[i] % FdbData.LOCATIONS];
                }
                final String[] names = {"lookupHit", "lookupMiss", "relearnSameLocation", "lookupHitBatched"};
                for (int o = 0; o < ops.length; o++) {
                    final long[] nanos = new long[ROUNDS];
                    long bytes = 0;
                    for (int round = 0; round < WARMUP_ROUNDS + ROUNDS; round++) {
                        final long cpu0 = threads.getCurrentThreadCpuTime();
                        final long alloc0 = threads.getThreadAllocatedBytes(
                                Thread.currentThread().getId());
                        ops[o].run(o == 1 ? misses : hits, at, workingSet - 1);
                        final long cpu = threads.getCurrentThreadCpuTime() - cpu0;
                        final long alloc = threads.getThreadAllocatedBytes(
                                        Thread.currentThread().getId())
                                - alloc0;
                        if (round >= WARMUP_ROUNDS) {
                            nanos[round - WARMUP_ROUNDS] = cpu;
                            bytes += alloc;
                        }
                    }
                    Arrays.sort(nanos);
                    System.out.printf(
                            Locale.ROOT,
                            "%-9s %-20s workingSet=%-8d cpu median %7.1f ns/op, min %7.1f"
                                    + " ns/op, alloc %6.2f B/op%n",
                            impl,
                            names[o],
                            workingSet,
                            (double) nanos[ROUNDS / 2] / OPS_PER_ROUND,
                            (double) nanos[0] / OPS_PER_ROUND,
                            (double) bytes / ROUNDS / OPS_PER_ROUND);
                }
            }
        }
        System.out.println("sink " + (sink & 1));
    }

    /** One timed loop over the working set. */
    private interface Op {
        void run(long[] macs, Location[] at, int mask);
    }

    // The loops below are written out per implementation on purpose: one shared loop calling through an interface
    // would make its call site bimorphic and measure the dispatch along with the table.
    private static Op[] fill(String impl, Location[] locations) {
        if ("primitive".equals(impl)) {
            final ForwardingTable table =
                    ForwardingTable.builder().maxEntries(ENTRIES).build();
            for (int i = 0; i < ENTRIES; i++) {
                table.learn(FdbData.VNI, FdbData.presentMac(i), locations[i % FdbData.LOCATIONS]);
            }
            final Op lookup = (macs, at, mask) -> {
                long s = 0;
                for (int i = 0; i < OPS_PER_ROUND; i++) {
                    s += table.lookup(FdbData.VNI, macs[i & mask]) == null ? 1 : 2;
                }
                sink += s;
            };
            final Op relearn = (macs, at, mask) -> {
                long s = 0;
                for (int i = 0; i < OPS_PER_ROUND; i++) {
                    s += table.learn(FdbData.VNI, macs[i & mask], at[i & mask]).ordinal();
                }
                sink += s;
            };
            // The same hits as lookupHit, 32 per ForwardingTable.lookup(LookupBatch) (a receive batch).
            final LookupBatch batch = new LookupBatch(32);
            final Op batched = (macs, at, mask) -> {
                long s = 0;
                for (int i = 0; i < OPS_PER_ROUND; i += 32) {
                    batch.clear();
                    for (int j = 0; j < 32; j++) {
                        batch.add(FdbData.VNI, macs[(i + j) & mask]);
                    }
                    table.lookup(batch);
                    for (int j = 0; j < 32; j++) {
                        s += batch.location(j) == null ? 1 : 2;
                    }
                }
                sink += s;
            };
            return new Op[] {lookup, lookup, relearn, batched};
        }
        final CaffeineFdb table = new CaffeineFdb(ENTRIES);
        for (int i = 0; i < ENTRIES; i++) {
            table.learn(FdbData.VNI, FdbData.presentMac(i), locations[i % FdbData.LOCATIONS], System.nanoTime());
        }
        final Op lookup = (macs, at, mask) -> {
            long s = 0;
            for (int i = 0; i < OPS_PER_ROUND; i++) {
                s += table.lookup(FdbData.VNI, macs[i & mask]) == null ? 1 : 2;
            }
            sink += s;
        };
        final Op relearn = (macs, at, mask) -> {
            long s = 0;
            for (int i = 0; i < OPS_PER_ROUND; i++) {
                final LearnResult r = table.learn(FdbData.VNI, macs[i & mask], at[i & mask], System.nanoTime());
                s += r.ordinal();
            }
            sink += s;
        };
        return new Op[] {lookup, lookup, relearn};
    }
}
