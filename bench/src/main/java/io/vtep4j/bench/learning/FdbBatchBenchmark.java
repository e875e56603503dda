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
 * Lookups one by one against lookups in a batch ({@link ForwardingTable#lookup(LookupBatch)}), {@value #BATCH} hits
 * per invocation, so every score is per lookup. Table and working sets as in {@link FdbBenchmark}: 1,000,000 MACs in
 * one VNI, cycled through 1024 MACs (cache-resident) or all of them (each lookup a likely DRAM miss).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar learning.FdbBatchBenchmark -prof gc -f 1 -wi 3 -w 1s -i 5 -r
 * 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FdbBatchBenchmark {

    /** Lookups per invocation: one receive batch. */
    static final int BATCH = 32;

    /** Entries in the table. */
    @Param({"1000000"})
    public int entries;

    /** Distinct MACs cycled through (power of two, a multiple of the batch). */
    @Param({"1024", "1048576"})
    public int workingSet;

    private ForwardingTable table;
    private long[] hits;
    private int mask;
    private int next;
    private final LookupBatch batch = new LookupBatch(BATCH);
    private final Location[] out = new Location[BATCH];

    @Setup(Level.Trial)
    public void fill() {
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
    }

    /** {@value #BATCH} lookups one after the other (today's receive path). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public Location[] oneByOne() {
        final int base = next;
        next += BATCH;
        for (int i = 0; i < BATCH; i++) {
            out[i] = table.lookup(FdbData.VNI, hits[(base + i) & mask]);
        }
        return out;
    }

    /** The same {@value #BATCH} lookups as one batch. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public LookupBatch batched() {
        final int base = next;
        next += BATCH;
        batch.clear();
        for (int i = 0; i < BATCH; i++) {
            batch.add(FdbData.VNI, hits[(base + i) & mask]);
        }
        table.lookup(batch);
        return batch;
    }
}
