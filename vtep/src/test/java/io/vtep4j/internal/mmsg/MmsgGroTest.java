package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_DATA_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEVEL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_TYPE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_UDP;
import static io.vtep4j.internal.mmsg.MmsgLayout.UDP_GRO;
import static io.vtep4j.internal.mmsg.MmsgLayout.align;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.RecordingReceiver;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.interop.Await;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A direct I/O port on a socket with UDP GRO that sends a GSO run to itself over loopback, so that the kernel hands
 * it back as one coalesced message; the segment size the kernel reported is then rewritten between the real
 * {@code recvmmsg} and the port (at the {@link SocketCalls} seam), to see what the port makes of sizes no kernel
 * writes: each is dropped and counted, nothing is thrown, no buffer leaks (PARANOID leak detection).
 */
class MmsgGroTest {

    static final int SEGMENTS = 10;
    static final int SEGMENT = 500;

    EventLoopGroup group;
    Channel channel;
    MmsgPort port;
    final RecordingReceiver receiver = new RecordingReceiver();
    final ReceiveCounters received = new ReceiveCounters();
    final Tamper calls = new Tamper();

    @BeforeEach
    void start() throws Exception {
        assumeTrue(
                Transports.epoll() && EpollDatagramChannel.isSegmentedDatagramPacketSupported(),
                "UDP GSO and GRO need epoll and a kernel with UDP_SEGMENT");
        group = Transports.newGroup(1, "gro");
        channel = MmsgFaultTest.bindIdle(group, true);
        int fd = ((EpollDatagramChannel) channel).fd().intValue();
        MmsgPort.Options options = new MmsgPort.Options(
                PooledByteBufAllocator.DEFAULT,
                ((InetSocketAddress) channel.localAddress()).getPort(),
                1501,
                1472,
                16,
                64,
                true,
                null,
                new SendCounters(),
                true,
                received);
        port = MmsgPort.open((IoEventLoop) channel.eventLoop(), fd, receiver, options, calls);
    }

    @AfterEach
    void stop() throws Exception {
        MmsgFaultTest.stop(port, channel, receiver, group);
    }

    /** Sends one GSO run of {@link #SEGMENTS} datagrams of {@link #SEGMENT} bytes to the port's own socket. */
    void sendRunToSelf() throws Exception {
        InetAddress self = InetAddress.getByName("127.0.0.1");
        port.loop()
                .submit(() -> {
                    for (int i = 0; i < SEGMENTS; i++) {
                        ByteBuf p = PooledByteBufAllocator.DEFAULT
                                .directBuffer(SEGMENT)
                                .writeZero(SEGMENT);
                        p.setByte(0, i);
                        port.queue(p, self);
                    }
                    port.flush();
                })
                .sync();
    }

    /** Waits until the port has read one more message than {@code before}. */
    void awaitMessage(long before) throws Exception {
        Await.until(Duration.ofSeconds(5), () -> received.messages() > before, received::toString);
    }

    @Test
    void theKernelsSegmentSizeSplitsTheMessageIntoItsDatagrams() throws Exception {
        sendRunToSelf();
        for (int i = 0; i < SEGMENTS; i++) {
            RecordingReceiver.Received item = receiver.next(5);
            assertNotNull(item, "datagram " + i);
            try {
                assertEquals(SEGMENT, item.payload().readableBytes());
                assertEquals(i, item.payload().getByte(item.payload().readerIndex()));
            } finally {
                item.payload().release();
            }
        }
        assertEquals(1, received.messages(), "one coalesced message: " + received);
        assertEquals(SEGMENTS, received.datagrams(), received::toString);
        assertEquals(SEGMENT, calls.seen.get(), "the segment size the kernel reported");
    }

    @Test
    void segmentSizesNoKernelWritesDropTheMessageCounted() throws Exception {
        int[] lies = {-1, Integer.MIN_VALUE, SEGMENTS * SEGMENT + 1, Integer.MAX_VALUE, 1, 30};
        for (int lie : lies) {
            calls.rewrite.set(lie);
            long before = received.messages();
            sendRunToSelf();
            awaitMessage(before);
        }
        assertEquals(lies.length, receiver.drops(DropReason.OUTER_UDP_MALFORMED), receiver.drops::toString);
        assertNull(receiver.received.poll(), "nothing delivered");
        assertEquals(lies.length, calls.rewritten.get(), "every message carried a segment size to rewrite");
    }

    @Test
    void aMissingSegmentSizeLeavesOneDatagramTooLongForTheMtuAndOversizeSegmentsAreDroppedEach() throws Exception {
        calls.rewrite.set(0); // as if not coalesced: 5000 bytes, longer than the 1472 allowed
        sendRunToSelf();
        awaitMessage(0);
        assertEquals(1, receiver.drops(DropReason.MTU_EXCEEDED));

        calls.rewrite.set(2000); // 2000, 2000 and 1000 bytes: two too long, the last one delivered
        sendRunToSelf();
        RecordingReceiver.Received item = receiver.next(5);
        assertNotNull(item);
        try {
            assertEquals(1000, item.payload().readableBytes());
        } finally {
            item.payload().release();
        }
        assertEquals(3, receiver.drops(DropReason.MTU_EXCEEDED));
        assertNull(receiver.received.poll(), "nothing else delivered");
        assertTrue(receiver.drops(DropReason.OUTER_UDP_MALFORMED) == 0);
    }

    /**
     * The real recvmmsg; then, when {@link #rewrite} is set, the {@code UDP_GRO} segment size of the first message is
     * overwritten with it. Allocation-free; on the port's loop.
     */
    static final class Tamper implements SocketCalls {
        /** Leave the kernel's segment size as it is. */
        static final long NONE = Long.MIN_VALUE;

        /** The segment size to write instead of the kernel's, or {@link #NONE}. */
        final java.util.concurrent.atomic.AtomicLong rewrite = new java.util.concurrent.atomic.AtomicLong(NONE);

        final AtomicInteger rewritten = new AtomicInteger();
        /** The last segment size the kernel wrote. */
        final AtomicInteger seen = new AtomicInteger(-1);

        private int errno;

        @Override
        public int recvmmsg(int fd, long msgvec, int vlen, int flags) {
            int got = LIBC.recvmmsg(fd, msgvec, vlen, flags);
            errno = got < 0 ? LIBC.errno() : 0;
            if (got > 0) {
                Pointer header = new Pointer(msgvec);
                long control = header.getLong(MSG_CONTROL_OFFSET);
                long length = header.getLong(MSG_CONTROLLEN_OFFSET);
                for (long c = 0; c + CMSG_DATA_OFFSET <= length; ) {
                    Pointer cmsg = new Pointer(control + c);
                    long cmsgLength = cmsg.getLong(CMSG_LEN_OFFSET);
                    if (cmsgLength < CMSG_DATA_OFFSET) {
                        break;
                    }
                    if (cmsg.getInt(CMSG_LEVEL_OFFSET) == SOL_UDP && cmsg.getInt(CMSG_TYPE_OFFSET) == UDP_GRO) {
                        seen.set(cmsg.getInt(CMSG_DATA_OFFSET));
                        long value = rewrite.get();
                        if (value != NONE) {
                            cmsg.setInt(CMSG_DATA_OFFSET, (int) value);
                            rewritten.incrementAndGet();
                        }
                        break;
                    }
                    c += align((int) cmsgLength);
                }
            }
            return got;
        }

        @Override
        public int sendmmsg(int fd, long msgvec, int vlen, int flags) {
            int sent = LIBC.sendmmsg(fd, msgvec, vlen, flags);
            errno = sent < 0 ? LIBC.errno() : 0;
            return sent;
        }

        @Override
        public int errno() {
            return errno;
        }
    }
}
