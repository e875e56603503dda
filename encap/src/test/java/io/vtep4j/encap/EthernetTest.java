package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vtep4j.testing.Frames;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Ethernet and 802.1Q accessors and the in-place tag push / pop the gateway relies on. */
class EthernetTest {

    @Test
    void readsMacsEtherTypeAndVlanOfTaggedAndUntaggedFrames() {
        ByteBuf untagged = Frames.of(ByteBufUtil.decodeHexDump("ffffffffffff" + "0200000000aa" + "0806" + "00"));
        ByteBuf qinq = Frames.of(ByteBufUtil.decodeHexDump(
                "01005e000001" + "0200000000aa" + "88a8" + "0064" + "8100" + "20c8" + "86dd" + "00"));
        try {
            assertEquals(0xFFFF_FFFF_FFFFL, Ethernet.destinationMac(untagged, 0));
            assertEquals(0x0200_0000_00aaL, Ethernet.sourceMac(untagged, 0));
            assertEquals(Ethernet.TYPE_ARP, Ethernet.etherType(untagged, 0));
            assertEquals(-1, Ethernet.vlanId(untagged, 0));
            assertFalse(Ethernet.isTagged(untagged, 0));
            assertEquals(100, Ethernet.vlanId(qinq, 0), "outermost tag");
            assertEquals(Ethernet.TYPE_IPV6, Ethernet.etherType(qinq, 0), "after both tags");
            assertEquals(22, Ethernet.payloadOffset(qinq, 0));
            assertTrue(Ethernet.isGroup(Ethernet.destinationMac(qinq, 0)));
            assertTrue(Ethernet.isGroup(0xFFFF_FFFF_FFFFL));
            assertFalse(Ethernet.isGroup(0x0200_0000_00aaL));
        } finally {
            untagged.release();
            qinq.release();
        }
    }

    @Test
    void aMacWiderThan48BitsIsRefusedNotCut() {
        ByteBuf frame = Frames.of(new byte[14]);
        try {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Ethernet.setMac(frame, 0, 0x1_0200_0000_00AAL));
            assertEquals("mac: 0x10200000000aa (expected: 48 bits, 0..0xffffffffffff)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Ethernet.setMac(frame, 0, -1L));
            assertEquals(0, Ethernet.mac(frame, 0), "nothing written");
            Ethernet.setMac(frame, 0, 0xFFFF_FFFF_FFFFL);
            assertEquals(0xFFFF_FFFF_FFFFL, Ethernet.mac(frame, 0));
        } finally {
            frame.release();
        }
    }

    @Test
    void truncatedTagGivesMinusOneNotAnException() {
        ByteBuf cut = Frames.of(ByteBufUtil.decodeHexDump("ffffffffffff" + "0200000000aa" + "8100" + "00"));
        try {
            assertEquals(-1, Ethernet.etherType(cut, 0));
            assertEquals(-1, Ethernet.vlanId(cut, 0));
            assertEquals(-1, Ethernet.popVlanTag(cut));
        } finally {
            cut.release();
        }
    }

    @Test
    void pushThenPopIsIdentityAndInPlaceWithHeadroom() {
        Random random = new Random(3);
        ByteBuf frame = Frames.frame(4, Frames.DST, Frames.SRC, Ethernet.TYPE_IPV4, 46, random);
        byte[] original = Frames.bytes(frame);
        ByteBuf tagged = Ethernet.pushVlanTag(frame, 4094);
        try {
            assertSame(frame, tagged);
            assertEquals(original.length + 4, tagged.readableBytes());
            assertEquals(4094, Ethernet.vlanId(tagged, tagged.readerIndex()));
            assertEquals(Frames.DST, Ethernet.destinationMac(tagged, tagged.readerIndex()));
            assertEquals(Frames.SRC, Ethernet.sourceMac(tagged, tagged.readerIndex()));
            assertEquals(Ethernet.TYPE_IPV4, Ethernet.etherType(tagged, tagged.readerIndex()));
            assertEquals(4094, Ethernet.popVlanTag(tagged));
            assertArrayEquals(original, Frames.bytes(tagged));
            assertEquals(-1, Ethernet.popVlanTag(tagged), "nothing left to pop");
        } finally {
            tagged.release();
        }
    }

    @Test
    void pushWithoutHeadroomCopiesAndReleasesTheOriginal() {
        ByteBuf frame = Frames.frame(0, Frames.DST, Frames.SRC, Ethernet.TYPE_ARP, 28, new Random(4));
        ByteBuf tagged = Ethernet.pushVlanTag(frame, 7);
        try {
            assertNotSame(frame, tagged);
            assertEquals(0, frame.refCnt());
            assertEquals(7, Ethernet.vlanId(tagged, tagged.readerIndex()));
        } finally {
            tagged.release();
        }
    }

    @Test
    void pushRejectsBadVlanIdsWithoutTakingTheFrame() {
        ByteBuf frame = Frames.frame(4, Frames.DST, Frames.SRC, Ethernet.TYPE_ARP, 28, new Random(5));
        try {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> Ethernet.pushVlanTag(frame, 4096));
            assertEquals("vlanId: 4096 (expected: 0..4095)", e.getMessage());
            assertEquals(1, frame.refCnt());
        } finally {
            frame.release();
        }
    }
}
