package io.vtep4j.internal.afpacket;

import static io.vtep4j.internal.afpacket.PacketConstants.AF_PACKET;
import static io.vtep4j.internal.afpacket.PacketConstants.SOL_PACKET;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.vtep4j.internal.LoopHandles;
import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.concurrent.RejectedExecutionException;

/**
 * One Ethernet interface through a Linux {@code AF_PACKET} socket, promiscuous: received frames come out of a
 * {@code TPACKET_V3} ring mapped into the process ({@link RxRing}), read on a Netty epoll event loop with no system
 * call per frame and no thread hop; transmitted frames leave in batches through {@code sendmmsg} ({@link TxBatch}),
 * past the queueing discipline ({@code PACKET_QDISC_BYPASS}) when the kernel allows it.
 *
 * <p>VLAN tags: the kernel takes an 802.1Q / 802.1ad tag out of a received frame and reports it in the ring's
 * {@code tp_vlan_tci} ({@code TP_STATUS_VLAN_VALID}); {@link RingSink#frame} passes it on as such, and a tag the
 * kernel left in the frame stays there. Frames this host transmits are not received back.
 *
 * <p>Losses: frames the kernel dropped because the ring was full are read from {@code PACKET_STATISTICS}
 * ({@link #overruns()}); frames longer than a block ({@link #truncated()}) and sends the kernel refused
 * ({@link #sendFailures()}) are counted here. None is hidden, none is retried.
 *
 * <p>Threading: {@link RingSink} callbacks, {@link #send} and {@link #flush} run on {@link #loop()} ({@link #send}
 * from another thread transmits that one frame at once, synchronously); counters and {@link #close} from any
 * thread. Buffers: {@link #send} takes ownership of the frame.
 */
public final class AfPacketChannel implements EpollIoHandle, RingChannel {

    private final IoEventLoop loop;
    private final int rawFd;
    private final FileDescriptor fd;
    private final RingSink sink;
    private final Options options;
    private final long ringAddress;
    private final long ringLength;
    private final ByteBuf ringView;
    private final RxRing rx;
    private final TxBatch tx;
    private final ByteBuf scratch;
    private final Runnable flushTask = this::runFlush;
    private boolean flushScheduled;
    private IoRegistration registration;
    private volatile boolean closed;
    private boolean released;
    // PACKET_STATISTICS reads reset the kernel's counters: totals kept here, guarded by this
    private long overruns;
    private long freezes;
    private long offLoopSent;

    /**
     * What a channel is opened with.
     *
     * @param allocator direct buffers for the transmit batch
     * @param blockSize bytes per ring block: a power of two, at least 4096 (a page) and 2048 more than the longest
     *        frame
     * @param blockCount blocks in the ring, 2..1024
     * @param blockTimeoutMillis how long the kernel fills a block before handing it over partly filled, 1..1000
     * @param frameBudget frames read per wakeup at most before the batch ends (bounded work per wakeup)
     * @param txBatch frames per {@code sendmmsg}
     * @param txSlot bytes per transmitted frame at most (with the tag the channel inserts)
     * @param sendBufferBytes the socket's send buffer ({@code SO_SNDBUF}): frames sent and not yet freed by the
     *        receiving side, 64 KiB..64 MiB
     */
    public record Options(
            ByteBufAllocator allocator,
            int blockSize,
            int blockCount,
            int blockTimeoutMillis,
            int frameBudget,
            int txBatch,
            int txSlot,
            int sendBufferBytes) {
        /** Checks every value, naming the one that is wrong. */
        public Options {
            if (blockSize < 4096 || Integer.bitCount(blockSize) != 1 || blockSize > (1 << 24)) {
                throw new IllegalArgumentException("blockSize: " + blockSize + " (expected: a power of two 4096..16M)");
            }
            check("blockCount", blockCount, 2, 1024);
            check("blockTimeoutMillis", blockTimeoutMillis, 1, 1000);
            check("frameBudget", frameBudget, 1, 1 << 20);
            check("txBatch", txBatch, 1, 1024);
            check("txSlot", txSlot, 64, 65536);
            check("sendBufferBytes", sendBufferBytes, 1 << 16, 1 << 26);
        }

        private static void check(String name, int value, int min, int max) {
            if (value < min || value > max) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
            }
        }

        /**
         * 256 blocks of 32 KiB (8 MiB), 1 ms block timeout, 256 frames per wakeup, 64 frames per send of 9220 B, 4 MiB
         * send buffer. The kernel hands a block over when it is full or at the next timer tick (4 ms at HZ=250)
         * however few frames it holds, so at moderate rates the block count, not the bytes, bounds how long the loop
         * may fall behind (a pause of the JVM, a burst of other work on its CPU): 256 blocks are about a second of
         * ticks; at high rates the 8 MiB are (about 55,000 small frames).
         */
        public static Options defaults(ByteBufAllocator allocator) {
            return new Options(allocator, 1 << 15, 256, 1, 256, 64, 9220, 4 << 20);
        }
    }

    private AfPacketChannel(
            IoEventLoop loop, int fd, RingSink sink, Options options, long ringAddress, long ringLength) {
        this.loop = loop;
        this.rawFd = fd;
        this.fd = new FileDescriptor(fd);
        this.sink = sink;
        this.options = options;
        this.ringAddress = ringAddress;
        this.ringLength = ringLength;
        // JNA's NewDirectByteBuffer view, wrapped by Netty without a copy (with its memory address where Unsafe is)
        this.ringView = Unpooled.wrappedBuffer(new Pointer(ringAddress).getByteBuffer(0, ringLength));
        this.rx = new RxRing(ringView, options.blockSize(), options.blockCount());
        this.tx = new TxBatch(fd, options.allocator(), options.txBatch(), options.txSlot());
        this.scratch = options.allocator().directBuffer(64);
    }

    /**
     * Null if this platform can run the channel (Linux with epoll, a little-endian 64-bit CPU, JNA); else why not.
     * Permissions (CAP_NET_RAW) are not checked here: {@link #open} says so.
     */
    public static String unsupportedReason() {
        if (!System.getProperty("os.name", "")
                .toLowerCase(java.util.Locale.ROOT)
                .contains("linux")) {
            return "needs Linux; this is " + System.getProperty("os.name");
        }
        try {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN || Native.POINTER_SIZE != 8) {
                return "needs a little-endian 64-bit CPU; this is " + System.getProperty("os.arch");
            }
            if (!io.netty.channel.epoll.Epoll.isAvailable()) {
                return "needs Netty's native epoll: " + io.netty.channel.epoll.Epoll.unavailabilityCause();
            }
            LibC.errno(); // binds libc now
        } catch (LinkageError e) {
            return "needs JNA's native library for this platform: " + e;
        }
        return null;
    }

    /**
     * Opens a packet socket on {@code interfaceName}, maps its ring, registers it with {@code loop} and starts
     * receiving. Call from a thread that is not {@code loop}.
     *
     * @throws IOException naming the step that failed and the kernel's reason (no such interface, no permission)
     */
    public static AfPacketChannel open(IoEventLoop loop, String interfaceName, RingSink sink, Options options)
            throws IOException {
        String unsupported = unsupportedReason();
        if (unsupported != null) {
            throw new IOException("AF_PACKET " + unsupported);
        }
        int index = LibC.if_nametoindex(interfaceName);
        if (index == 0) {
            throw new IOException(interfaceName + ": no such interface");
        }
        ByteBuf s = options.allocator().directBuffer(64);
        int fd = -1;
        long ring = LibC.MAP_FAILED;
        long length = (long) options.blockSize() * options.blockCount();
        try {
            // protocol 0: nothing is received until the ring is in place and bind names ETH_P_ALL
            fd = call("socket", LibC.socket(AF_PACKET, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0));
            setInt(fd, s, PacketConstants.PACKET_VERSION, PacketConstants.TPACKET_V3, "PACKET_VERSION TPACKET_V3");
            long sa = s.memoryAddress();
            // struct tpacket_req3: block_size, block_nr, frame_size, frame_nr, retire_blk_tov, sizeof_priv, features
            int frameSize = 2048;
            s.setIntLE(0, options.blockSize());
            s.setIntLE(4, options.blockCount());
            s.setIntLE(8, frameSize);
            s.setIntLE(12, options.blockSize() / frameSize * options.blockCount());
            s.setIntLE(16, options.blockTimeoutMillis());
            s.setIntLE(20, 0);
            s.setIntLE(24, 0);
            call("PACKET_RX_RING", LibC.setsockopt(fd, SOL_PACKET, PacketConstants.PACKET_RX_RING, sa, 28));
            ring = LibC.mmap(0, length, LibC.PROT_READ | LibC.PROT_WRITE, LibC.MAP_SHARED | LibC.MAP_POPULATE, fd, 0);
            if (ring == LibC.MAP_FAILED) {
                call("mmap", -1);
            }
            // Best effort: skip the qdisc on transmit (4.12+: a full device queue is an error, not a queue), and
            // never read our own transmissions back (4.20+; RxRing also skips them).
            setOptional(fd, s, PacketConstants.PACKET_QDISC_BYPASS);
            setOptional(fd, s, PacketConstants.PACKET_IGNORE_OUTGOING);
            // Frames sent stay charged to the socket until the receiving side frees them: the default send buffer
            // (about 200 KiB, a few hundred small frames) runs out while the peer is busy, and each EAGAIN costs the
            // rest of a batch. Best effort: past wmem_max with CAP_NET_ADMIN, else as far as wmem_max allows.
            s.setIntLE(0, options.sendBufferBytes());
            if (LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUFFORCE, sa, 4) != 0) {
                LibC.setsockopt(fd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, sa, 4);
            }
            // struct sockaddr_ll: family, protocol (BE), ifindex, hatype, pkttype, halen, addr[8]
            s.setZero(0, 20);
            s.setShortLE(0, AF_PACKET);
            s.setShortLE(2, PacketConstants.ETH_P_ALL_BE);
            s.setIntLE(4, index);
            call("bind", LibC.bind(fd, sa, 20));
            // struct packet_mreq: ifindex, type, alen, address[8]: a trunk port sees every MAC
            s.setZero(0, 16);
            s.setIntLE(0, index);
            s.setShortLE(4, PacketConstants.PACKET_MR_PROMISC);
            call(
                    "PACKET_ADD_MEMBERSHIP",
                    LibC.setsockopt(fd, SOL_PACKET, PacketConstants.PACKET_ADD_MEMBERSHIP, sa, 16));
        } catch (IOException e) {
            if (ring != LibC.MAP_FAILED) {
                LibC.munmap(ring, length);
            }
            if (fd >= 0) {
                LibC.close(fd);
            }
            throw new IOException(interfaceName + ": " + e.getMessage(), e);
        } finally {
            s.release();
        }
        AfPacketChannel channel = new AfPacketChannel(loop, fd, sink, options, ring, length);
        try {
            channel.registration = LoopHandles.register(loop, channel, "");
            channel.registration.submit(EpollIoOps.EPOLLIN);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException(interfaceName + ": " + e.getMessage(), e);
        }
        return channel;
    }

    private static int call(String what, int result) throws IOException {
        if (result < 0) {
            int errno = LibC.errno();
            if (errno == LibC.EPERM) {
                throw new IOException(
                        "packet socket not permitted: " + what + " needs root or the CAP_NET_RAW " + "capability");
            }
            throw new IOException(LibC.failure(what, errno));
        }
        return result;
    }

    private static void setInt(int fd, ByteBuf s, int name, int value, String what) throws IOException {
        s.setIntLE(0, value);
        call(what, LibC.setsockopt(fd, SOL_PACKET, name, s.memoryAddress(), 4));
    }

    private static void setOptional(int fd, ByteBuf s, int name) {
        s.setIntLE(0, 1);
        LibC.setsockopt(fd, SOL_PACKET, name, s.memoryAddress(), 4);
    }

    /** The event loop the ring is read on. */
    public IoEventLoop loop() {
        return loop;
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent ioEvent) {
        if (closed) {
            return;
        }
        try {
            int got = rx.read(sink, options.frameBudget());
            if (got > 0) {
                sink.batchEnd();
            }
        } catch (Throwable t) {
            // nothing leaves the event loop; RxRing counts what it could not read
        }
        if (tx.pending() > 0) {
            tx.flush();
        }
    }

    /**
     * Transmits one frame, with an 802.1Q tag carrying {@code vlanTci} inserted after the MACs unless it is -1. On the
     * loop the frame joins the current batch (sent when the batch is full or at the end of the loop's current task);
     * elsewhere it is sent at once. Takes ownership; false if it cannot be sent (closed, too long, refused).
     */
    @Override
    public boolean send(ByteBuf frame, int vlanTci) {
        if (closed) {
            frame.release();
            return false;
        }
        if (!loop.inEventLoop()) {
            return sendNow(frame, vlanTci);
        }
        if (!tx.queue(frame, vlanTci)) {
            return false;
        }
        if (tx.pending() > 0 && !flushScheduled) {
            try {
                loop.execute(flushTask);
                flushScheduled = true;
            } catch (RejectedExecutionException e) {
                tx.flush();
            }
        }
        return true;
    }

    /** Sends what {@link #send} batched so far. Event loop only. */
    public void flush() {
        if (!closed && tx.pending() > 0) {
            tx.flush();
        }
    }

    private void runFlush() {
        flushScheduled = false;
        flush();
    }

    /** One frame from a thread other than the loop: copied into a direct buffer and sent with one call. */
    private synchronized boolean sendNow(ByteBuf frame, int vlanTci) {
        ByteBuf out = frame;
        try {
            if (vlanTci >= 0 || !frame.hasMemoryAddress()) {
                out = options.allocator().directBuffer(frame.readableBytes() + 4);
                int ri = frame.readerIndex();
                if (vlanTci >= 0) {
                    out.writeBytes(frame, ri, 12);
                    out.writeInt(RingLayout.TPID_8021Q << 16 | (vlanTci & 0xFFFF));
                    out.writeBytes(frame, ri + 12, frame.readableBytes() - 12);
                } else {
                    out.writeBytes(frame, ri, frame.readableBytes());
                }
            }
            long n = closed
                    ? -1
                    : LibC.sendto(rawFd, out.memoryAddress() + out.readerIndex(), out.readableBytes(), 0, 0, 0);
            if (n < 0) {
                return false;
            }
            offLoopSent++;
            return true;
        } finally {
            if (out != frame) {
                out.release();
            }
            frame.release();
        }
    }

    /** The socket's send buffer as the kernel reports it ({@code SO_SNDBUF}, twice what was set), or -1 if closed. */
    public synchronized int sendBufferBytes() {
        if (released) {
            return -1;
        }
        long a = scratch.memoryAddress();
        scratch.setIntLE(16, 4);
        if (LibC.getsockopt(rawFd, LibC.SOL_SOCKET, LibC.SO_SNDBUF, a, a + 16) != 0) {
            return -1;
        }
        return scratch.getIntLE(0);
    }

    /** Frames received and handed to the sink so far. */
    @Override
    public long received() {
        return rx.frames();
    }

    /** Frames the kernel accepted for transmission. */
    @Override
    public synchronized long sent() {
        return tx.sent() + offLoopSent;
    }

    /**
     * Frames {@link #send} accepted into a batch that the kernel then refused. Failures {@link #send} reports itself
     * (false: closed, too long, refused at once) are the caller's to count.
     */
    @Override
    public synchronized long sendFailures() {
        return tx.failed();
    }

    /** Frames received longer than a ring block can hold, dropped rather than forwarded cut short. */
    @Override
    public long truncated() {
        return rx.truncated() + rx.malformed();
    }

    /** Frames the kernel dropped because the ring was full ({@code tp_drops}). Reads the kernel's counters. */
    @Override
    public synchronized long overruns() {
        readStatistics();
        return overruns;
    }

    /** Times the ring was full and the kernel froze it ({@code tp_freeze_q_cnt}). Reads the kernel's counters. */
    public synchronized long freezes() {
        readStatistics();
        return freezes;
    }

    /** PACKET_STATISTICS: struct tpacket_stats_v3 { tp_packets, tp_drops, tp_freeze_q_cnt }; resets on read. */
    private void readStatistics() {
        if (released) {
            return;
        }
        long a = scratch.memoryAddress();
        scratch.setIntLE(16, 12);
        if (LibC.getsockopt(rawFd, SOL_PACKET, PacketConstants.PACKET_STATISTICS, a, a + 16) == 0) {
            overruns += scratch.getIntLE(4) & 0xFFFFFFFFL;
            freezes += scratch.getIntLE(8) & 0xFFFFFFFFL;
        }
    }

    /** Stops receiving, unmaps the ring and closes the socket; runs on the loop (waits if called elsewhere). */
    @Override
    public void close() {
        // a loop that shuts down stops calling handle() once terminated: handedOver waits for that before unmapping
        if (LoopHandles.handedOver(loop, this::close)) {
            return;
        }
        closed = true;
        synchronized (this) {
            if (released) {
                return;
            }
            readStatistics();
            released = true;
            LoopHandles.cancel(registration);
            tx.release();
            scratch.release();
            ringView.release();
            LibC.munmap(ringAddress, ringLength);
            LibC.close(rawFd);
        }
    }
}
