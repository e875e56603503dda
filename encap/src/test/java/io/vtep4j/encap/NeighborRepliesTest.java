package io.vtep4j.encap;

import static io.vtep4j.testing.NeighborFrames.ARP_REQUEST;
import static io.vtep4j.testing.NeighborFrames.MAC_2;
import static io.vtep4j.testing.NeighborFrames.NEIGHBOR_SOLICITATION;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.vtep4j.testing.NeighborFrames;
import org.junit.jupiter.api.Test;

/** Hand-written ARP replies (RFC 826) and Neighbor Advertisements (RFC 4861 §4.4) answering the golden requests. */
class NeighborRepliesTest {

    private static final byte[] ARP_REPLY = {
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // eth dst: the requester, host 1
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // eth src: host 2, as if it answered itself
        0x08, 0x06, // EtherType ARP
        0x00, 0x01, // ar$hrd: Ethernet
        0x08, 0x00, // ar$pro: IPv4
        0x06, // ar$hln
        0x04, // ar$pln
        0x00, 0x02, // ar$op: reply
        0x02, 0x00, 0x00, 0x00, 0x00, 0x02, // ar$sha: host 2's MAC, the answer
        0x0a, 0x00, 0x00, 0x02, // ar$spa: 10.0.0.2, the address asked for
        0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // ar$tha: host 1
        0x0a, 0x00, 0x00, 0x01, // ar$tpa: 10.0.0.1
    };

    private static final byte[] NEIGHBOR_ADVERTISEMENT = {
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x01, // eth dst: the soliciting host 1
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x02, // eth src: host 2
        (byte) 0x86,
        (byte) 0xdd, // EtherType IPv6
        0x60,
        0x00,
        0x00,
        0x00, // version 6, traffic class 0, flow label 0
        0x00,
        0x20, // payload length 32: NA 24 + option 8
        0x3a, // next header ICMPv6
        (byte) 0xff, // hop limit 255 (RFC 4861 §7.1.2: receivers check it)
        0x20,
        0x01,
        0x0d,
        (byte) 0xb8,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x02, // source: the target 2001:db8::2
        0x20,
        0x01,
        0x0d,
        (byte) 0xb8,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x01, // dst: the solicitor 2001:db8::1
        (byte) 0x88, // type 136 NA
        0x00, // code 0
        (byte) 0x8a,
        0x71, // checksum over the pseudo-header (src, dst, length 32, next header 58) and the NA
        0x60,
        0x00,
        0x00,
        0x00, // flags: R 0, S 1 (solicited), O 1 (override); reserved
        0x20,
        0x01,
        0x0d,
        (byte) 0xb8,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x02, // target 2001:db8::2
        0x02, // option: target link-layer address
        0x01, // length 1 (8 bytes)
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x02, // host 2's MAC
    };

    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    @Test
    void answersAnArpRequestWithTheGoldenReply() {
        ByteBuf request = NeighborFrames.frame(ARP_REQUEST);
        assertEquals(Arp.REQUEST, Arp.operation(request, Ethernet.HEADER_LENGTH));
        ByteBuf reply = NeighborReplies.arpReply(alloc, request, 0, MAC_2);
        try {
            assertArrayEquals(ARP_REPLY, ByteBufUtil.getBytes(reply));
            assertEquals(Arp.REPLY, Arp.operation(reply, Ethernet.HEADER_LENGTH));
        } finally {
            reply.release();
            request.release();
        }
    }

    @Test
    void answersANeighborSolicitationWithTheGoldenAdvertisement() {
        ByteBuf ns = NeighborFrames.frame(NEIGHBOR_SOLICITATION);
        int ip = Ethernet.HEADER_LENGTH;
        assertEquals(Ndp.NEIGHBOR_SOLICITATION, Ndp.type(ns, ip));
        assertEquals(NeighborFrames.MAC_1, Ndp.linkLayerOption(ns, ip, Ndp.SOURCE_LINK_LAYER_ADDRESS));
        ByteBuf na = NeighborReplies.neighborAdvertisement(alloc, ns, 0, MAC_2);
        try {
            assertArrayEquals(NEIGHBOR_ADVERTISEMENT, ByteBufUtil.getBytes(na));
            // The answer passes the checks a receiver makes, its checksum included.
            assertEquals(Ndp.NEIGHBOR_ADVERTISEMENT, Ndp.type(na, ip));
            assertEquals(0, Ndp.checksum(na, ip, 32));
            assertEquals(MAC_2, Ndp.linkLayerOption(na, ip, Ndp.TARGET_LINK_LAYER_ADDRESS));
        } finally {
            na.release();
            ns.release();
        }
    }

    @Test
    void refusesArpOfOtherHardwareOrProtocolAndTruncatedPackets() {
        int arp = Ethernet.HEADER_LENGTH;
        assertEquals(-1, operation(NeighborFrames.with(ARP_REQUEST, arp, 0x01))); // hardware type 0x0101
        assertEquals(-1, operation(NeighborFrames.with(ARP_REQUEST, arp + 2, 0x86))); // protocol 0x8600
        assertEquals(-1, operation(NeighborFrames.with(ARP_REQUEST, arp + 4, 8))); // hlen 8
        assertEquals(-1, operation(NeighborFrames.with(ARP_REQUEST, arp + 5, 16))); // plen 16
        assertEquals(-1, operation(java.util.Arrays.copyOf(ARP_REQUEST, ARP_REQUEST.length - 1)));
    }

    @Test
    void refusesSolicitationsThatFailTheChecksOfRfc4861() {
        int ip = Ethernet.HEADER_LENGTH;
        assertEquals(-1, ndType(NeighborFrames.with(NEIGHBOR_SOLICITATION, ip + 7, 254))); // crossed a router
        assertEquals(-1, ndType(NeighborFrames.with(NEIGHBOR_SOLICITATION, ip + 41, 1))); // code 1
        assertEquals(-1, ndType(NeighborFrames.with(NEIGHBOR_SOLICITATION, ip + 43, 0x28))); // bad checksum
        assertEquals(-1, ndType(NeighborFrames.with(NEIGHBOR_SOLICITATION, ip + 6, 17))); // UDP
        assertEquals(-1, ndType(NeighborFrames.with(NEIGHBOR_SOLICITATION, ip + 5, 0x40))); // longer than the frame
        assertEquals(-1, ndType(java.util.Arrays.copyOf(NEIGHBOR_SOLICITATION, NEIGHBOR_SOLICITATION.length - 1)));
    }

    @Test
    void anOptionOfLengthZeroEndsTheSearch() {
        // Length 0 is invalid (RFC 4861 §4.6); the checksum is fixed up so that only the option is wrong.
        ByteBuf ns = NeighborFrames.frame(NEIGHBOR_SOLICITATION);
        int ip = Ethernet.HEADER_LENGTH;
        ns.setByte(ip + 40 + 25, 0);
        ns.setShort(ip + 42, 0);
        ns.setShort(ip + 42, Ndp.checksum(ns, ip, 32));
        try {
            assertEquals(Ndp.NEIGHBOR_SOLICITATION, Ndp.type(ns, ip));
            assertEquals(-1, Ndp.linkLayerOption(ns, ip, Ndp.SOURCE_LINK_LAYER_ADDRESS));
        } finally {
            ns.release();
        }
    }

    @Test
    void hostAddressesExcludeUnspecifiedMulticastAndBroadcast() {
        assertEquals(true, Arp.isHostAddress(0x0A00_0001L));
        assertEquals(false, Arp.isHostAddress(0));
        assertEquals(false, Arp.isHostAddress(0x7F00_0001L));
        assertEquals(false, Arp.isHostAddress(0xE000_0001L));
        assertEquals(false, Arp.isHostAddress(0xFFFF_FFFFL));
        assertEquals(true, Ndp.isHostAddress(NeighborFrames.V6_HI, 2));
        assertEquals(false, Ndp.isHostAddress(0, 0));
        assertEquals(false, Ndp.isHostAddress(0xFF02_0000_0000_0000L, 1));
    }

    private static int operation(byte[] frame) {
        ByteBuf buf = NeighborFrames.frame(frame);
        try {
            return Arp.operation(buf, Ethernet.HEADER_LENGTH);
        } finally {
            buf.release();
        }
    }

    private static int ndType(byte[] frame) {
        ByteBuf buf = NeighborFrames.frame(frame);
        try {
            return Ndp.type(buf, Ethernet.HEADER_LENGTH);
        } finally {
            buf.release();
        }
    }
}
