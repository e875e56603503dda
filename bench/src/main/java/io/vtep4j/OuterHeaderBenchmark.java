package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the outer-header rule adds per packet on the send path of a local frame: the forwarder's flow hash (which
 * every packet pays) plus, with {@code rule=inherit}, reading the inner TOS and TTL into the outer fields; with
 * {@code rule=plain} (the default rule) the segment has no per-packet rule and nothing is read. Both rules run in
 * one JMH run, interleaved by {@code @Param}. In package {@code io.vtep4j} to reach the package-private
 * {@code OuterHeader.fields}. Single-threaded benchmark state.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar OuterHeaderBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OuterHeaderBenchmark {

    /** {@code plain}: no per-packet rule (the default); {@code inherit}: TOS and TTL inherited. */
    @Param({"plain", "inherit"})
    public String rule;

    /** Inner frame length in bytes (without FCS). */
    @Param({"64", "1400"})
    public int size;

    private OuterHeader header;
    private ByteBuf frame;

    /** Builds an inner IPv4 UDP frame with DSCP EF, ECT(0) and TTL 64; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() {
        header = rule.equals("inherit")
                ? OuterHeader.builder().inheritTos().inheritTtl().build()
                : null;
        frame = PooledByteBufAllocator.DEFAULT.directBuffer(size);
        Ethernet.setMac(frame, 0, 0x02B5_FF00_0001L);
        frame.writerIndex(6);
        frame.writeLong(0x02B5_0000_0001L << 16 | Ethernet.TYPE_IPV4);
        frame.writerIndex(Ethernet.HEADER_LENGTH);
        frame.writeShort(0x45BA).writeShort(size - Ethernet.HEADER_LENGTH).writeInt(0x4000);
        frame.writeShort(0x4011).writeShort(0).writeInt(0xC0000201).writeInt(0xC0000202);
        frame.writeShort(10000)
                .writeShort(4789)
                .writeShort(size - Ethernet.HEADER_LENGTH - 20)
                .writeShort(0);
        frame.writeZero(size - frame.writerIndex());
    }

    /** Releases the frame; not thread-safe. */
    @TearDown(Level.Trial)
    public void tearDown() {
        frame.release();
    }

    /** The flow hash and the outer fields, as the forwarder computes them per frame; returns both mixed. */
    @Benchmark
    public int hashAndOuterFields() {
        int hash = FlowHash.hash(frame);
        OuterHeader oh = header;
        int outer = oh == null ? -1 : oh.fields(frame);
        return hash ^ outer;
    }
}
