package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.vtep4j.internal.afpacket.AfPacketChannel;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AfPacketChannel on both ends of a veth pair in the test's namespace: a tag inserted on transmit arrives in the
 * ring's tp_vlan_tci, and frames the kernel drops because the ring is full are counted, not hidden.
 */
class AfPacketChannelIT {
    private static final int TAG_ONLY = 0xFFF;

    private Lab lab;
    private MultiThreadIoEventLoopGroup group;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool");
    }

    @BeforeEach
    void network() {
        lab = new Lab("afp");
        lab.veth(Namespace.SELF, "afp-a", null, Namespace.SELF, "afp-b", null);
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    }

    @AfterEach
    void teardown() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        lab.close();
    }

    private static AfPacketChannel.Options options(int blockSize, int blocks) {
        return new AfPacketChannel.Options(ByteBufAllocator.DEFAULT, blockSize, blocks, 1, 256, 64, 2048, 1 << 20);
    }

    @Test
    void aTagInsertedOnSendArrivesOutOfBandInTheRing() throws Exception {
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        CountingSink sink = new CountingSink();
        AfPacketChannel rx =
                AfPacketChannel.open(loopB, "afp-b", sink, AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        AfPacketChannel tx = AfPacketChannel.open(loopA, "afp-a", new CountingSink(), options(4096, 4));
        try {
            loopA.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            tx.send(CountingSink.frame(i), 0x2000 | 100); // PCP 1, VID 100
                        }
                    })
                    .sync();
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == 10, () -> sink.frames + " of 10 frames");
            assertEquals(0x2000 | 100, sink.lastTci, "the kernel moved the tag into tp_vlan_tci");
            assertEquals(0x88B5, sink.lastEtherType, "the frame reads as untagged");
            assertEquals(10, tx.sent());
            assertEquals(0, rx.overruns());
            // as root the send buffer is past wmem_max: frames waiting on a busy receiver do not make sends fail
            assertTrue(
                    rx.sendBufferBytes() >= 2 * (4 << 20), "SO_SNDBUF " + rx.sendBufferBytes() + " (expected: 8 MiB)");
            assertEquals(2 * (1 << 20), tx.sendBufferBytes(), "the option's value, doubled by the kernel");
            // off the loop, each frame goes out at once
            assertTrue(tx.send(CountingSink.frame(99), -1));
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == 11, () -> sink.frames + " of 11");
            assertEquals(-1, sink.lastTci, "untagged stays untagged");
        } finally {
            tx.close();
            rx.close();
        }
    }

    @Test
    void framesDroppedOnAFullRingAreCounted() throws Exception {
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        CountingSink sink = new CountingSink();
        // two blocks of one page: a few dozen frames fill the ring while its loop is held
        AfPacketChannel rx = AfPacketChannel.open(loopB, "afp-b", sink, options(4096, 2));
        AfPacketChannel tx = AfPacketChannel.open(loopA, "afp-a", new CountingSink(), options(4096, 2));
        CountDownLatch hold = new CountDownLatch(1);
        int offered = 2000;
        try {
            loopB.execute(() -> {
                try {
                    hold.await(20, TimeUnit.SECONDS); // the receiving loop is busy: the ring fills up
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            loopA.submit(() -> {
                        for (int i = 0; i < offered; i++) {
                            tx.send(CountingSink.frame(i), -1);
                        }
                        tx.flush();
                    })
                    .sync();
            hold.countDown();
            long sent = tx.sent();
            assertTrue(sent > 100, "sent " + sent + " (failures " + tx.sendFailures() + ")");
            Await.until(
                    Duration.ofSeconds(10),
                    () -> sink.frames.get() > 0 && rx.overruns() > 0,
                    () -> "received " + sink.frames + ", overruns " + rx.overruns() + " of " + sent + " sent");
            // the ring holds a few dozen: most of the rest was dropped by the socket, and says so
            assertTrue(rx.overruns() >= sent / 2, "overruns " + rx.overruns() + " of " + sent);
            assertTrue(sink.frames.get() + rx.overruns() <= sent, "no frame counted twice");
        } finally {
            hold.countDown();
            tx.close();
            rx.close();
        }
    }
}
