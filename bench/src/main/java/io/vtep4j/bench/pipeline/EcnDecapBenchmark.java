package io.vtep4j.bench.pipeline;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Ecn;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.InnerEcn;
import io.vtep4j.encap.VxlanCodec;
import io.vtep4j.encap.VxlanHeader;
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
 * What RFC 6040 decapsulation adds to a received VXLAN packet: the VXLAN header check, then the engine's ECN step as
 * the forwarder runs it ({@code (outerTos & 3) != 0 && InnerEcn.decapsulate(...)}).
 *
 * <ul>
 *   <li>{@code outer=none}: the step is not there at all (the path before it existed);
 *   <li>{@code outer=not-ect}: the outer header is Not-ECT, the common case: one test;
 *   <li>{@code outer=ce}: outer CE over an inner ECT(0) IPv4 packet: the inner TOS is marked CE and the header
 *       checksum updated (RFC 1624).
 * </ul>
 *
 * Every variant first restores the inner TOS word and checksum (so that {@code ce} marks afresh each time); all three
 * run in one JMH run, interleaved by {@code @Param}. Single-threaded benchmark state.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar EcnDecapBenchmark -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class EcnDecapBenchmark {

    private static final int TOS_WORD = VxlanHeader.LENGTH + Ethernet.HEADER_LENGTH;
    private static final int CHECKSUM = TOS_WORD + 10;

    /** The outer ECN field: {@code none} (no ECN step), {@code not-ect}, {@code ce}. */
    @Param({"none", "not-ect", "ce"})
    public String outer;

    /** Inner frame length in bytes (without FCS). */
    @Param({"64", "1400"})
    public int size;

    private final VxlanCodec codec = VxlanCodec.DEFAULT;
    private boolean step;
    private int outerTos;
    private ByteBuf packet;
    private int tosWord;
    private int checksum;

    /** Builds an inner IPv4 UDP packet with ECT(0) and a valid header checksum; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() {
        step = !outer.equals("none");
        outerTos = outer.equals("ce") ? Ecn.CE : Ecn.NOT_ECT;
        packet = VxlanPackets.ipv4Udp(100, 0x02B5_FF00_0001L, 0x02B5_0000_0001L, size);
        packet.setShort(TOS_WORD, 0x4500 | Ecn.ECT_0);
        packet.setShort(CHECKSUM, io.vtep4j.encap.InternetChecksum.of(packet, TOS_WORD, 20));
        tosWord = packet.getUnsignedShort(TOS_WORD);
        checksum = packet.getUnsignedShort(CHECKSUM);
        if (decapsulate() < 0 || (outer.equals("ce") && Ecn.ipv4(packet, TOS_WORD) != Ecn.CE)) {
            throw new IllegalStateException("the benchmark packet was not decapsulated as intended");
        }
    }

    /** Releases the packet; not thread-safe. */
    @TearDown(Level.Trial)
    public void tearDown() {
        packet.release();
    }

    /** Header check plus the ECN step; returns the VNI, or a drop code. */
    @Benchmark
    public int decapsulate() {
        packet.setShort(TOS_WORD, tosWord);
        packet.setShort(CHECKSUM, checksum);
        packet.readerIndex(0);
        int vni = codec.decapsulate(packet);
        if (step && (outerTos & Ecn.MASK) != 0) {
            int verdict = InnerEcn.decapsulate(packet, outerTos);
            if (verdict != InnerEcn.FORWARD) {
                return verdict;
            }
        }
        return vni;
    }
}
