package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.vtep4j.testing.Frames;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-written NVGRE header bytes (RFC 7637 §3.2), also the GRE-in-UDP payload header (RFC 8086). */
class NvgreGoldenTest {

    /** What Open vSwitch sends for {@code options:key=0x12345601} (see peers/ovs-nvgre-vsid123456-flow01.pcap). */
    private static final byte[] VSID_123456_FLOW_01 = {
        0x20, // C=0 R=0 K=1 S=0 s=0 Recur=0
        0x00, // Reserved0 = 0, Ver = 0
        0x65, // protocol type high: 0x6558 Transparent Ethernet Bridging
        0x58, // protocol type low
        0x12, // VSID bits 23..16
        0x34, // VSID bits 15..8
        0x56, // VSID bits 7..0
        0x01, // FlowID
    };

    private static final byte[] VSID_808080_FLOW_80 = {
        0x20, // K=1
        0x00, // version 0
        0x65, // protocol 0x6558
        0x58, // protocol 0x6558
        (byte) 0x80, // VSID bits 23..16: top bit of the VSID
        (byte) 0x80, // VSID bits 15..8
        (byte) 0x80, // VSID bits 7..0
        (byte) 0x80, // FlowID 0x80: must not bleed into the VSID
    };

    private static final byte[] VSID_FFFFFE_FLOW_FF = {
        0x20, // K=1
        0x00, // version 0
        0x65, // protocol 0x6558
        0x58, // protocol 0x6558
        (byte) 0xFF, // VSID bits 23..16
        (byte) 0xFF, // VSID bits 15..8
        (byte) 0xFE, // VSID bits 7..0: 0xFFFFFE, the largest unreserved VSID
        (byte) 0xFF, // FlowID 255
    };

    private static final byte[] VSID_001000_FLOW_00 = {
        0x20, // K=1
        0x00, // version 0
        0x65, // protocol 0x6558
        0x58, // protocol 0x6558
        0x00, // VSID bits 23..16
        0x10, // VSID bits 15..8
        0x00, // VSID bits 7..0: 0x1000, the smallest unreserved VSID
        0x00, // FlowID 0: "not generated"
    };

    @Test
    void encapsulatesToTheHandWrittenBytes() {
        assertEncodes(0x123456, 0x01, VSID_123456_FLOW_01);
        assertEncodes(0x808080, 0x80, VSID_808080_FLOW_80);
        assertEncodes(0xFFFFFE, 0xFF, VSID_FFFFFE_FLOW_FF);
        assertEncodes(0x001000, 0x00, VSID_001000_FLOW_00);
    }

    @Test
    void decapsulatesToVsidAndFlowId() {
        assertDecodes(VSID_123456_FLOW_01, 0x123456, 0x01);
        assertDecodes(VSID_808080_FLOW_80, 0x808080, 0x80);
        assertDecodes(VSID_FFFFFE_FLOW_FF, 0xFFFFFE, 0xFF);
        assertDecodes(VSID_001000_FLOW_00, 0x001000, 0x00);
    }

    @Test
    void fixedFlowIdPolicyIsWrittenInsteadOfTheHash() {
        NvgreCodec codec = NvgreCodec.builder().fixedFlowId(0x01).build();
        ByteBuf out = codec.encapsulate(
                Frames.frame(8, Frames.DST, Frames.SRC, Ethernet.TYPE_ARP, 28, new Random(1)), 0x123456);
        try {
            assertArrayEquals(VSID_123456_FLOW_01, Arrays.copyOf(Frames.bytes(out), 8));
        } finally {
            out.release();
        }
    }

    @Test
    void hashFlowIdPolicyWritesTheFlowIdOfTheInnerFrame() {
        ByteBuf frame = Frames.ipv4Udp(8, 64, 0x0a000001, 0x0a000002, 40000, 53);
        int expected = FlowHash.flowId(FlowHash.hash(frame));
        ByteBuf out = NvgreCodec.DEFAULT.encapsulate(frame, 0x123456);
        try {
            assertEquals(expected, GreHeader.flowId(out, out.readerIndex()));
        } finally {
            out.release();
        }
    }

    private static void assertEncodes(int vsid, int flowId, byte[] expected) {
        ByteBuf frame =
                Frames.frame(GreHeader.NVGRE_LENGTH, Frames.DST, Frames.SRC, Ethernet.TYPE_IPV6, 50, new Random(vsid));
        byte[] inner = Frames.bytes(frame);
        ByteBuf out = NvgreCodec.DEFAULT.encapsulate(frame, vsid, flowId);
        try {
            assertSame(frame, out, "written in place into the headroom");
            byte[] all = Frames.bytes(out);
            assertArrayEquals(expected, Arrays.copyOf(all, GreHeader.NVGRE_LENGTH));
            assertArrayEquals(inner, Arrays.copyOfRange(all, GreHeader.NVGRE_LENGTH, all.length));
        } finally {
            out.release();
        }
    }

    private static void assertDecodes(byte[] header, int vsid, int flowId) {
        ByteBuf buf = Frames.of(Frames.withFrame(header, 60));
        try {
            long key = NvgreCodec.DEFAULT.decapsulate(buf);
            assertEquals(vsid, (int) (key >>> 8));
            assertEquals(flowId, (int) (key & 0xFF));
            assertEquals(GreHeader.NVGRE_LENGTH, buf.readerIndex());
        } finally {
            buf.release();
        }
    }
}
