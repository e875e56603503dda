package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vtep4j.encap.InternetChecksum;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Golden ICMP / ICMPv6 answers to frames too big for the tunnel, byte by byte, and the frames that get none. */
class PacketTooBigTest {

    private static final UnpooledByteBufAllocator ALLOC = new UnpooledByteBufAllocator(false);
    /** 1500-byte underlay, IPv4 + UDP (28) + VXLAN (8): frames up to 1464 bytes fit, IP packets up to 1450. */
    private static final int MAX_FRAME = 1500 - 28 - 8;

    private static final String HOST_MAC = "020000000001";
    private static final String ROUTER_MAC = "020000000002";

    /** 10.50.1.1 -> 10.50.1.2, UDP 54321 -> 53, DF, 4 bytes of data: 32 bytes. */
    private static final String IPV4_UDP_DF = "45" // version 4, IHL 5
            + "00" // TOS
            + "0020" // total length 32
            + "1234" // identification
            + "4000" // DF, offset 0
            + "40" // TTL 64
            + "11" // UDP
            + "1233" // header checksum
            + "0a320101" // 10.50.1.1
            + "0a320102" // 10.50.1.2
            + "d4310035000c0000" // UDP 54321 -> 53, length 12, no checksum
            + "deadbeef";

    @Test
    void answersIpv4WithDfByFragmentationNeededFromTheDestination() {
        ByteBuf frame = frame(ROUTER_MAC, HOST_MAC, "0800", IPV4_UDP_DF);
        ByteBuf answer = PacketTooBig.answer(ALLOC, frame, 0, frame.readableBytes(), MAX_FRAME);
        try {
            String expected = HOST_MAC // Ethernet dst: the sender
                    + ROUTER_MAC // Ethernet src: the frame's destination
                    + "0800"
                    + "45" // version 4, IHL 5
                    + "c0" // TOS: precedence internetwork control
                    + "003c" // total length 20 + 8 + 32 = 60
                    + "0000" // identification
                    + "0000" // no flags
                    + "40" // TTL 64
                    + "01" // ICMP
                    + "639b" // header checksum
                    + "0a320102" // from 10.50.1.2, the address the packet was for
                    + "0a320101" // to 10.50.1.1, its sender
                    + "03" // destination unreachable
                    + "04" // fragmentation needed and DF set
                    + "8541" // ICMP checksum
                    + "0000" // unused
                    + "05aa" // next-hop MTU 1450 = 1464 - 14
                    + IPV4_UDP_DF; // the whole packet: 32 bytes, well within 576
            assertEquals(expected, ByteBufUtil.hexDump(answer));
            assertEquals(0, InternetChecksum.of(answer, 14, 20), "IP header checksum");
            assertEquals(0, InternetChecksum.of(answer, 34, 40), "ICMP checksum");
        } finally {
            answer.release();
            frame.release();
        }
    }

    @Test
    void answersIpv6ByPacketTooBig() {
        String src = "fd000000000000000000000000000001";
        String dst = "fd000000000000000000000000000002";
        String packet = "60000000" // version 6, traffic class 0, flow 0
                + "0010" // payload length 16
                + "11" // UDP
                + "40" // hop limit 64
                + src
                + dst
                + "d431003500100000" // UDP 54321 -> 53, length 16
                + "deadbeefcafef00d";
        ByteBuf frame = frame(ROUTER_MAC, HOST_MAC, "86dd", packet);
        // IPv6 underlay: 1500 - 48 - 8 = 1444-byte frames, 1430-byte packets.
        ByteBuf answer = PacketTooBig.answer(ALLOC, frame, 0, frame.readableBytes(), 1500 - 48 - 8);
        try {
            String expected = HOST_MAC
                    + ROUTER_MAC
                    + "86dd"
                    + "60000000" // version 6
                    + "0040" // payload length 8 + 56 = 64
                    + "3a" // ICMPv6
                    + "40" // hop limit 64
                    + dst // from the packet's destination
                    + src // to its sender
                    + "02" // packet too big
                    + "00" // code 0
                    + "6574" // checksum over the pseudo-header and the message
                    + "00000596" // MTU 1430
                    + packet;
            assertEquals(expected, ByteBufUtil.hexDump(answer));
        } finally {
            answer.release();
            frame.release();
        }
    }

    @Test
    void quotesAtMost576BytesForIpv4() {
        ByteBuf frame = bigIpv4(1500, 0x4000);
        ByteBuf answer = PacketTooBig.answer(ALLOC, frame, 0, frame.readableBytes(), MAX_FRAME);
        try {
            assertEquals(14 + 576, answer.readableBytes());
            assertEquals(576, answer.getUnsignedShort(14 + 2), "total length");
            // The quote: the first 548 bytes of the original packet, unchanged.
            assertArrayEquals(ByteBufUtil.getBytes(frame, 14, 548), ByteBufUtil.getBytes(answer, 14 + 28, 548));
            assertEquals(0, InternetChecksum.of(answer, 14 + 20, 556), "ICMP checksum");
        } finally {
            answer.release();
            frame.release();
        }
    }

    @Test
    void quotesAtMost1280BytesForIpv6() {
        byte[] ip = new byte[1500];
        ip[0] = 0x60;
        ip[4] = (byte) ((1500 - 40) >>> 8);
        ip[5] = (byte) (1500 - 40);
        ip[6] = 17;
        ip[8] = (byte) 0xfd;
        ip[23] = 1;
        ip[24] = (byte) 0xfd;
        ip[39] = 2;
        ByteBuf frame = frame(ROUTER_MAC, HOST_MAC, "86dd", HexFormat.of().formatHex(ip));
        ByteBuf answer = PacketTooBig.answer(ALLOC, frame, 0, frame.readableBytes(), MAX_FRAME);
        try {
            assertEquals(14 + 1280, answer.readableBytes());
            assertEquals(1280 - 40, answer.getUnsignedShort(14 + 4), "payload length");
        } finally {
            answer.release();
            frame.release();
        }
    }

    @Test
    void keepsVlanTagsAndAnnouncesTheRoomLeftBehindThem() {
        ByteBuf frame = frame(ROUTER_MAC, HOST_MAC, "8100006408 00".replace(" ", ""), IPV4_UDP_DF);
        ByteBuf answer = PacketTooBig.answer(ALLOC, frame, 0, frame.readableBytes(), MAX_FRAME);
        try {
            assertEquals("810000640800", ByteBufUtil.hexDump(answer, 12, 6), "tag and EtherType copied");
            assertEquals(MAX_FRAME - 18, answer.getUnsignedShort(18 + 20 + 6), "next-hop MTU");
        } finally {
            answer.release();
            frame.release();
        }
    }

    @Test
    void answersNothingWithoutDfToFragmentsToIcmpErrorsOrToNonUnicast() {
        String noDf = IPV4_UDP_DF.substring(0, 12) + "0000" + IPV4_UDP_DF.substring(16);
        String laterFragment = IPV4_UDP_DF.substring(0, 12) + "4001" + IPV4_UDP_DF.substring(16);
        String icmpError = IPV4_UDP_DF.substring(0, 18) + "01" + IPV4_UDP_DF.substring(20, 40) + "0304000000000000";
        String fromZero = IPV4_UDP_DF.substring(0, 24) + "00000000" + IPV4_UDP_DF.substring(32);
        String toBroadcast = IPV4_UDP_DF.substring(0, 32) + "ffffffff" + IPV4_UDP_DF.substring(40);
        String toMulticast = IPV4_UDP_DF.substring(0, 32) + "e0000001" + IPV4_UDP_DF.substring(40);
        String truncated = IPV4_UDP_DF.substring(0, 30);
        for (String packet :
                new String[] {noDf, laterFragment, icmpError, fromZero, toBroadcast, toMulticast, truncated}) {
            ByteBuf frame = frame(ROUTER_MAC, HOST_MAC, "0800", packet);
            assertNull(PacketTooBig.answer(ALLOC, frame, 0, frame.readableBytes(), MAX_FRAME), packet);
            frame.release();
        }
        ByteBuf multicastMac = frame("01005e000001", HOST_MAC, "0800", IPV4_UDP_DF);
        assertNull(PacketTooBig.answer(ALLOC, multicastMac, 0, multicastMac.readableBytes(), MAX_FRAME));
        multicastMac.release();
        ByteBuf arp = frame(ROUTER_MAC, HOST_MAC, "0806", "0001080006040001");
        assertNull(PacketTooBig.answer(ALLOC, arp, 0, arp.readableBytes(), MAX_FRAME));
        arp.release();
    }

    @Test
    void answersAnEchoRequestButNotAnIcmpv6Error() {
        String header = "60000000" + "0008" + "3a" + "40" + "fd000000000000000000000000000001"
                + "fd000000000000000000000000000002";
        ByteBuf echo = frame(ROUTER_MAC, HOST_MAC, "86dd", header + "8000000000010001");
        ByteBuf answer = PacketTooBig.answer(ALLOC, echo, 0, echo.readableBytes(), MAX_FRAME);
        assertEquals(2, answer.getUnsignedByte(14 + 40), "packet too big");
        answer.release();
        echo.release();
        ByteBuf error = frame(ROUTER_MAC, HOST_MAC, "86dd", header + "0100000000000000");
        assertNull(PacketTooBig.answer(ALLOC, error, 0, error.readableBytes(), MAX_FRAME));
        error.release();
    }

    private static ByteBuf bigIpv4(int total, int flags) {
        byte[] ip = new byte[total];
        ip[0] = 0x45;
        ip[2] = (byte) (total >>> 8);
        ip[3] = (byte) total;
        ip[6] = (byte) (flags >>> 8);
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10;
        ip[15] = 1;
        ip[16] = 10;
        ip[19] = 2;
        for (int i = 20; i < total; i++) {
            ip[i] = (byte) i;
        }
        return frame(ROUTER_MAC, HOST_MAC, "0800", HexFormat.of().formatHex(ip));
    }

    static ByteBuf frame(String dst, String src, String type, String payload) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(dst + src + type + payload));
    }
}
