package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.vtep4j.testing.Frames;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Outer IPv4 / IPv6 / UDP: checksums, validation and the templates the raw NVGRE path uses. */
class OuterHeadersTest {

    /** The classic worked example of the IPv4 header checksum: 192.168.0.1 -> 192.168.0.199, UDP, DF. */
    private static final byte[] IPV4_EXAMPLE = {
        0x45, // version 4, IHL 5
        0x00, // DSCP/ECN
        0x00, // total length high
        0x73, // total length low: 115
        0x00, // identification high
        0x00, // identification low
        0x40, // flags: DF
        0x00, // fragment offset 0
        0x40, // TTL 64
        0x11, // protocol 17 UDP
        (byte) 0xb8, // header checksum high
        0x61, // header checksum low: 0xb861
        (byte) 0xc0, // source 192.
        (byte) 0xa8, // 168.
        0x00, // 0.
        0x01, // 1
        (byte) 0xc0, // destination 192.
        (byte) 0xa8, // 168.
        0x00, // 0.
        (byte) 0xc7, // 199
    };

    @Test
    void ipv4TemplateWritesTheWorkedExampleWithItsChecksum() throws Exception {
        Ipv4Header template = Ipv4Header.builder()
                .source((Inet4Address) InetAddress.getByName("192.168.0.1"))
                .destination((Inet4Address) InetAddress.getByName("192.168.0.199"))
                .protocol(Ipv4Header.PROTOCOL_UDP)
                .ttl(64)
                .dontFragment(true)
                .build();
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(20);
        try {
            template.write(buf, 115 - 20, 0);
            assertArrayEquals(IPV4_EXAMPLE, Frames.bytes(buf));
            assertEquals(0, InternetChecksum.of(buf, 0, 20), "a valid header sums to zero");
        } finally {
            buf.release();
        }
    }

    @Test
    void ipv4ValidateChecksLengthsChecksumAndFragments() {
        byte[] packet = new byte[115];
        System.arraycopy(IPV4_EXAMPLE, 0, packet, 0, 20);
        ByteBuf buf = Frames.of(packet);
        try {
            assertEquals(20, Ipv4Header.validate(buf, 0, 115, true));
            assertEquals(
                    DropReason.OUTER_IPV4_MALFORMED.code(),
                    Ipv4Header.validate(buf, 0, 100, true),
                    "total length beyond the captured bytes");
            assertEquals(DropReason.OUTER_IPV4_MALFORMED.code(), Ipv4Header.validate(buf, 0, 19, true));
            buf.setByte(11, 0x62);
            assertEquals(DropReason.OUTER_IPV4_MALFORMED.code(), Ipv4Header.validate(buf, 0, 115, true));
            assertEquals(20, Ipv4Header.validate(buf, 0, 115, false), "checksum check can be left to the kernel");
            buf.setByte(11, 0x61);
            buf.setByte(6, 0x20); // MF
            assertEquals(DropReason.OUTER_IPV4_FRAGMENT.code(), Ipv4Header.validate(buf, 0, 115, false));
            buf.setByte(6, 0x00);
            buf.setByte(7, 0x10); // offset 16
            assertEquals(DropReason.OUTER_IPV4_FRAGMENT.code(), Ipv4Header.validate(buf, 0, 115, false));
            buf.setByte(0, 0x65); // version 6
            assertEquals(DropReason.OUTER_IPV4_MALFORMED.code(), Ipv4Header.validate(buf, 0, 115, false));
            buf.setByte(0, 0x44); // IHL 4
            assertEquals(DropReason.OUTER_IPV4_MALFORMED.code(), Ipv4Header.validate(buf, 0, 115, false));
        } finally {
            buf.release();
        }
    }

    @Test
    void udpChecksumOverIpv4MatchesAHandComputedValue() {
        // RFC 768 over the pseudo-header 10.0.0.1 -> 10.0.0.2, ports 1 -> 2, payload 0x0102.
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(10);
        try {
            UdpHeader.write(buf, 1, 2, 2);
            buf.writeShort(0x0102);
            UdpHeader.setChecksumIpv4(buf, 0, 10, 0x0a000001, 0x0a000002);
            // pseudo: 0a00+0001+0a00+0002+0011+000a = 0x141e; UDP: 0001+0002+000a+0102 = 0x010f;
            // 0x141e + 0x010f = 0x152d -> complement 0xead2
            assertEquals(0xead2, UdpHeader.checksum(buf, 0));
            assertEquals(10, UdpHeader.validate(buf, 0, 10));
            assertEquals(DropReason.OUTER_UDP_MALFORMED.code(), UdpHeader.validate(buf, 0, 9));
            assertEquals(DropReason.OUTER_UDP_MALFORMED.code(), UdpHeader.validate(buf, 0, 7));
        } finally {
            buf.release();
        }
    }

    @Test
    void ipv6TemplateAndUdpChecksumVerifyToZero() throws Exception {
        Ipv6Header ip = Ipv6Header.builder()
                .source((Inet6Address) InetAddress.getByName("fd00::1"))
                .destination((Inet6Address) InetAddress.getByName("fd00::2"))
                .nextHeader(Ipv4Header.PROTOCOL_UDP)
                .build();
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(64);
        try {
            ip.write(buf, 8 + 3);
            UdpHeader.write(buf, 50000, GreHeader.GRE_IN_UDP_PORT, 3);
            buf.writeBytes(new byte[] {1, 2, 3});
            UdpHeader.setChecksumIpv6(buf, 40, 11, ip);
            // Verify independently: pseudo-header + datagram including its checksum sums to 0xFFFF.
            long sum = InternetChecksum.add(0, buf, Ipv6Header.SOURCE_OFFSET, 32) + 11 + 17;
            assertEquals(0, InternetChecksum.finish(InternetChecksum.add(sum, buf, 40, 11)));
            int parsed = Ipv6Header.validate(buf, 0, buf.readableBytes());
            assertEquals(17, Ipv6Header.protocolOf(parsed));
            assertEquals(40, Ipv6Header.headerLengthOf(parsed));
            assertEquals(InetAddress.getByName("fd00::2"), Ipv6Header.address(buf, Ipv6Header.DESTINATION_OFFSET));
        } finally {
            buf.release();
        }
    }

    @Test
    void ipv6WalksExtensionHeadersAndRefusesFragments() {
        String fixed = "60000000" + "0010" + "00" + "40" + "00".repeat(32); // next: hop-by-hop, payload 16
        ByteBuf hbh = Frames.of(ByteBufUtil.decodeHexDump(fixed + "1100" + "00".repeat(6) + "00".repeat(8)));
        ByteBuf frag = Frames.of(ByteBufUtil.decodeHexDump(fixed.replaceFirst("001000", "00102c") + "00".repeat(16)));
        try {
            int parsed = Ipv6Header.validate(hbh, 0, hbh.readableBytes());
            assertEquals(17, Ipv6Header.protocolOf(parsed));
            assertEquals(48, Ipv6Header.headerLengthOf(parsed));
            assertEquals(DropReason.OUTER_IPV6_FRAGMENT.code(), Ipv6Header.validate(frag, 0, frag.readableBytes()));
            assertEquals(DropReason.OUTER_IPV6_MALFORMED.code(), Ipv6Header.validate(hbh, 0, 50));
        } finally {
            hbh.release();
            frag.release();
        }
    }

    @Test
    void misuseFailsAtOnceNamingTheValueAndTheRule() {
        assertEquals(
                "vni: 16777216 (expected: 0..16777215)",
                assertThrows(IllegalArgumentException.class, () -> Vni.check(16_777_216))
                        .getMessage());
        assertEquals(
                "vni: -1 (expected: 0..16777215)",
                assertThrows(IllegalArgumentException.class, () -> Vni.check(-1))
                        .getMessage());
        assertEquals(
                "flowId: 256 (expected: 0..255)",
                assertThrows(IllegalArgumentException.class, () -> GreHeader.checkFlowId(256))
                        .getMessage());
        ByteBuf frame = Frames.of(new byte[60]);
        try {
            assertThrows(IllegalArgumentException.class, () -> VxlanCodec.DEFAULT.encapsulate(frame, 1 << 24));
            assertThrows(IllegalArgumentException.class, () -> NvgreCodec.DEFAULT.encapsulate(frame, 0x1000, 300));
            for (int reserved : new int[] {0, 0xFFF, 0xFFFFFF}) {
                assertEquals(
                        "vsid: " + reserved + " (expected: 4096..16777214; RFC 7637 §3.2 reserves 0..4095 and 16777215,"
                                + " and this codec drops them on receive)",
                        assertThrows(
                                        IllegalArgumentException.class,
                                        () -> NvgreCodec.DEFAULT.encapsulate(frame, reserved, 0))
                                .getMessage());
            }
            assertEquals(1, frame.refCnt(), "a refused frame stays the caller's");
        } finally {
            frame.release();
        }
        assertThrows(
                IllegalStateException.class,
                () -> Ipv4Header.builder().protocol(17).build());
    }
}
