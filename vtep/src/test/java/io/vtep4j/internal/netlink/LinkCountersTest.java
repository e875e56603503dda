package io.vtep4j.internal.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Reading an {@code RTM_NEWLINK} answer: the counters where {@code struct rtnl_link_stats64} keeps them, and nothing
 * from an answer that is for another message or interface, cut short or lying about its attributes' lengths; and one
 * real request, for loopback, whose received count moves with a datagram sent over it.
 */
class LinkCountersTest {
    private static final int IFINDEX = 7;
    /** struct rtnl_link_stats64 as this kernel's headers define it: 25 u64 counters. */
    private static final int STATS64 = 25 * 8;

    private final ByteBuf answer = Unpooled.buffer(1024);

    @AfterEach
    void release() {
        answer.release();
    }

    /** An RTM_NEWLINK answer for {@code ifindex}: an IFLA_MTU attribute, then IFLA_STATS64 of {@code statsLength}. */
    private int answer(int type, int ifindex, int statsLength) {
        LinkAnswers.begin(answer, type, ifindex);
        answer.writeShortLE(4 + statsLength).writeShortLE(23);
        for (int field = 0; field < statsLength / 8; field++) {
            answer.writeLongLE(1000L + field); // field i holds 1000 + i
        }
        return LinkAnswers.end(answer);
    }

    @Test
    void readsTheCountersAtTheirOffsets() {
        int n = answer(16, IFINDEX, STATS64);
        LinkCounters.Reading r = LinkCounters.parse(answer, n, IFINDEX);
        assertNotNull(r);
        // rx_packets is field 0, tx_packets 1, rx_dropped 6, tx_dropped 7, rx_missed_errors 15
        assertEquals(new LinkCounters.Reading(1000, 1001, 1006, 1015, 1007), r);
        assertEquals(1006 + 1015 + 1007, r.lost());
    }

    @Test
    void theOldestKernelsTwentyThreeFieldsAreEnough() {
        int n = answer(16, IFINDEX, 23 * 8);
        assertEquals(1015, LinkCounters.parse(answer, n, IFINDEX).rxMissed());
    }

    @Test
    void anotherMessageOrInterfaceGivesNothing() {
        int n = answer(17, IFINDEX, STATS64); // RTM_DELLINK
        assertNull(LinkCounters.parse(answer, n, IFINDEX));
        n = answer(16, IFINDEX + 1, STATS64);
        assertNull(LinkCounters.parse(answer, n, IFINDEX));
    }

    @Test
    void statisticsCutShortGiveNothing() {
        int n = answer(16, IFINDEX, 15 * 8); // stops before rx_missed_errors
        assertNull(LinkCounters.parse(answer, n, IFINDEX));
        n = answer(16, IFINDEX, STATS64);
        assertNull(LinkCounters.parse(answer, n - 8, IFINDEX), "the attribute claims more than the message holds");
        assertNull(LinkCounters.parse(answer, 16 + 8, IFINDEX), "shorter than its ifinfomsg");
    }

    @Test
    void anAttributeShorterThanItsOwnHeaderEndsTheWalk() {
        int n = answer(16, IFINDEX, STATS64);
        answer.setShortLE(32, 2); // the IFLA_MTU attribute claims 2 bytes
        assertNull(LinkCounters.parse(answer, n, IFINDEX));
    }

    @Test
    void loopbackCountsADatagramSentOverIt() throws Exception {
        try (LinkCounters counters = LinkCounters.open();
                DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            int lo = loopbackIndex();
            LinkCounters.Reading before = counters.read(lo);
            assertNotNull(before, "no counters for loopback (index " + lo + ")");
            socket.send(new DatagramPacket(new byte[8], 8, InetAddress.getLoopbackAddress(), socket.getLocalPort()));
            LinkCounters.Reading after = counters.read(lo);
            assertTrue(after.rxPackets() > before.rxPackets(), before + " -> " + after);
            assertTrue(after.txPackets() > before.txPackets(), before + " -> " + after);
            assertNull(counters.read(0));
            assertNull(counters.read(Integer.MAX_VALUE), "no such interface: the kernel's error answer");
        }
    }

    private static int loopbackIndex() throws Exception {
        return java.net.NetworkInterface.getByInetAddress(InetAddress.getLoopbackAddress())
                .getIndex();
    }
}
