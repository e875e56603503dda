package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.vtep4j.testing.Frames;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hand-written VXLAN header bytes (RFC 7348 §5) for the VNIs whose bytes are easiest to get wrong. */
class VxlanGoldenTest {

    private static final byte[] VNI_0 = {
        0x08, // flags: I = 1, all else 0
        0x00, // reserved
        0x00, // reserved
        0x00, // reserved
        0x00, // VNI bits 23..16
        0x00, // VNI bits 15..8
        0x00, // VNI bits 7..0
        0x00, // reserved
    };

    private static final byte[] VNI_1 = {
        0x08, // flags: I
        0x00, // reserved
        0x00, // reserved
        0x00, // reserved
        0x00, // VNI bits 23..16
        0x00, // VNI bits 15..8
        0x01, // VNI bits 7..0 = 1
        0x00, // reserved
    };

    private static final byte[] VNI_0X80 = {
        0x08, // flags: I
        0x00, // reserved
        0x00, // reserved
        0x00, // reserved
        0x00, // VNI bits 23..16
        0x00, // VNI bits 15..8
        (byte) 0x80, // VNI bits 7..0: high bit of the low byte (sign-extension trap)
        0x00, // reserved
    };

    private static final byte[] VNI_0X8080 = {
        0x08, // flags: I
        0x00, // reserved
        0x00, // reserved
        0x00, // reserved
        0x00, // VNI bits 23..16
        (byte) 0x80, // VNI bits 15..8
        (byte) 0x80, // VNI bits 7..0
        0x00, // reserved
    };

    private static final byte[] VNI_0X808080 = {
        0x08, // flags: I
        0x00, // reserved
        0x00, // reserved
        0x00, // reserved
        (byte) 0x80, // VNI bits 23..16: top bit of the 24-bit field (> 0x7FFFFF)
        (byte) 0x80, // VNI bits 15..8
        (byte) 0x80, // VNI bits 7..0
        0x00, // reserved
    };

    private static final byte[] VNI_0XFFFFFF = {
        0x08, // flags: I
        0x00, // reserved
        0x00, // reserved
        0x00, // reserved
        (byte) 0xFF, // VNI bits 23..16
        (byte) 0xFF, // VNI bits 15..8
        (byte) 0xFF, // VNI bits 7..0: VNI 16,777,215, the largest
        0x00, // reserved: must not receive VNI bits
    };

    @Test
    void encapsulatesEachGoldenVniToTheHandWrittenBytes() {
        assertEncodes(0, VNI_0);
        assertEncodes(1, VNI_1);
        assertEncodes(0x80, VNI_0X80);
        assertEncodes(0x8080, VNI_0X8080);
        assertEncodes(0x808080, VNI_0X808080);
        assertEncodes(0xFFFFFF, VNI_0XFFFFFF);
    }

    @Test
    void decapsulatesEachGoldenHeaderToItsVni() {
        assertDecodes(VNI_0, 0);
        assertDecodes(VNI_1, 1);
        assertDecodes(VNI_0X80, 0x80);
        assertDecodes(VNI_0X8080, 0x8080);
        assertDecodes(VNI_0X808080, 0x808080);
        assertDecodes(VNI_0XFFFFFF, 0xFFFFFF);
    }

    @Test
    void staticAccessorsReadAndWriteTheSameBytes() {
        ByteBuf buf = Frames.of(new byte[8]);
        try {
            VxlanHeader.set(buf, 0, 0x808080);
            assertArrayEquals(VNI_0X808080, Frames.bytes(buf));
            assertEquals(0x808080, VxlanHeader.vni(buf, 0));
            assertEquals(VxlanHeader.I_FLAG, VxlanHeader.flags(buf, 0));
        } finally {
            buf.release();
        }
    }

    private static void assertEncodes(int vni, byte[] expectedHeader) {
        ByteBuf frame =
                Frames.frame(VxlanHeader.LENGTH, Frames.DST, Frames.SRC, Ethernet.TYPE_ARP, 28, new Random(vni));
        byte[] inner = Frames.bytes(frame);
        ByteBuf out = VxlanCodec.DEFAULT.encapsulate(frame, vni);
        try {
            assertSame(frame, out, "written in place into the headroom");
            byte[] all = Frames.bytes(out);
            byte[] header = java.util.Arrays.copyOf(all, VxlanHeader.LENGTH);
            assertArrayEquals(expectedHeader, header, "header for VNI " + vni);
            assertArrayEquals(inner, java.util.Arrays.copyOfRange(all, VxlanHeader.LENGTH, all.length));
        } finally {
            out.release();
        }
    }

    private static void assertDecodes(byte[] header, int vni) {
        ByteBuf buf = Frames.of(Frames.withFrame(header, 42));
        try {
            assertEquals(vni, VxlanCodec.DEFAULT.decapsulate(buf));
            assertEquals(VxlanHeader.LENGTH, buf.readerIndex());
            assertEquals(42, buf.readableBytes());
        } finally {
            buf.release();
        }
    }
}
