package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vtep4j.testing.Frames;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The inner-flow hash: stable per flow, sensitive to every flow field, and evenly spread across flows. */
class FlowHashTest {

    @Test
    void sameFlowGivesTheSameValueAndIndicesDoNotMove() {
        ByteBuf a = Frames.ipv4Udp(0, 100, 0x0a000001, 0x0a000002, 40000, 4789);
        ByteBuf b = Frames.ipv4Udp(32, 100, 0x0a000001, 0x0a000002, 40000, 4789);
        try {
            b.setByte(b.readerIndex() + 60, 0x55); // payload differs, flow does not
            int first = FlowHash.hash(a);
            assertEquals(first, FlowHash.hash(a));
            assertEquals(first, FlowHash.hash(b));
            assertEquals(0, a.readerIndex());
            assertEquals(100, a.writerIndex());
            assertEquals(FlowHash.sourcePort(first), FlowHash.sourcePort(FlowHash.hash(b)));
            assertEquals(FlowHash.flowId(first), FlowHash.flowId(FlowHash.hash(b)));
        } finally {
            a.release();
            b.release();
        }
    }

    @Test
    void everyFlowFieldChangesTheHash() {
        int base = hashOf(0x0a000001, 0x0a000002, 40000, 53);
        assertNotEquals(base, hashOf(0x0a000003, 0x0a000002, 40000, 53), "source address");
        assertNotEquals(base, hashOf(0x0a000001, 0x0a000003, 40000, 53), "destination address");
        assertNotEquals(base, hashOf(0x0a000001, 0x0a000002, 40001, 53), "source port");
        assertNotEquals(base, hashOf(0x0a000001, 0x0a000002, 40000, 54), "destination port");
    }

    @Test
    void differentFlowsSpreadEvenlyOverSourcePortsAndFlowIds() {
        int flows = 64_000;
        int buckets = 64;
        long[] portBuckets = new long[buckets];
        long[] flowIdBuckets = new long[buckets];
        Set<Integer> distinct = new HashSet<>();
        Random random = new Random(42);
        ByteBuf template = Frames.ipv4Udp(0, 64, 0, 0x0a000100, 0, 443);
        // A plain wrapped array: PARANOID leak tracking would record a stack trace on every read of a pooled one.
        ByteBuf frame = Unpooled.wrappedBuffer(Frames.bytes(template));
        template.release();
        for (int i = 0; i < flows; i++) {
            // Realistic neighbours: one subnet, sequential client ports (one buffer, fields rewritten per flow).
            frame.setInt(14 + 12, 0x0a000000 | random.nextInt(256));
            frame.setShort(34, 32768 + (i % 28000));
            int hash = FlowHash.hash(frame);
            distinct.add(hash);
            int port = FlowHash.sourcePort(hash);
            assertTrue(port >= 49152 && port <= 65535, "port " + port);
            portBuckets[(port - 49152) * buckets / 16384]++;
            flowIdBuckets[FlowHash.flowId(hash) * buckets / 256]++;
        }
        frame.release();
        // Chi-square with 63 degrees of freedom: mean 63, sd ~11.2; 150 is ~7.7 sd, generous yet a real check.
        assertTrue(chiSquare(portBuckets, flows) < 150, "source ports chi2 " + chiSquare(portBuckets, flows));
        assertTrue(chiSquare(flowIdBuckets, flows) < 150, "FlowIDs chi2 " + chiSquare(flowIdBuckets, flows));
        assertTrue(distinct.size() > flows * 9 / 10, "distinct hashes " + distinct.size());
    }

    @Test
    void sourcePortStaysInAConfiguredRangeAndRejectsBadRanges() {
        Random random = new Random(7);
        for (int i = 0; i < 10_000; i++) {
            int port = FlowHash.sourcePort(random.nextInt(), 1000, 1009);
            assertTrue(port >= 1000 && port <= 1009);
        }
        assertEquals(65535, FlowHash.sourcePort(-1, 65535, 65535));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> FlowHash.sourcePort(1, 60000, 50000));
        assertEquals("source port range: 60000..50000 (expected: 0 <= min <= max <= 65535)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FlowHash.sourcePort(1, 0, 65536));
    }

    @Test
    void aTruncatedFrameHashesExactlyTheCompleteFieldsItHas() {
        byte[] full = bytesOf(Frames.ipv4Udp(0, 60, 0x0a000001, 0x0a000002, 40000, 4789));
        byte[] noPorts = full.clone();
        Arrays.fill(noPorts, 34, 38, (byte) 0); // UDP source and destination ports
        int empty = hashOfPrefix(full, 0);
        int firstWord = hashOfPrefix(full, 4);
        int ethernet = hashOfPrefix(full, 14);
        int addresses = hashOfPrefix(noPorts, 38);
        int flow = hashOfPrefix(full, 60);
        assertEquals(5, Set.of(empty, firstWord, ethernet, addresses, flow).size(), "each step adds a field");
        for (int length = 0; length <= full.length; length++) {
            int expected;
            if (length < 4) {
                expected = empty; // not even 4 bytes of the destination MAC
            } else if (length < 14) {
                expected = firstWord; // the first 4 bytes only
            } else if (length < 34) {
                expected = ethernet; // MACs and EtherType; the IPv4 header is incomplete
            } else if (length < 38) {
                expected = addresses; // addresses and protocol; the UDP ports are incomplete, hashed as 0
            } else {
                expected = flow; // the whole flow; the rest of the UDP header and payload never count
            }
            assertEquals(expected, hashOfPrefix(full, length), "first " + length + " bytes");
        }
    }

    @Test
    void aNonIpFrameHashesItsEthernetHeaderOnly() {
        byte[] arp = bytesOf(Frames.frame(0, 0x02_00_00_00_00_02L, 0x02_00_00_00_00_01L, 0x0806, 46, new Random(3)));
        byte[] otherPayload = arp.clone();
        Arrays.fill(otherPayload, 14, otherPayload.length, (byte) 0x5a);
        assertEquals(hashOfPrefix(arp, 14), hashOfPrefix(arp, arp.length));
        assertEquals(hashOfPrefix(arp, arp.length), hashOfPrefix(otherPayload, otherPayload.length));
    }

    /** The hash of the first {@code length} bytes; also checks that hashing moved no index. */
    private static int hashOfPrefix(byte[] bytes, int length) {
        ByteBuf buf = Unpooled.wrappedBuffer(bytes, 0, length);
        try {
            int hash = FlowHash.hash(buf);
            assertEquals(0, buf.readerIndex());
            assertEquals(length, buf.writerIndex());
            return hash;
        } finally {
            buf.release();
        }
    }

    private static byte[] bytesOf(ByteBuf frame) {
        try {
            return ByteBufUtil.getBytes(frame);
        } finally {
            frame.release();
        }
    }

    private static int hashOf(int srcIp, int dstIp, int srcPort, int dstPort) {
        ByteBuf frame = Frames.ipv4Udp(0, 64, srcIp, dstIp, srcPort, dstPort);
        try {
            return FlowHash.hash(frame);
        } finally {
            frame.release();
        }
    }

    /** Pearson's chi-square of {@code observed} counts against a uniform spread of {@code total}. */
    static double chiSquare(long[] observed, int total) {
        double expected = (double) total / observed.length;
        double sum = 0;
        for (long o : observed) {
            sum += (o - expected) * (o - expected) / expected;
        }
        return sum;
    }
}
