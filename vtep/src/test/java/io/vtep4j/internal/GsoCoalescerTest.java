package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** Runs to one destination become GSO super-datagrams; the GSO size rule is kept. */
class GsoCoalescerTest {

    static final InetSocketAddress PEER = new InetSocketAddress("127.0.0.2", 4789);
    static final InetSocketAddress OTHER = new InetSocketAddress("127.0.0.3", 4789);

    static DatagramPacket packet(int size, InetSocketAddress to) {
        return new DatagramPacket(Unpooled.directBuffer(size).writeZero(size), to);
    }

    @Test
    void coalescesEqualSizesToOnePeerAndEndsARunWithAShorterSegment() {
        GsoCoalescer gso = new GsoCoalescer();
        EmbeddedChannel ch = new EmbeddedChannel(gso);
        ch.write(packet(100, PEER), ch.voidPromise());
        ch.write(packet(100, PEER), ch.voidPromise());
        ch.write(packet(100, PEER), ch.voidPromise());
        assertEquals(3, gso.pending());
        ch.write(packet(60, PEER), ch.voidPromise()); // shorter: last segment, run written out
        ch.write(packet(100, OTHER), ch.voidPromise()); // another peer: a new run
        ch.write(packet(120, OTHER), ch.voidPromise()); // longer than the run's size: a new run
        ch.flush();

        SegmentedDatagramPacket run = assertInstanceOf(SegmentedDatagramPacket.class, ch.readOutbound());
        assertEquals(100, run.segmentSize());
        assertEquals(360, run.content().readableBytes());
        assertEquals(PEER, run.recipient());
        run.release();
        DatagramPacket single = ch.readOutbound();
        assertFalse(single instanceof SegmentedDatagramPacket);
        assertEquals(100, single.content().readableBytes());
        assertEquals(OTHER, single.recipient());
        single.release();
        DatagramPacket last = ch.readOutbound();
        assertEquals(120, last.content().readableBytes());
        last.release();
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
        assertEquals(3, gso.sendCounters().messages(), "the run, the single, the last");
        assertEquals(6, gso.sendCounters().datagrams());
    }

    @Test
    void capsARunAtTheKernelsSegmentLimitAndReleasesAnOpenRunOnClose() {
        GsoCoalescer gso = new GsoCoalescer();
        EmbeddedChannel ch = new EmbeddedChannel(gso);
        for (int i = 0; i < GsoCoalescer.MAX_SEGMENTS + 1; i++) {
            ch.write(packet(10, PEER), ch.voidPromise());
        }
        assertEquals(1, gso.pending());
        ch.flush();
        SegmentedDatagramPacket full = assertInstanceOf(SegmentedDatagramPacket.class, ch.readOutbound());
        assertEquals(GsoCoalescer.MAX_SEGMENTS * 10, full.content().readableBytes());
        full.release();
        DatagramPacket rest = ch.readOutbound();
        assertEquals(10, rest.content().readableBytes());
        rest.release();
        ch.write(packet(10, PEER), ch.voidPromise());
        ch.write(packet(10, PEER), ch.voidPromise());
        assertEquals(2, gso.pending());
        ch.close(); // the open run of two is released, not leaked
        assertNull(ch.readOutbound());
        assertFalse(ch.finish());
    }
}
