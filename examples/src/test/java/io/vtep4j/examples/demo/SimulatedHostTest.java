package io.vtep4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.InternetChecksum;
import io.vtep4j.learning.MacAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimulatedHostTest {
    private static final Duration WAIT = Duration.ofSeconds(2);
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private final SimulatedHost alice =
            new SimulatedHost("alice", MacAddress.parse("02:00:00:00:00:01"), Addresses.ipv4("10.0.0.1"), ALLOC);
    private final SimulatedHost bob =
            new SimulatedHost("bob", MacAddress.parse("02:00:00:00:00:02"), Addresses.ipv4("10.0.0.2"), ALLOC);

    /** A cable between two hosts: every frame one sends, the other receives. */
    private void cable(SimulatedHost a, SimulatedHost b) {
        a.connect(b::receive);
        b.connect(a::receive);
    }

    @Test
    void resolvesThroughArpAndBothSidesLearnTheOther() throws Exception {
        cable(alice, bob);

        assertEquals(bob.mac(), alice.resolve(bob.ip(), WAIT));
        assertEquals(bob.mac(), alice.neighbour(bob.ip()));
        assertEquals(alice.mac(), bob.neighbour(alice.ip()), "RFC 826: the target merges the sender's pair");
        assertEquals(List.of("ARP who-has 10.0.0.2 tell 10.0.0.1"), bob.drainSeen());
        assertEquals(List.of("ARP 10.0.0.2 is-at 02:00:00:00:00:02"), alice.drainSeen());
    }

    @Test
    void pingGetsAnEchoReplyWithTheSameSequence() throws Exception {
        cable(alice, bob);
        alice.resolve(bob.ip(), WAIT);
        alice.drainSeen();
        bob.drainSeen();

        assertTrue(alice.ping(bob.ip(), 7, WAIT));
        assertEquals(List.of("ICMP echo request 10.0.0.1 > 10.0.0.2 seq 7"), bob.drainSeen());
        assertEquals(List.of("ICMP echo reply 10.0.0.2 > 10.0.0.1 seq 7"), alice.drainSeen());
    }

    @Test
    void arpForAnAddressNobodyHasTimesOut() throws Exception {
        cable(alice, bob);

        assertNull(alice.resolve(Addresses.ipv4("10.0.0.99"), Duration.ofMillis(50)));
        assertEquals(1, bob.ignored(), "bob saw the broadcast and kept quiet");
        assertEquals(0, bob.sent());
    }

    @Test
    void unicastForAnotherMacIsIgnored() {
        List<ByteBuf> out = new ArrayList<>();
        bob.connect(out::add);
        ByteBuf notForBob = Frames.arpReply(
                ALLOC, alice.mac(), alice.ip(), MacAddress.parse("02:00:00:00:00:09"), Addresses.ipv4("10.0.0.9"));

        bob.receive(notForBob);

        assertEquals(0, notForBob.refCnt(), "the host released the frame");
        assertEquals(1, bob.ignored());
        assertTrue(out.isEmpty());
    }

    @Test
    void pingWithoutArpEntryIsMisuse() {
        cable(alice, bob);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> alice.ping(bob.ip(), 1, WAIT));
        assertTrue(e.getMessage().contains("10.0.0.2"), e.getMessage());
    }

    @Test
    void builtFramesLeaveHeadroomAndMeetTheMinimumLength() {
        ByteBuf arp = Frames.arpRequest(ALLOC, alice.mac(), alice.ip(), bob.ip());
        try {
            assertEquals(Frames.HEADROOM, arp.readerIndex());
            assertEquals(Frames.MIN_FRAME_LENGTH, arp.readableBytes());
            assertEquals(Frames.BROADCAST_MAC, Frames.destinationMac(arp));
            assertEquals(alice.mac(), Frames.sourceMac(arp));
            assertEquals(Frames.ETHERTYPE_ARP, Frames.etherType(arp));
        } finally {
            arp.release();
        }
    }

    @Test
    void icmpEchoCarriesValidChecksumsAndItsData() {
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
        ByteBuf echo = Frames.icmpEcho(
                ALLOC, Frames.ICMP_ECHO_REQUEST, alice.mac(), bob.mac(), alice.ip(), bob.ip(), 0x1234, 42, data);
        try {
            int ip = echo.readerIndex() + Frames.ETHERNET_HEADER_LENGTH;
            assertEquals(0, InternetChecksum.of(echo, ip, 20), "IPv4 header checksum verifies to zero");
            assertTrue(Frames.isIcmpEcho(echo));
            assertEquals(42, Frames.icmpSequence(echo));
            assertEquals(0x1234, Frames.icmpId(echo));
            assertArrayEquals(new byte[] {1, 2, 3}, ByteBufUtil.getBytes(Frames.icmpData(echo)));

            echo.setByte(ip + 20 + 8, 9); // corrupt the data: the ICMP checksum no longer holds
            assertFalse(Frames.isIcmpEcho(echo));
        } finally {
            echo.release();
            data.release();
        }
    }
}
