package io.vtep4j.encap;

import static io.vtep4j.encap.Ecn.CE;
import static io.vtep4j.encap.Ecn.ECT_0;
import static io.vtep4j.encap.Ecn.ECT_1;
import static io.vtep4j.encap.Ecn.NOT_ECT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** RFC 6040 §4.2 applied to whole decapsulated frames, byte by byte. */
class InnerEcnTest {

    private static final String MACS = "020000000001" + "020000000002";
    /** 10.50.1.2 -> 10.50.1.1, TOS 0xb8 (DSCP EF) with the ECN bits of the test, DF, TTL 64, UDP, 8-byte payload. */
    private static final String IPV4_HEADER_AFTER_TOS = "001c1234400040110000" + "0a3201020a320101";

    private static final int DROP = DropReason.ECN_CE_NOT_ECT.code();

    @ParameterizedTest(name = "outer {0}, inner {1} -> {2}")
    @CsvSource({
        "0, 2, 2", "2, 2, 2", "2, 0, 0", "1, 2, 1", "1, 0, 0", "1, 3, 3", "3, 2, 3", "3, 1, 3", "3, 3, 3", "0, 3, 3",
    })
    void ipv4InnerFieldFollowsTheTableWithAValidChecksum(int outer, int inner, int expected) {
        ByteBuf frame = ipv4Frame("0800", inner);
        int l3 = Ethernet.HEADER_LENGTH;
        byte[] before = ByteBufUtil.getBytes(frame);

        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(frame, 0xb8 | outer));

        assertEquals(0xb8 | expected, frame.getUnsignedByte(l3 + 1), ByteBufUtil.hexDump(frame));
        assertEquals(0, InternetChecksum.of(frame, l3, Ipv4Header.MIN_LENGTH), "header checksum still valid");
        byte[] after = ByteBufUtil.getBytes(frame);
        for (int i = 0; i < after.length; i++) {
            if (i != l3 + 1 && i != l3 + 10 && i != l3 + 11) {
                assertEquals(before[i], after[i], "byte " + i + " is neither the TOS nor the checksum");
            }
        }
        assertEquals(0, frame.readerIndex());
        assertEquals(before.length, frame.writerIndex());
        frame.release();
    }

    @Test
    void ceMarkOnIpv4IsTheExactBytesAndTheFullChecksum() {
        ByteBuf frame = ipv4Frame("0800", ECT_0);
        ByteBuf expected = ipv4Frame("0800", CE);

        InnerEcn.decapsulate(frame, CE);

        assertEquals(ByteBufUtil.hexDump(expected), ByteBufUtil.hexDump(frame));
        frame.release();
        expected.release();
    }

    @Test
    void ceMarkBehindAnEight021qTagReachesTheIpv4Header() {
        ByteBuf frame = ipv4Frame("8100006408" + "00", ECT_1);
        int l3 = Ethernet.HEADER_LENGTH + Ethernet.VLAN_TAG_LENGTH;

        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(frame, CE));

        assertEquals(0xb8 | CE, frame.getUnsignedByte(l3 + 1));
        assertEquals(0, InternetChecksum.of(frame, l3, Ipv4Header.MIN_LENGTH));
        assertEquals(0x0064, frame.getUnsignedShort(14), "VLAN tag untouched");
        frame.release();
    }

    @Test
    void ipv6TrafficClassGetsCeAndTheFlowLabelStays() {
        // version 6, traffic class 0xba (EF, ECT(0)), flow label 0x12345, payload 8, UDP, hop limit 64
        ByteBuf frame = frame("86dd", "6ba12345" + "00081140" + "20010db8".repeat(4) + "20010db9".repeat(4) + "00");

        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(frame, CE));

        assertEquals("6bb12345", ByteBufUtil.hexDump(frame, Ethernet.HEADER_LENGTH, 4));
        assertEquals(CE, Ecn.ipv6(frame, Ethernet.HEADER_LENGTH));
        frame.release();
    }

    @Test
    void outerEct1TurnsInnerEct0IntoEct1OnIpv6() {
        ByteBuf frame = frame("86dd", "60212345" + "00081140" + "20010db8".repeat(8) + "00");

        InnerEcn.decapsulate(frame, ECT_1);

        assertEquals(ECT_1, Ecn.ipv6(frame, Ethernet.HEADER_LENGTH));
        frame.release();
    }

    @Test
    void ceOverNotEctIsADropAndLeavesTheFrameAsItWas() {
        ByteBuf v4 = ipv4Frame("0800", NOT_ECT);
        ByteBuf v6 = frame("86dd", "60012345" + "00081140" + "20010db8".repeat(8) + "00");
        byte[] v4Before = ByteBufUtil.getBytes(v4);
        byte[] v6Before = ByteBufUtil.getBytes(v6);

        assertEquals(DROP, InnerEcn.decapsulate(v4, CE));
        assertEquals(DROP, InnerEcn.decapsulate(v6, 0xfc | CE));
        assertEquals(DropReason.ECN_CE_NOT_ECT, DropReason.fromCode(DROP));

        assertArrayEquals(v4Before, ByteBufUtil.getBytes(v4));
        assertArrayEquals(v6Before, ByteBufUtil.getBytes(v6));
        v4.release();
        v6.release();
    }

    @Test
    void outerNotEctOrEct0LeavesNotEctInnerPacketsAlone() {
        ByteBuf frame = ipv4Frame("0800", NOT_ECT);
        byte[] before = ByteBufUtil.getBytes(frame);

        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(frame, NOT_ECT));
        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(frame, ECT_0));
        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(frame, ECT_1));

        assertArrayEquals(before, ByteBufUtil.getBytes(frame));
        frame.release();
    }

    @Test
    void nonIpFramesGoOnUnchangedEvenUnderCe() {
        // an ARP request, and an IPv4 EtherType whose first nibble is not version 4
        ByteBuf arp = frame("0806", "0001080006040001" + "020000000002" + "0a320102" + "000000000000" + "0a320101");
        ByteBuf notV4 = frame("0800", "65" + "00" + IPV4_HEADER_AFTER_TOS);
        byte[] arpBefore = ByteBufUtil.getBytes(arp);
        byte[] notV4Before = ByteBufUtil.getBytes(notV4);

        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(arp, CE));
        assertEquals(InnerEcn.FORWARD, InnerEcn.decapsulate(notV4, CE));

        assertArrayEquals(arpBefore, ByteBufUtil.getBytes(arp));
        assertArrayEquals(notV4Before, ByteBufUtil.getBytes(notV4));
        arp.release();
        notV4.release();
    }

    @Test
    void truncatedFramesNeitherThrowNorChange() {
        ByteBuf full = ipv4Frame("8100006408" + "00", ECT_0);
        ByteBuf v6 = frame("86dd", "60212345" + "00081140" + "20010db8".repeat(8) + "00");
        for (ByteBuf whole : new ByteBuf[] {full, v6}) {
            for (int length = 0; length < whole.readableBytes(); length++) {
                ByteBuf cut = whole.copy(0, length);
                int headerEnd = whole == full ? 18 + Ipv4Header.MIN_LENGTH : Ethernet.HEADER_LENGTH + 40;
                int result = InnerEcn.decapsulate(cut, CE);
                assertEquals(InnerEcn.FORWARD, result, "length " + length);
                if (length < headerEnd) {
                    assertArrayEquals(ByteBufUtil.getBytes(whole, 0, length), ByteBufUtil.getBytes(cut), "" + length);
                }
                cut.release();
            }
        }
        full.release();
        v6.release();
    }

    @Test
    void aFrameStartingPastIndexZeroIsReadFromItsReaderIndex() {
        ByteBuf packet = Unpooled.buffer();
        packet.writeZero(8); // a tunnel header in front, already skipped
        ByteBuf frame = ipv4Frame("0800", ECT_0);
        packet.writeBytes(frame);
        packet.readerIndex(8);

        InnerEcn.decapsulate(packet, CE);

        assertEquals(0xb8 | CE, packet.getUnsignedByte(8 + Ethernet.HEADER_LENGTH + 1));
        assertEquals(8, packet.readerIndex());
        packet.release();
        frame.release();
    }

    /** An Ethernet frame with an IPv4 header (TOS 0xb8 | {@code ecn}, valid checksum) and 8 bytes of payload. */
    private static ByteBuf ipv4Frame(String typeAndTags, int ecn) {
        String tos = String.format("%02x", 0xb8 | ecn);
        ByteBuf frame = frame(typeAndTags, "45" + tos + IPV4_HEADER_AFTER_TOS + "0000000000000000");
        int l3 = Ethernet.payloadOffset(frame, 0);
        frame.setShort(l3 + Ipv4Header.CHECKSUM_OFFSET, InternetChecksum.of(frame, l3, Ipv4Header.MIN_LENGTH));
        return frame;
    }

    private static ByteBuf frame(String typeAndTags, String payloadHex) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(MACS + typeAndTags + payloadHex));
    }
}
