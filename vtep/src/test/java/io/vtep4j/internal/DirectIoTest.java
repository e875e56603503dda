package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.ResourceLeakDetector;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.testing.LoopAllocation;
import io.vtep4j.testing.Ports;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The UDP transport with direct I/O ({@code recvmmsg} / {@code sendmmsg} through {@code MmsgPort}): the same
 * contract as the Netty path (payload ownership, batching, drops, IPv4 and IPv6), plus what it is for: no objects per
 * packet on the event loop.
 */
class DirectIoTest {

    @RegisterExtension
    final UnderlayHarness harness = new UnderlayHarness("direct-test");

    final RecordingReceiver queueing = harness.receiver;

    UdpUnderlay open(String address, int port, UnderlayReceiver receiver, boolean direct) throws Exception {
        return open(address, port, receiver, direct, false);
    }

    UdpUnderlay open(String address, int port, UnderlayReceiver receiver, boolean direct, boolean gso)
            throws Exception {
        return open(address, port, receiver, direct, gso, false);
    }

    UdpUnderlay open(String address, int port, UnderlayReceiver receiver, boolean direct, boolean gso, boolean gro)
            throws Exception {
        UnderlayConfig config = UnderlayConfig.builder(harness.group())
                .allocator(PooledByteBufAllocator.DEFAULT)
                .localAddress(InetAddress.getByName(address))
                .port(port)
                .readBatch(16)
                .udpGso(gso)
                .udpGro(gro)
                .directIo(direct)
                .build();
        return harness.open(config, receiver);
    }

    /**
     * Sends datagram i of {@code sizes.length} to {@code to[i]}, all in one flush on an event loop; each carries its
     * index in its first byte and the low byte of its length in its last one.
     */
    void sendInOneFlush(UdpUnderlay from, int[] sizes, InetAddress[] to) throws InterruptedException {
        harness.group()
                .next()
                .submit(() -> {
                    for (int i = 0; i < sizes.length; i++) {
                        ByteBuf p = PooledByteBufAllocator.DEFAULT
                                .directBuffer(sizes[i])
                                .writeZero(sizes[i]);
                        p.setByte(0, i);
                        p.setByte(sizes[i] - 1, sizes[i]);
                        from.send(p, to[i], 0);
                    }
                    from.flush();
                })
                .sync();
    }

    RecordingReceiver.Received next() throws InterruptedException {
        RecordingReceiver.Received got = queueing.next(5);
        assertNotNull(got, "nothing received within 5 s");
        return got;
    }

    @Test
    void sendsAndReceivesOverIpv4AndIpv6WithOneSharedAddressObjectPerPeer() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, queueing, true);
        open("127.0.0.2", port, queueing, true);
        for (Channel ch : a.channels()) {
            assertFalse(ch.config().isAutoRead(), "the Netty channel must not read: the MmsgPort does");
        }
        InetAddress b = InetAddress.getByName("127.0.0.2");
        for (int i = 0; i < 3; i++) {
            assertTrue(a.send(Unpooled.wrappedBuffer(new byte[] {8, 0, 0, 0, 0, 0, 1, (byte) i}), b, i));
        }
        a.flush();
        InetAddress first = null;
        for (int i = 0; i < 3; i++) {
            RecordingReceiver.Received got = next();
            ByteBuf payload = got.payload();
            try {
                assertEquals(8, payload.readableBytes());
                assertEquals(i, payload.getByte(7), "order kept within one flush");
                assertEquals(InetAddress.getByName("127.0.0.1"), got.source());
                if (first == null) {
                    first = got.source();
                } else {
                    assertSame(first, got.source(), "a known peer's address is one shared object");
                }
            } finally {
                payload.release();
            }
        }
        Await.until(
                Duration.ofSeconds(5), () -> queueing.readCompletes.get() >= 1, () -> "no readComplete after a read");

        int port6 = Ports.freeUdp();
        UdpUnderlay six = open("::1", port6, queueing, true);
        InetAddress self = InetAddress.getByName("::1");
        assertTrue(six.send(Unpooled.wrappedBuffer(new byte[] {8, 0, 0, 0, 0, 0, 2, 0}), self, 1));
        six.flush();
        RecordingReceiver.Received got = next();
        got.payload().release();
        assertEquals(self, got.source());
    }

    @Test
    void gsoRunsArriveAsSeparateDatagramsInOrderWhateverTheMixOfSizesAndDestinations() throws Exception {
        assumeTrue(
                io.netty.channel.epoll.EpollDatagramChannel.isSegmentedDatagramPacketSupported(),
                "UDP GSO needs a kernel with UDP_SEGMENT");
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, queueing, true, true);
        open("127.0.0.2", port, queueing, true);
        open("127.0.0.3", port, queueing, true);
        InetAddress b = InetAddress.getByName("127.0.0.2");
        InetAddress c = InetAddress.getByName("127.0.0.3");
        // Sizes and destinations in one flush: a run of 10 x 900 B ended by a 300 B one, a lone one to c, a larger
        // one (starts a new run), and 3 x 200 B. Each datagram carries its index in byte 0.
        int[] sizes = {900, 900, 900, 900, 900, 900, 900, 900, 900, 900, 300, 500, 1000, 200, 200, 200};
        InetAddress[] to = new InetAddress[sizes.length];
        java.util.Arrays.fill(to, b);
        to[11] = c;
        sendInOneFlush(a, sizes, to);
        int[] seenFromA = new int[sizes.length];
        java.util.Arrays.fill(seenFromA, -1);
        int order = 0;
        for (int k = 0; k < sizes.length; k++) {
            ByteBuf payload = next().payload();
            try {
                int index = payload.getByte(0);
                assertEquals(sizes[index], payload.readableBytes(), "datagram " + index);
                seenFromA[index] = order++;
            } finally {
                payload.release();
            }
        }
        for (int i = 1; i < sizes.length; i++) {
            if (i != 11 && i - 1 != 11) {
                assertTrue(seenFromA[i - 1] < seenFromA[i], "to b in order: " + (i - 1) + " before " + i);
            }
        }
        assertEquals(0, queueing.drops(DropReason.SEND_FAILED));
        // Coalesced into runs, not sent one by one: 11 x to b (900 B ended by 300 B), 1 to c, 1000 B ended by 200 B,
        // and the last 2 x 200 B.
        assertEquals(sizes.length, a.sendCounters().datagrams(), a.sendCounters()::toString);
        assertEquals(4, a.sendCounters().messages(), a.sendCounters()::toString);
    }

    @Test
    void receivesABurstInBatchesAndDropsOversizeDatagramsCounted() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay u = open("127.0.0.1", port, queueing, true);
        InetSocketAddress target = u.boundAddresses().get(0);
        int count = 200;
        try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            sender.send(new java.net.DatagramPacket(new byte[1500], 1500, target)); // > 1500 - 28: no tunnel packet
            byte[] data = new byte[100];
            for (int i = 0; i < count; i++) {
                sender.send(new java.net.DatagramPacket(data, data.length, target));
            }
        }
        for (int i = 0; i < count; i++) {
            ByteBuf payload = next().payload();
            assertEquals(100, payload.readableBytes(), "datagram " + i);
            payload.release();
        }
        assertEquals(1, queueing.drops(DropReason.MTU_EXCEEDED));
        assertTrue(
                queueing.readCompletes.get() < count,
                "reads were batched: " + queueing.readCompletes.get() + " batches");
    }

    @Test
    void aBatchIsReadAheadDatagramByDatagramBeforeAnyOfItIsDelivered() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay u = open("127.0.0.1", port, queueing, true);
        InetSocketAddress target = u.boundAddresses().get(0);
        int count = 40; // read in batches of 16: 16, 16, 8
        // Sent from the underlay's own loop, so that all of them are queued at the socket before its first read.
        harness.group()
                .next()
                .submit(() -> {
                    try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
                        for (int i = 0; i < count; i++) {
                            byte[] data = new byte[20 + i];
                            data[0] = (byte) i;
                            sender.send(new java.net.DatagramPacket(data, data.length, target));
                        }
                    }
                    return null;
                })
                .sync();
        for (int i = 0; i < count; i++) {
            ByteBuf payload = next().payload();
            try {
                assertEquals(i, payload.getUnsignedByte(payload.readerIndex()), "delivered in order");
            } finally {
                payload.release();
            }
        }
        RecordingReceiver.ReadAhead[] seen = queueing.readAheads.toArray(new RecordingReceiver.ReadAhead[0]);
        assertEquals(count, seen.length, "one read-ahead per datagram");
        for (int i = 0; i < count; i++) {
            assertEquals(i, seen[i].firstByte(), "read-ahead " + i + " points at its datagram");
            assertEquals(20 + i, seen[i].length(), "read-ahead " + i + " has its length");
            assertEquals(
                    i / 16 * 16, seen[i].receivedBefore(), "read-ahead " + i + " comes before its batch's deliveries");
        }
    }

    @Test
    void closeDropsAndCountsWhatIsStillQueuedWithoutLeaking() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay u = open("127.0.0.1", port, queueing, true);
        EventLoop loop = harness.group().next();
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(64).writeZero(64);
        loop.submit(() -> u.send(payload, InetAddress.getByName("127.0.0.2"), 0))
                .sync();
        u.close();
        assertEquals(0, payload.refCnt(), "queued payload released on close");
        assertEquals(1, queueing.drops(DropReason.SEND_FAILED));
    }

    @Test
    void closingAfterTheEventLoopsWereShutDownReleasesEverythingOnce() throws Exception {
        // A shared group the application shut down first: the loop closes the ports itself, then close() comes.
        UdpUnderlay u = open("127.0.0.1", Ports.freeUdp(), queueing, true);
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(64).writeZero(64);
        harness.group()
                .next()
                .submit(() -> u.send(payload, InetAddress.getByName("127.0.0.2"), 0))
                .sync();
        harness.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        u.close();
        u.close();
        assertEquals(0, payload.refCnt(), "queued payload released exactly once");
    }

    @Test
    void aFailedSendIsCountedAndTheRestOfTheBatchStillLeaves() throws Exception {
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, queueing, true);
        open("127.0.0.2", port, queueing, true);
        InetAddress b = InetAddress.getByName("127.0.0.2");
        // DF is set and the socket refuses what exceeds the loopback MTU (65536): EMSGSIZE for the middle one.
        ByteBuf tooBig = PooledByteBufAllocator.DEFAULT.directBuffer(66000).writeZero(66000);
        harness.group()
                .next()
                .submit(() -> {
                    a.send(Unpooled.wrappedBuffer(new byte[] {1}), b, 0);
                    a.send(tooBig, b, 0);
                    a.send(Unpooled.wrappedBuffer(new byte[] {3}), b, 0);
                    a.flush();
                })
                .sync();
        assertEquals(1, nextOneByte());
        assertEquals(3, nextOneByte());
        assertEquals(1, queueing.drops(DropReason.SEND_FAILED));
        assertEquals(0, tooBig.refCnt());
    }

    /** The content of the next payload, which must be one byte long. */
    private int nextOneByte() throws InterruptedException {
        ByteBuf payload = next().payload();
        try {
            assertEquals(1, payload.readableBytes());
            return payload.getByte(0);
        } finally {
            payload.release();
        }
    }

    /**
     * What the direct path is for. One event loop sends 64-datagram batches from one underlay to another and
     * receives them; the bytes that loop's thread allocated are read from the JVM before and after 20,000
     * datagrams. The same harness on the Netty path must see its per-packet objects (so the measurement works).
     */
    @Test
    void forwardsWithoutAllocatingOnTheEventLoop() throws Exception {
        // The PARANOID leak detector records a stack trace per buffer: that is what it costs, not the data path.
        // Every other test here runs with it; this one measures the path as users run it.
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        long netty;
        long direct;
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            netty = bytesPerDatagram(false, false);
            direct = bytesPerDatagram(true, false);
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
        System.out.printf("bytes allocated per datagram on the event loop: netty %d, direct %d%n", netty, direct);
        assertTrue(netty >= 32, "the harness must see the Netty path's per-datagram objects: " + netty + " B");
        assertTrue(direct <= 1, "direct I/O allocated " + direct + " B per datagram on the event loop");
    }

    /**
     * The same with UDP GSO on the sending underlay and GRO on the receiving one: each burst leaves as one GSO
     * message and arrives as one GRO message, which the receiving port splits into 64 slices of its batch buffer.
     */
    @Test
    void receivesGroMessagesWithoutAllocatingOnTheEventLoop() throws Exception {
        assumeTrue(
                io.netty.channel.epoll.EpollDatagramChannel.isSegmentedDatagramPacketSupported(),
                "UDP GSO and GRO need a kernel with UDP_SEGMENT");
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        long gro;
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        try {
            gro = bytesPerDatagram(true, true);
        } finally {
            ResourceLeakDetector.setLevel(level);
        }
        System.out.printf("bytes allocated per datagram on the event loop: direct with GSO and GRO %d%n", gro);
        assertTrue(gro <= 1, "direct I/O with GRO allocated " + gro + " B per datagram on the event loop");
    }

    /**
     * Bytes per datagram on the loop that sends 64-datagram bursts and receives them; {@code offload}: GSO on the
     * sender, GRO on the receiver, and the receiver must have seen coalesced messages.
     */
    private long bytesPerDatagram(boolean direct, boolean offload) throws Exception {
        // One permit per datagram received: the test thread waits on it (no allocation on the loop's side).
        Semaphore arrived = new Semaphore(0);
        UnderlayReceiver counting = new UnderlayReceiver() {
            @Override
            public void received(ByteBuf payload, InetAddress source) {
                payload.release();
                arrived.release();
            }

            @Override
            public void readComplete() {}

            @Override
            public void dropped(DropReason reason) {
                queueing.dropped(reason);
            }
        };
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, counting, direct, offload, false);
        UdpUnderlay receiving = open("127.0.0.2", port, counting, direct, false, offload);
        InetAddress b = InetAddress.getByName("127.0.0.2");
        // One unreleasable payload object, sent again and again: the test's own sends allocate nothing.
        ByteBuf frame = Unpooled.unreleasableBuffer(
                PooledByteBufAllocator.DEFAULT.directBuffer(64).writeZero(64));
        EventLoop loop = harness.group().next();
        Runnable burst = () -> {
            for (int i = 0; i < 64; i++) {
                a.send(frame, b, i);
            }
            a.flush();
        };
        long perDatagram = LoopAllocation.bytesPerPacket(loop, burst, arrived, 64, 200, 312);
        frame.unwrap().release();
        ReceiveCounters received = receiving.receiveCounters();
        if (offload) {
            assertEquals(512 * 64, received.datagrams(), received::toString);
            assertTrue(received.messages() * 8 <= received.datagrams(), "coalesced: " + received);
        }
        harness.closeAll();
        return perDatagram;
    }

    @Test
    void groMessagesAreSplitIntoTheDatagramsAGsoSenderSentInOrderWithTheirSizes() throws Exception {
        assumeTrue(
                io.netty.channel.epoll.EpollDatagramChannel.isSegmentedDatagramPacketSupported(),
                "UDP GSO and GRO need a kernel with UDP_SEGMENT");
        int port = Ports.freeUdp();
        UdpUnderlay a = open("127.0.0.1", port, queueing, true, true, false);
        UdpUnderlay b = open("127.0.0.2", port, queueing, true, false, true);
        InetAddress to = InetAddress.getByName("127.0.0.2");
        // One flush: a run of 40 x 1000 B ended by a 300 B one, a run of 20 x 200 B, and a lone 700 B datagram.
        // Each datagram carries its index in its first byte and its length's low byte in its last one.
        int[] sizes = new int[62];
        java.util.Arrays.fill(sizes, 0, 40, 1000);
        sizes[40] = 300;
        java.util.Arrays.fill(sizes, 41, 61, 200);
        sizes[61] = 700;
        InetAddress[] toB = new InetAddress[sizes.length];
        java.util.Arrays.fill(toB, to);
        sendInOneFlush(a, sizes, toB);
        for (int i = 0; i < sizes.length; i++) {
            ByteBuf payload = next().payload();
            try {
                assertEquals(i, payload.getUnsignedByte(payload.readerIndex()), "delivered in order");
                assertEquals(sizes[i], payload.readableBytes(), "datagram " + i);
                assertEquals((byte) sizes[i], payload.getByte(payload.writerIndex() - 1), "datagram " + i + " intact");
            } finally {
                payload.release();
            }
        }
        assertEquals(
                0, queueing.drops.values().stream().mapToLong(Number::longValue).sum(), queueing.drops::toString);
        RecordingReceiver.ReadAhead[] seen = queueing.readAheads.toArray(new RecordingReceiver.ReadAhead[0]);
        assertEquals(sizes.length, seen.length, "one read-ahead per segment");
        for (int i = 0; i < sizes.length; i++) {
            assertEquals(i, seen[i].firstByte(), "read-ahead " + i + " points at its segment");
            assertEquals(sizes[i], seen[i].length(), "read-ahead " + i + " has its segment's length");
        }
        // Coalesced, not merely delivered: without GRO every datagram would be a message of its own.
        ReceiveCounters received = b.receiveCounters();
        assertEquals(sizes.length, received.datagrams(), received::toString);
        assertTrue(received.messages() < received.datagrams(), received::toString);
        assertEquals(0, a.receiveCounters().datagrams(), "a received nothing");
    }
}
