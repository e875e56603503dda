package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.encap.DropReason;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sends from application threads on the direct I/O path: each such send is handed to the event loop, and must leave
 * without help from any later traffic, whatever the interleaving of concurrent sends and flushes.
 */
class ForeignSendTest {

    static final int THREADS = 4;
    static final int ROUNDS = 300;

    @RegisterExtension
    final UnderlayHarness harness = new UnderlayHarness("foreign-send");

    final RecordingReceiver receiver = harness.receiver;

    UdpUnderlay open(String address, int port) throws Exception {
        return open(address, port, true);
    }

    UdpUnderlay open(String address, int port, boolean direct) throws Exception {
        return harness.open(
                TestConfigs.of(harness.group(), List.of(InetAddress.getByName(address)), port, direct), receiver);
    }

    /** Underlays on 127.0.0.1 and 127.0.0.2, one free port; returns the first. */
    UdpUnderlay openPair() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port);
        open("127.0.0.2", port);
        return a;
    }

    @Test
    void everyFrameSentFromApplicationThreadsArrivesOnAnIdleNetwork() throws Exception {
        UdpUnderlay a = openPair();
        InetAddress b = InetAddress.getByName("127.0.0.2");
        // The test thread is a party too: a round starts only once it has seen every frame of the previous one.
        CyclicBarrier start = new CyclicBarrier(THREADS + 1);
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int id = t;
            Thread sender = new Thread(() -> {
                try {
                    for (int round = 0; round < ROUNDS; round++) {
                        start.await(10, TimeUnit.SECONDS);
                        ByteBuf p = PooledByteBufAllocator.DEFAULT
                                .directBuffer(8)
                                .writeInt(round)
                                .writeInt(id);
                        a.send(p, b, id);
                        a.flush();
                    }
                } catch (Exception e) {
                    Thread.currentThread().interrupt();
                }
            });
            sender.setDaemon(true);
            sender.start();
            senders.add(sender);
        }
        try {
            for (int round = 0; round < ROUNDS; round++) {
                start.await(10, TimeUnit.SECONDS);
                boolean[] seen = new boolean[THREADS];
                for (int k = 0; k < THREADS; k++) {
                    // Nothing else is sent until all THREADS frames of this round arrived: a frame left in the
                    // send vector would wait forever, so a generous bound tells a lost flush from a slow machine.
                    RecordingReceiver.Received got = receiver.next(2);
                    assertNotNull(got, "round " + round + ": a frame did not arrive within 2 s");
                    ByteBuf payload = got.payload();
                    try {
                        assertEquals(round, payload.getInt(0));
                        assertFalse(seen[payload.getInt(4)], "duplicate");
                        seen[payload.getInt(4)] = true;
                    } finally {
                        payload.release();
                    }
                }
            }
        } finally {
            for (Thread t : senders) {
                t.interrupt();
            }
        }
    }

    @Test
    void aSendAfterTheEventLoopsWereShutDownIsRefusedAndReleased() throws Exception {
        UdpUnderlay a = open("127.0.0.1", Ports.freeUdp());
        harness.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeLong(1);
        assertFalse(a.send(payload, InetAddress.getByName("127.0.0.2"), 0), "nothing can send: refused at once");
        assertEquals(0, payload.refCnt(), "the refused payload is released");
        a.flush(); // nothing to do, and nothing thrown
    }

    @Test
    void sendsHandedOverBeyondTheBoundWhileTheLoopIsStalledAreDroppedAndCounted() throws Exception {
        UdpUnderlay a = openPair();
        InetAddress b = InetAddress.getByName("127.0.0.2");
        CountDownLatch resume = stallTheLoop();
        int over = 100;
        List<ByteBuf> refused = new ArrayList<>();
        try {
            for (int i = 0; i < UdpLane.MAX_HANDED_OVER + over; i++) {
                ByteBuf p = PooledByteBufAllocator.DEFAULT.directBuffer(8).writeLong(i);
                if (i >= UdpLane.MAX_HANDED_OVER) {
                    refused.add(p);
                }
                assertTrue(a.send(p, b, 0), "accepted or counted, never refused as failed");
            }
            assertEquals(over, receiver.drops(DropReason.SEND_QUEUE_FULL), receiver.drops::toString);
            assertEquals(0, receiver.drops(DropReason.SEND_FAILED));
            for (ByteBuf p : refused) {
                assertEquals(0, p.refCnt(), "a payload over the bound is released at once");
            }
        } finally {
            resume.countDown();
        }
        a.flush();
        // The loop drains the queue; then the bound has room again: a marker sent now is handed over and arrives.
        assertTrue(markerArrives(a, b), "sends are handed over again once the loop drained its queue");
    }

    /**
     * Netty's datagram path: what application threads write while the loop is stalled waits in the channel, counted
     * in bytes; past {@link UdpSockets#WAITING_BYTES} a send is dropped and counted, and once the loop has written
     * them out, sends go through again.
     */
    @Test
    void nettySendsBeyondTheWaitingBytesWhileTheLoopIsStalledAreDroppedAndCounted() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, false);
        open("127.0.0.2", port, false);
        InetAddress b = InetAddress.getByName("127.0.0.2");
        CountDownLatch resume = stallTheLoop();
        int size = 8192;
        int sends = 2 * UdpSockets.WAITING_BYTES / size;
        try {
            for (int i = 0; i < sends; i++) {
                ByteBuf p = PooledByteBufAllocator.DEFAULT.directBuffer(size).writeZero(size);
                assertTrue(a.send(p, b, 0), "accepted or counted, never refused as failed");
            }
            long dropped = receiver.drops(DropReason.SEND_QUEUE_FULL);
            long waiting = sends - dropped;
            assertTrue(
                    waiting * size <= UdpSockets.WAITING_BYTES && waiting * size > UdpSockets.WAITING_BYTES / 2,
                    waiting + " packets of " + size + " bytes waiting, " + dropped + " dropped");
            assertEquals(0, receiver.drops(DropReason.SEND_FAILED));
        } finally {
            resume.countDown();
        }
        a.flush();
        assertTrue(markerArrives(a, b), "sends go through again once the loop wrote out what waited");
    }

    /**
     * Netty's datagram path with its loop idle: a flood of a full-size frame to 4,096 remotes, written from an
     * application thread before one flush, is far from the bound; nothing is dropped.
     */
    @Test
    void aWholeFloodFromAnApplicationThreadIsNotDropped() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, false);
        InetAddress[] remotes = new InetAddress[io.vtep4j.learning.FloodList.MAX_REMOTES];
        for (int i = 0; i < remotes.length; i++) {
            remotes[i] = InetAddress.getByAddress(new byte[] {127, 1, (byte) (i >> 8), (byte) i});
        }
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(9216).writeZero(9216);
        try {
            for (InetAddress r : remotes) {
                a.send(frame.retainedDuplicate(), r, 0);
            }
            a.flush();
        } finally {
            frame.release();
        }
        assertEquals(0, receiver.drops(DropReason.SEND_QUEUE_FULL), receiver.drops::toString);
    }

    /** Blocks the group's only loop, so that nothing handed to it runs, until the returned latch is counted down. */
    private CountDownLatch stallTheLoop() throws InterruptedException {
        CountDownLatch stalled = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        harness.group().next().execute(() -> {
            stalled.countDown();
            try {
                resume.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(stalled.await(10, TimeUnit.SECONDS));
        return resume;
    }

    /** Sends an 8-byte marker from {@code a} to {@code b} until one arrives, for at most 20 s. */
    private boolean markerArrives(UdpUnderlay a, InetAddress b) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            a.send(PooledByteBufAllocator.DEFAULT.directBuffer(8).writeLong(-1), b, 0);
            a.flush();
            for (RecordingReceiver.Received got; (got = receiver.next(1)) != null; ) {
                boolean marker =
                        got.payload().readableBytes() == 8 && got.payload().getLong(0) == -1;
                got.payload().release();
                if (marker) {
                    return true;
                }
            }
        }
        return false;
    }
}
