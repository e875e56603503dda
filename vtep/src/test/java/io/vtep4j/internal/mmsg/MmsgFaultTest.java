package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.MMSGHDR_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_IOVLEN_OFFSET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.util.internal.PlatformDependent;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.RecordingReceiver;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.libc.LibC;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the direct I/O port does when the kernel says no: faults injected at the {@link SocketCalls} seam between the
 * port and libc (the real calls run whenever the script has nothing to say). Each fault is retried, counted, or
 * dropped under a named reason; no buffer leaks (PARANOID leak detection), nothing is thrown out of the loop, and
 * after a partial or refused send the remaining datagrams still leave.
 */
class MmsgFaultTest {

    static final int BATCH = 8;

    EventLoopGroup group;
    Channel channel;
    MmsgPort port;
    DatagramSocket peer;
    final RecordingReceiver receiver = new RecordingReceiver();
    final Script calls = new Script();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Transports.epoll(), "direct I/O needs the epoll transport");
        group = Transports.newGroup(1, "faults");
        peer = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"));
        peer.setSoTimeout(5000);
        channel = bindIdle(group, false);
        port = open(channel, false);
    }

    /** A port on {@code ch} sending to the peer, through {@link #calls}; with {@code gso}, UDP GSO on. */
    MmsgPort open(Channel ch, boolean gso) throws Exception {
        int fd = ((EpollDatagramChannel) ch).fd().intValue();
        MmsgPort.Options options = new MmsgPort.Options(
                PooledByteBufAllocator.DEFAULT,
                peer.getLocalPort(),
                1501,
                1472,
                BATCH,
                64,
                gso,
                null,
                new SendCounters(),
                false,
                new ReceiveCounters());
        return MmsgPort.open((IoEventLoop) ch.eventLoop(), fd, receiver, options, calls);
    }

    @AfterEach
    void stop() throws Exception {
        if (peer != null) {
            peer.close();
        }
        stop(port, channel, receiver, group);
    }

    /**
     * An epoll datagram channel on 127.0.0.1, any port, that never reads ({@code AUTO_READ} off: a port reads its
     * socket); with {@code gro}, UDP GRO on.
     */
    static Channel bindIdle(EventLoopGroup group, boolean gro) throws InterruptedException {
        return new Bootstrap()
                .group(group)
                .channelFactory(() -> new EpollDatagramChannel())
                .option(ChannelOption.AUTO_READ, false)
                .option(EpollChannelOption.UDP_GRO, gro)
                .handler(new ChannelInboundHandlerAdapter())
                .bind(new InetSocketAddress("127.0.0.1", 0))
                .sync()
                .channel();
    }

    /** Closes what a test opened, each part if it was opened, and releases what {@code receiver} still holds. */
    static void stop(MmsgPort port, Channel channel, RecordingReceiver receiver, EventLoopGroup group)
            throws Exception {
        if (port != null) {
            port.close();
        }
        if (channel != null) {
            channel.close().sync();
        }
        receiver.releaseAll();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Queues one-byte datagrams 1..n to the peer and flushes, on the port's loop. */
    void sendOneByteDatagrams(int n) throws Exception {
        sendOneByteDatagrams(port, n);
    }

    static void sendOneByteDatagrams(MmsgPort port, int n) throws Exception {
        InetAddress to = InetAddress.getByName("127.0.0.1");
        port.loop()
                .submit(() -> {
                    for (int i = 1; i <= n; i++) {
                        port.queue(
                                PooledByteBufAllocator.DEFAULT.directBuffer(1).writeByte(i), to);
                    }
                    port.flush();
                })
                .sync();
    }

    static List<Integer> oneTo(int n) {
        return IntStream.rangeClosed(1, n).boxed().toList();
    }

    /** The one-byte contents of the next {@code expected} datagrams, then -1 if one more arrives within 200 ms. */
    List<Integer> peerReceives(int expected) throws Exception {
        List<Integer> got = new ArrayList<>();
        byte[] buf = new byte[16];
        for (int i = 0; i < expected; i++) {
            peer.receive(new DatagramPacket(buf, buf.length)); // SO_TIMEOUT 5 s: a missing datagram throws
            got.add(buf[0] & 0xFF);
        }
        peer.setSoTimeout(200);
        try {
            peer.receive(new DatagramPacket(buf, buf.length));
            got.add(-1);
        } catch (SocketTimeoutException quiet) {
            // nothing more: as it should be
        } finally {
            peer.setSoTimeout(5000);
        }
        return got;
    }

    @Test
    void aSendInterruptedBySignalsIsRetried() throws Exception {
        calls.sendFaults(LibC.EINTR, LibC.EINTR);
        sendOneByteDatagrams(3);
        assertEquals(List.of(1, 2, 3), peerReceives(3));
        assertEquals(0, receiver.drops(DropReason.SEND_FAILED));
        assertEquals(3, calls.sendCalls.get(), "two interrupted calls, then one that sent everything");
    }

    @Test
    void aRefusedMessageIsCountedAndTheRestStillLeave() throws Exception {
        for (int errno : new int[] {LibC.ENOBUFS, LibC.EMSGSIZE}) {
            calls.sendFaults(errno);
            sendOneByteDatagrams(3);
            assertEquals(List.of(2, 3), peerReceives(2), "errno " + errno);
        }
        assertEquals(2, receiver.drops(DropReason.SEND_FAILED), "one per refused message");
    }

    @Test
    void aFullSocketBufferDropsTheRestCountedAndTheNextFlushWorks() throws Exception {
        calls.sendFaults(LibC.EAGAIN);
        sendOneByteDatagrams(3);
        assertEquals(3, receiver.drops(DropReason.SEND_FAILED));
        sendOneByteDatagrams(2);
        assertEquals(List.of(1, 2), peerReceives(2));
    }

    @Test
    void aPartialSendmmsgGoesOnWithTheMessagesNotSent() throws Exception {
        calls.partialSends.set(true); // the kernel takes one message per call
        sendOneByteDatagrams(5);
        assertEquals(List.of(1, 2, 3, 4, 5), peerReceives(5));
        assertEquals(5, calls.sendCalls.get());
        assertEquals(0, receiver.drops(DropReason.SEND_FAILED));
    }

    @Test
    void withGsoOneMessageCarriesAWholeRunOfTheKernelsLimit() throws Exception {
        Channel gsoChannel = bindIdle(group, false);
        MmsgPort gsoPort = open(gsoChannel, true);
        try {
            sendOneByteDatagrams(gsoPort, MmsgSender.GSO_MAX_SEGMENTS + 2);
            assertEquals(oneTo(MmsgSender.GSO_MAX_SEGMENTS + 2), peerReceives(MmsgSender.GSO_MAX_SEGMENTS + 2));
            assertEquals(List.of(MmsgSender.GSO_MAX_SEGMENTS, 2), calls.messageSegments, "two messages");
            assertEquals(0, receiver.drops(DropReason.SEND_FAILED));
        } finally {
            stop(gsoPort, gsoChannel, receiver, null);
        }
    }

    @Test
    void aKernelWithTheOlderGsoLimitGetsShorterRunsAndLosesNothing() throws Exception {
        Channel gsoChannel = bindIdle(group, false);
        MmsgPort gsoPort = open(gsoChannel, true);
        calls.segmentLimit = MmsgSender.GSO_OLD_MAX_SEGMENTS; // EINVAL above it, as such a kernel answers
        try {
            sendOneByteDatagrams(gsoPort, 100);
            assertEquals(oneTo(100), peerReceives(100), "the refused run was sent again");
            assertEquals(List.of(100, 64, 36), calls.messageSegments, "refused once, then runs of 64");
            calls.messageSegments.clear();
            sendOneByteDatagrams(gsoPort, 100);
            assertEquals(oneTo(100), peerReceives(100));
            assertEquals(List.of(64, 36), calls.messageSegments, "the lower limit holds");
            assertEquals(0, receiver.drops(DropReason.SEND_FAILED));
        } finally {
            stop(gsoPort, gsoChannel, receiver, null);
        }
    }

    @Test
    void receiveFaultsAreRetriedOrCountedAndTheDatagramStillArrives() throws Exception {
        InetSocketAddress to = (InetSocketAddress) channel.localAddress();
        calls.receiveFaults(LibC.EINTR, LibC.ENOBUFS, LibC.EAGAIN);
        peer.send(new DatagramPacket(new byte[] {8, 0, 0, 0, 0, 0, 1, 0}, 8, to));
        // EINTR: retried at once; ENOBUFS: counted, and epoll (level-triggered) calls again; EAGAIN: nothing yet,
        // and again; then the real call reads it.
        RecordingReceiver.Received item = receiver.received.poll(5, TimeUnit.SECONDS);
        assertNotNull(item, "the datagram did not arrive after the faults");
        assertEquals(8, item.payload().readableBytes());
        item.payload().release();
        assertEquals(1, receiver.drops(DropReason.SEND_FAILED), "the ENOBUFS read, reported as a socket error");
        assertNull(receiver.received.poll(), "delivered once");
    }

    /** Scripted faults in front of the real calls. Faults are set before the calls they affect (happens-before). */
    static final class Script implements SocketCalls {
        final LinkedBlockingQueue<Integer> sendErrnos = new LinkedBlockingQueue<>();
        final LinkedBlockingQueue<Integer> receiveErrnos = new LinkedBlockingQueue<>();
        final AtomicBoolean partialSends = new AtomicBoolean();
        final AtomicInteger sendCalls = new AtomicInteger();
        /** Datagrams in each message offered to the kernel, in order (loop thread only; read after a sync). */
        final List<Integer> messageSegments = new ArrayList<>();
        /** Above 0: a message carrying more datagrams fails with EINVAL (loop thread only). */
        int segmentLimit;
        /** Read right after a failed call, on the loop that made it. */
        private int errno;

        void sendFaults(Integer... errnos) {
            sendErrnos.addAll(List.of(errnos));
        }

        void receiveFaults(Integer... errnos) {
            receiveErrnos.addAll(List.of(errnos));
        }

        @Override
        public int recvmmsg(int fd, long msgvec, int vlen, int flags) {
            Integer fault = receiveErrnos.poll();
            if (fault != null) {
                errno = fault;
                return -1;
            }
            int got = LIBC.recvmmsg(fd, msgvec, vlen, flags);
            errno = got < 0 ? LIBC.errno() : 0;
            return got;
        }

        @Override
        public int sendmmsg(int fd, long msgvec, int vlen, int flags) {
            sendCalls.incrementAndGet();
            Integer fault = sendErrnos.poll();
            if (fault != null) {
                errno = fault;
                return -1;
            }
            int take = partialSends.get() ? 1 : vlen;
            for (int m = 0; m < take; m++) {
                int segments = (int) PlatformDependent.getLong(msgvec + (long) m * MMSGHDR_LENGTH + MSG_IOVLEN_OFFSET);
                messageSegments.add(segments);
                if (segmentLimit > 0 && segments > segmentLimit) {
                    if (m == 0) {
                        errno = LibC.EINVAL;
                        return -1;
                    }
                    take = m; // the messages before it leave, as the kernel does
                }
            }
            int sent = LIBC.sendmmsg(fd, msgvec, take, flags);
            errno = sent < 0 ? LIBC.errno() : 0;
            return sent;
        }

        @Override
        public int errno() {
            return errno;
        }
    }
}
