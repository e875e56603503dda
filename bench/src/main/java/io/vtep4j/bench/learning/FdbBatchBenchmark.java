package io.vtep4j.bench.learning;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.LearnResult;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.LookupBatch;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Lookups one by one against lookups in batches of {@code batch} ({@link ForwardingTable#lookup(LookupBatch)}),
 * {@value #LOOKUPS} hits per invocation either way, so every score is per lookup and the two are directly comparable
 * in one run. Table and working sets as in {@link FdbBenchmark}: 1,000,000 MACs in one VNI, cycled through 1024 MACs
 * (cache-resident) or all of them (each lookup a likely cache and TLB miss). The {@code *HugePages} twins run the same
 * code in a JVM with {@code -XX:+UseTransparentHugePages}: with 4 KiB pages the table's 16 MiB of keys need a page
 * walk per random lookup, and a core walks only a few pages at once, which caps how many misses a batch overlaps.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar learning.FdbBatchBenchmark -p workingSet=1048576 -prof gc -f 2
 * -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FdbBatchBenchmark {

    /** Lookups per invocation: a multiple of every batch size. */
    static final int LOOKUPS = 64;

    /** Entries in the table. */
    @Param({"1000000"})
    public int entries;

    /** Distinct MACs cycled through (power of two, a multiple of {@value #LOOKUPS}). */
    @Param({"1024", "1048576"})
    public int workingSet;

    /** Lookups per batch (divides {@value #LOOKUPS}). */
    @Param({"16", "32", "64"})
    public int batch;

    private ForwardingTable table;
    private long[] hits;
    private int mask;
    private int next;
    private LookupBatch lookups;
    private final Location[] out = new Location[LOOKUPS];

    @Setup(Level.Trial)
    public void fill() {
        if (LOOKUPS % batch != 0) {
            throw new IllegalArgumentException("batch: " + batch + " (expected: a divisor of " + LOOKUPS + ")");
        }
        final Location[] locations = FdbData.locations();
        table = ForwardingTable.builder().maxEntries(entries).build();
        for (int i = 0; i < entries; i++) {
            final LearnResult r = table.learn(FdbData.VNI, FdbData.presentMac(i), locations[i % FdbData.LOCATIONS]);
            if (r != LearnResult.LEARNED) {
                throw new IllegalStateException("setup: " + r + " at " + i);
            }
        }
        final int[] order = FdbData.order(Math.min(entries, workingSet), workingSet);
        hits = new long[workingSet];
        for (int i = 0; i < workingSet; i++) {
            hits[i] = FdbData.presentMac(order[i]);
        }
        mask = workingSet - 1;
        lookups = new LookupBatch(batch);
    }

    /** {@value #LOOKUPS} lookups one after the other (today's receive path). */
    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public Location[] oneByOne() {
        final int base = next;
        next += LOOKUPS;
        for (int i = 0; i < LOOKUPS; i++) {
            out[i] = table.lookup(FdbData.VNI, hits[(base + i) & mask]);
        }
        return out;
    }

    /** The same {@value #LOOKUPS} lookups in batches of {@code batch}. */
    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    public Location[] batched() {
        final int base = next;
        next += LOOKUPS;
        for (int from = 0; from < LOOKUPS; from += batch) {
            lookups.clear();
            for (int i = 0; i < batch; i++) {
                lookups.add(FdbData.VNI, hits[(base + from + i) & mask]);
            }
            table.lookup(lookups);
            for (int i = 0; i < batch; i++) {
                out[from + i] = lookups.location(i);
            }
        }
        return out;
    }

    /** {@link #oneByOne()} with transparent huge pages. */
    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    @Fork(
            value = 1,
            jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+UseTransparentHugePages"})
    public Location[] oneByOneHugePages() {
        return oneByOne();
    }

    /** {@link #batched()} with transparent huge pages. */
    @Benchmark
    @OperationsPerInvocation(LOOKUPS)
    @Fork(
            value = 1,
            jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+UseTransparentHugePages"})
    public Location[] batchedHugePages() {
        return batched();
    }
}
