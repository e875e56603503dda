package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.DropReason;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The outer headers the AF_XDP underlay writes (golden bytes) and every check it makes on what it reads. */
class UdpFrameTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_01L;
    private static final long PEER_MAC = 0x02_00_00_00_00_02L;
    private static final int OURS = 0x0A630101; // 10.99.1.1
    private static final int PEER = 0x0A630102; // 10.99.1.2
    private static final int PORT = 4789;
    private static final int AT = 256; // frames start after headroom, as in a UMEM chunk

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** A frame from PEER to OURS:PORT with an 8-byte payload, as the peer would send it (written by writeHeaders). */
    private static ByteBuf frame(boolean df) {
        ByteBuf buf = Unpooled.buffer(2048).writerIndex(2048);
        UdpFrame.writeHeaders(buf, AT, OUR_MAC, PEER_MAC, PEER, OURS, 50000, PORT, 8, 0xB8 << 8 | 64, df, 7);
        buf.setLong(AT + UdpFrame.PAYLOAD_OFFSET, 0x0800000000138800L); // VXLAN header, VNI 5000
        return buf;
    }

    private static DropReason check(ByteBuf buf, int length) {
        return UdpFrame.check(buf, AT, length, OUR_MAC, OURS, PORT);
    }

    @Test
    void writesEthernetIpv4AndUdpHeadersWithTheIpChecksumAndAZeroUdpChecksum() {
        ByteBuf buf = Unpooled.buffer(64).writerIndex(64);
        UdpFrame.writeHeaders(buf, 0, PEER_MAC, OUR_MAC, OURS, PEER, 50000, PORT, 58, 0xB8 << 8 | 64, true, 0x1234);
        assertArrayEquals(
                bytes(
                        0x02, 0, 0, 0, 0, 0x02, // destination MAC: the next hop
                        0x02, 0, 0, 0, 0, 0x01, // source MAC: ours
                        0x08, 0x00, // EtherType IPv4
                        0x45, 0xB8, 0x00, 0x56, // version 4, IHL 5, TOS 0xb8 (EF), total length 20 + 8 + 58 = 86
                        0x12, 0x34, 0x40, 0x00, // id, DF, offset 0
                        0x40, 0x11, 0x10, 0xE3, // TTL 64, UDP, header checksum
                        0x0A, 0x63, 0x01, 0x01, // source 10.99.1.1
                        0x0A, 0x63, 0x01, 0x02, // destination 10.99.1.2
                        0xC3, 0x50, 0x12, 0xB5, // source port 50000, destination port 4789
                        0x00, 0x42, 0x00, 0x00), // UDP length 66, checksum 0 (RFC 7348 §5)
                ByteBufUtil.getBytes(buf, 0, UdpFrame.PAYLOAD_OFFSET));
        assertEquals(0xFFFF, UdpFrame.fold(UdpFrame.sum(buf, UdpFrame.IP_OFFSET, 20)), "the header adds up");
    }

    @Test
    void dontFragmentIsLeftOutWhenNotAskedFor() {
        assertEquals(0, frame(false).getShort(AT + UdpFrame.FRAGMENT_OFFSET));
        assertNull(check(frame(false), UdpFrame.PAYLOAD_OFFSET + 8));
    }

    @Test
    void acceptsAWellFormedFrameAndReadsItsFields() {
        ByteBuf buf = frame(true);
        assertNull(check(buf, UdpFrame.PAYLOAD_OFFSET + 8));
        assertNull(check(buf, 60 + 4), "Ethernet padding after the datagram is fine");
        assertEquals(8, UdpFrame.payloadLength(buf, AT));
        assertEquals(0xB8, UdpFrame.tos(buf, AT));
        assertEquals(PEER, UdpFrame.source(buf, AT));
    }

    @Test
    void aCorrectNonZeroUdpChecksumIsAcceptedAndAWrongOneDropped() {
        ByteBuf buf = frame(true);
        // RFC 768: pseudo header (addresses, protocol, UDP length) + UDP header + payload
        long sum = UdpFrame.sum(buf, AT + UdpFrame.SOURCE_OFFSET, 8) + 17 + 16 + UdpFrame.sum(buf, AT + 34, 16);
        buf.setShort(AT + UdpFrame.UDP_CHECKSUM_OFFSET, ~UdpFrame.fold(sum));
        assertNull(check(buf, UdpFrame.PAYLOAD_OFFSET + 8));
        buf.setByte(AT + UdpFrame.PAYLOAD_OFFSET + 7, 1);
        assertEquals(DropReason.OUTER_UDP_CHECKSUM_BAD, check(buf, UdpFrame.PAYLOAD_OFFSET + 8));
    }

    @Test
    void aChecksumLeftPartialByTheSendersOffloadIsAccepted() {
        ByteBuf buf = frame(true);
        long pseudo = UdpFrame.sum(buf, AT + UdpFrame.SOURCE_OFFSET, 8) + 17 + 16; // addresses, protocol, length
        buf.setShort(AT + UdpFrame.UDP_CHECKSUM_OFFSET, UdpFrame.fold(pseudo));
        assertNull(check(buf, UdpFrame.PAYLOAD_OFFSET + 8), "what Linux writes for CHECKSUM_PARTIAL");
        buf.setShort(AT + UdpFrame.UDP_CHECKSUM_OFFSET, UdpFrame.fold(pseudo) + 1);
        assertEquals(DropReason.OUTER_UDP_CHECKSUM_BAD, check(buf, UdpFrame.PAYLOAD_OFFSET + 8));
    }

    /** One malformed variant: what is changed, the length the kernel reports, the reason it is dropped for. */
    private static void assertDropped(DropReason expected, int length, Consumer<ByteBuf> change) {
        ByteBuf buf = frame(true);
        change.accept(buf);
        assertEquals(expected, check(buf, length));
    }

    /** After changing an IPv4 header field the checksum is made right again, so only the field's own check fires. */
    private static void reseal(ByteBuf buf) {
        buf.setShort(AT + UdpFrame.IP_CHECKSUM_OFFSET, 0);
        buf.setShort(AT + UdpFrame.IP_CHECKSUM_OFFSET, ~UdpFrame.fold(UdpFrame.sum(buf, AT + UdpFrame.IP_OFFSET, 20)));
    }

    @Test
    void dropsEveryMalformedFrameUnderItsReason() {
        int full = UdpFrame.PAYLOAD_OFFSET + 8;
        assertDropped(DropReason.OUTER_ETHERNET_MALFORMED, 41, b -> {});
        assertDropped(DropReason.OUTER_ETHERNET_MALFORMED, full, b -> b.setShort(AT + 12, 0x86DD));
        assertDropped(DropReason.OUTER_ETHERNET_MALFORMED, full, b -> b.setShort(AT + 12, 0x8100));
        assertDropped(DropReason.WRONG_DESTINATION, full, b -> b.setByte(AT + 5, 9)); // another host's MAC
        assertDropped(DropReason.OUTER_IPV4_MALFORMED, full, b -> {
            b.setByte(AT + 14, 0x46); // IHL 6
            reseal(b);
        });
        assertDropped(DropReason.OUTER_IPV4_MALFORMED, full, b -> {
            b.setShort(AT + UdpFrame.TOTAL_LENGTH_OFFSET, 27); // shorter than IPv4 + UDP
            reseal(b);
        });
        assertDropped(DropReason.OUTER_IPV4_MALFORMED, full - 1, b -> {}); // total length beyond the frame
        assertDropped(DropReason.OUTER_IPV4_MALFORMED, full, b -> {
            b.setByte(AT + UdpFrame.PROTOCOL_OFFSET, 6);
            reseal(b);
        });
        assertDropped(DropReason.OUTER_IPV4_FRAGMENT, full, b -> {
            b.setShort(AT + UdpFrame.FRAGMENT_OFFSET, 0x2000); // MF
            reseal(b);
        });
        assertDropped(DropReason.OUTER_IPV4_FRAGMENT, full, b -> {
            b.setShort(AT + UdpFrame.FRAGMENT_OFFSET, 0x0001); // offset 8
            reseal(b);
        });
        assertDropped(DropReason.OUTER_IPV4_CHECKSUM_BAD, full, b -> b.setByte(AT + UdpFrame.TTL_OFFSET, 63));
        assertDropped(DropReason.WRONG_DESTINATION, full, b -> {
            b.setInt(AT + UdpFrame.DESTINATION_OFFSET, OURS + 1);
            reseal(b);
        });
        assertDropped(DropReason.WRONG_DESTINATION, full, b -> b.setShort(AT + 36, 4790));
        for (int source : new int[] {0, 0x7F000001, 0xE0000001, 0xF0000001, 0xFFFFFFFF, OURS}) {
            assertDropped(DropReason.OUTER_SOURCE_INVALID, full, b -> {
                b.setInt(AT + UdpFrame.SOURCE_OFFSET, source);
                reseal(b);
            });
        }
        assertDropped(DropReason.OUTER_UDP_MALFORMED, full, b -> b.setShort(AT + UdpFrame.UDP_LENGTH_OFFSET, 7));
        assertDropped(DropReason.OUTER_UDP_MALFORMED, full, b -> b.setShort(AT + UdpFrame.UDP_LENGTH_OFFSET, 17));
    }
}
