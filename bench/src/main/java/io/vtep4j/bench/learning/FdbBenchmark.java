package io.vtep4j.bench.learning;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.LearnResult;
import io.vtep4j.learning.Location;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Forwarding-table fast path at 1,000,000 entries in one VNI: lookup hit, lookup miss, and re-learning a known MAC
 * at the same location (what nearly every packet does). {@code impl} is the primitive open-addressing table that
 * ships ({@code primitive}) or a Caffeine cache doing the same job ({@code caffeine}). {@code workingSet} is how
 * many distinct MACs the loop cycles through in a fixed random order: 1024 (hot, cache-resident, like a few busy
 * flows) or 1048576 (every entry, each access a likely cache miss). Single-threaded state; both tables read the
 * real clock ({@code System.nanoTime}) on learn.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar learning.FdbBenchmark -prof gc -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class FdbBenchmark {

    /** Table implementation under test. */
    @Param({"primitive", "caffeine"})
    public String impl;

    /** Entries in the table. */
    @Param({"1000000"})
    public int entries;

    /** Distinct MACs cycled through by the loop (power of two). */
    @Param({"1024", "1048576"})
    public int workingSet;

    private ForwardingTable table;
    private CaffeineFdb caffeine;
    private boolean primitive;
    private long[] hits;
    private long[] misses;
    private Location[] at;
    private int mask;
    private int next;

    @Setup(Level.Trial)
    public void fill() {
        final Location[] locations = FdbData.locations();
        primitive = "primitive".equals(impl);
        if (primitive) {
            table = ForwardingTable.builder().maxEntries(entries).build();
        } else {
            caffeine = new CaffeineFdb(entries);
        }
        for (int i = 0; i < entries; i++) {
            final long mac = FdbData.presentMac(i);
            final Location where = locations[i % FdbData.LOCATIONS];
            final LearnResult r = primitive
                    ? table.learn(FdbData.VNI, mac, where)
                    : caffeine.learn(FdbData.VNI, mac, where, System.nanoTime());
            if (r != LearnResult.LEARNED) {
                throw new IllegalStateException("setup: " + r + " at " + i);
            }
        }
        final int[] order = FdbData.order(Math.min(entries, workingSet), workingSet);
        hits = new long[workingSet];
        misses = new long[workingSet];
        at = new Location[workingSet];
        for (int i = 0; i < workingSet; i++) {
            hits[i] = FdbData.presentMac(order[i]);
            misses[i] = FdbData.absentMac(order[i]);
            at[i] = locations[order[i] % FdbData.LOCATIONS];
        }
        mask = workingSet - 1;
    }

    @Benchmark
    public Location lookupHit() {
        final int i = next++ & mask;
        return primitive ? table.lookup(FdbData.VNI, hits[i]) : caffeine.lookup(FdbData.VNI, hits[i]);
    }

    @Benchmark
    public Location lookupMiss() {
        final int i = next++ & mask;
        return primitive ? table.lookup(FdbData.VNI, misses[i]) : caffeine.lookup(FdbData.VNI, misses[i]);
    }

    /** Baseline: one read of the clock both tables use on learn. */
    @Benchmark
    public long clockRead() {
        return System.nanoTime();
    }

    @Benchmark
    public LearnResult relearnSameLocation() {
        final int i = next++ & mask;
        return primitive
                ? table.learn(FdbData.VNI, hits[i], at[i])
                : caffeine.learn(FdbData.VNI, hits[i], at[i], System.nanoTime());
    }
}
