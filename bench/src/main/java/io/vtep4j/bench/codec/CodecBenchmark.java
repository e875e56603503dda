package io.vtep4j.bench.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.encap.GreHeader;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.VxlanCodec;
import io.vtep4j.encap.VxlanHeader;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * VXLAN and NVGRE encapsulate / decapsulate on one pooled direct buffer, beside a baseline that copies the same
 * bytes (what an encapsulator that copies the frame behind a new header would pay at least).
 *
 * <p>Each operation first resets {@code readerIndex} (the codecs move it), so the loop measures the codec on a warm
 * buffer: no allocator, no socket. Encapsulation writes the header into the headroom in place; decapsulation
 * validates and moves {@code readerIndex}. {@code size} is the inner frame length. Single-threaded state.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar Codec -prof gc -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled")
public class CodecBenchmark {
    private static final int HEADROOM = 64;
    private static final int VNI = 0x808080;
    private static final int VSID = 0x123456;
    private static final int FLOW_ID = 0x01;

    /** Inner Ethernet frame length in bytes (without FCS). */
    @Param({"64", "1500"})
    public int size;

    private final VxlanCodec vxlan = VxlanCodec.DEFAULT;
    private final NvgreCodec nvgre = NvgreCodec.DEFAULT;
    private ByteBuf frame;
    private ByteBuf vxlanPacket;
    private ByteBuf nvgrePacket;
    private ByteBuf copyTarget;

    @Setup
    public void setUp() {
        frame = innerFrame(size);
        vxlanPacket = vxlan.encapsulate(innerFrame(size), VNI);
        nvgrePacket = nvgre.encapsulate(innerFrame(size), VSID, FLOW_ID);
        copyTarget = PooledByteBufAllocator.DEFAULT.directBuffer(HEADROOM + size + VxlanHeader.LENGTH);
    }

    @TearDown
    public void tearDown() {
        frame.release();
        vxlanPacket.release();
        nvgrePacket.release();
        copyTarget.release();
    }

    /** VXLAN header written in front of the frame, in place. */
    @Benchmark
    public ByteBuf vxlanEncapsulate() {
        frame.readerIndex(HEADROOM);
        return vxlan.encapsulate(frame, VNI);
    }

    /** VXLAN header validated, inner frame checked, readerIndex moved to it. */
    @Benchmark
    public int vxlanDecapsulate() {
        vxlanPacket.readerIndex(HEADROOM - VxlanHeader.LENGTH);
        return vxlan.decapsulate(vxlanPacket);
    }

    /** NVGRE header with an explicit FlowID written in front of the frame, in place. */
    @Benchmark
    public ByteBuf nvgreEncapsulate() {
        frame.readerIndex(HEADROOM);
        return nvgre.encapsulate(frame, VSID, FLOW_ID);
    }

    /** NVGRE header with the FlowID taken from the inner-flow hash (the default policy). */
    @Benchmark
    public ByteBuf nvgreEncapsulateHashedFlowId() {
        frame.readerIndex(HEADROOM);
        return nvgre.encapsulate(frame, VSID);
    }

    /** NVGRE header validated (flags, protocol, reserved VSID, inner frame), readerIndex moved. */
    @Benchmark
    public long nvgreDecapsulate() {
        nvgrePacket.readerIndex(HEADROOM - GreHeader.NVGRE_LENGTH);
        return nvgre.decapsulate(nvgrePacket);
    }

    /** The inner-flow hash that picks the VXLAN source port. */
    @Benchmark
    public int flowHashSourcePort() {
        frame.readerIndex(HEADROOM);
        return FlowHash.sourcePort(FlowHash.hash(frame));
    }

    /**
     * Baseline for {@link #flowHashSourcePort}: the same reset of the reader index and two reads of the indices, no
     * hash; what the hash adds is the difference.
     */
    @Benchmark
    public int flowHashBaseline() {
        frame.readerIndex(HEADROOM);
        return frame.readerIndex() ^ frame.writerIndex();
    }

    /** Baseline: copy header + frame into another buffer, as a copying encapsulator would. */
    @Benchmark
    public ByteBuf copyBaseline() {
        frame.readerIndex(HEADROOM);
        copyTarget.setBytes(HEADROOM, frame, HEADROOM - VxlanHeader.LENGTH, size + VxlanHeader.LENGTH);
        return copyTarget;
    }

    private static ByteBuf innerFrame(int size) {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(HEADROOM + size);
        buf.writerIndex(HEADROOM).readerIndex(HEADROOM);
        buf.writeShort(0x0200).writeInt(0x0000bb01); // destination MAC
        buf.writeShort(0x0200).writeInt(0x0000aa01); // source MAC
        buf.writeShort(Ethernet.TYPE_IPV4);
        buf.writeShort(0x4500)
                .writeShort(size - Ethernet.HEADER_LENGTH)
                .writeInt(0)
                .writeShort(0x4011)
                .writeShort(0)
                .writeInt(0x0a000001)
                .writeInt(0x0a000002); // IPv4, UDP
        buf.writeShort(40000).writeShort(53).writeShort(size - 34).writeShort(0); // UDP
        buf.writeZero(HEADROOM + size - buf.writerIndex());
        return buf;
    }
}
