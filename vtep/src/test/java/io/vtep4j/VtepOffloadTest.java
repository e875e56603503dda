package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * UDP GSO on send and GRO on receive carry every frame intact through the kernel, in order; both on the direct path
 * where it can run.
 */
class VtepOffloadTest {

    @Test
    void gsoRunsAndGroReceiveDeliverEveryFrameIntact() throws Exception {
        assumeTrue(
                Transports.epoll() && EpollDatagramChannel.isSegmentedDatagramPacketSupported(),
                "UDP GSO needs epoll and a kernel with UDP_SEGMENT");
        int port = Ports.freeUdp();
        long src = MacAddress.parse("02:00:00:00:00:01");
        long dst = MacAddress.parse("02:00:00:00:00:02");
        try (Sink sink = new Sink();
                Vtep a = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .udpGso(true)
                        .eventLoops(1)
                        .build();
                Vtep b = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .udpGro(true)
                        .eventLoops(1)
                        .build()) {
            LocalPort pa = a.segment(1).floodTo("127.0.0.2").attach(ByteBuf::release);
            b.segment(1).attach(sink);
            int count = 40;
            for (int i = 0; i < count; i++) {
                // 39 equal frames and a shorter last one: one GSO run (at most 64 segments).
                pa.write(frame(i == 0 ? BROADCAST : dst, src, i == count - 1 ? 100 : 1000, i));
            }
            pa.flush();
            for (int i = 0; i < count; i++) {
                ByteBuf f = sink.poll(5000);
                assertNotNull(f, "frame " + i);
                try {
                    assertEquals(i == count - 1 ? 100 : 1000, f.readableBytes());
                    assertEquals(i, f.getByte(f.readerIndex() + 20));
                } finally {
                    f.release();
                }
            }
            assertEquals(count, b.stats().segment(1).packetsFromUnderlay());
            assertEquals(0, a.stats().totalDrops() + b.stats().totalDrops());
            // Coalesced, not merely delivered: with GSO silently off each frame would be a message of its own.
            // The sender counts a message once sendmmsg returns, which may be after the peer has read it.
            SendCounters sent = a.runtime.sendCounters();
            Await.until(Duration.ofSeconds(5), () -> sent.datagrams() >= count, sent::toString);
            assertEquals(count, sent.datagrams(), sent::toString);
            assertTrue(sent.messages() < sent.datagrams(), sent::toString);
            // GRO no longer takes the receiver off the direct path (automatic, as for the sender), and there the
            // coalesced messages are split by the port itself: fewer messages read than frames delivered.
            assertEquals(a.directIo(), b.directIo(), "GRO keeps direct I/O where it can run");
            if (b.directIo()) {
                ReceiveCounters received = b.runtime.receiveCounters();
                assertEquals(count, received.datagrams(), received::toString);
                assertTrue(received.messages() < received.datagrams(), received::toString);
            }
        }
    }
}
