package io.vtep4j.internal.mmsg;

import com.sun.jna.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.Destinations;
import io.vtep4j.internal.LoopHandles;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.UnderlayReceiver;
import io.vtep4j.internal.libc.LibC;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Batched datagram I/O on a UDP socket without per-packet objects: {@code recvmmsg} and {@code sendmmsg} over
 * vectors kept in native memory, called through JNA on a duplicate of a Netty epoll channel's socket.
 *
 * <p>Why: Netty's epoll datagram channel gives every received datagram a {@code DatagramPacket}, a sender
 * {@code InetSocketAddress} (with its {@code InetAddress} and byte array) and every sent one a
 * {@code DatagramPacket}: about 200 bytes of garbage per forwarded packet (bench/RESULTS.md). Here the sender is read
 * from the kernel's {@code sockaddr} and mapped to a shared address object ({@link AddressCache}); the payload is a
 * pooled slice of one receive buffer per batch; sends are written straight into the {@code mmsghdr} vector.
 *
 * <p>Roles: this class owns the descriptor, its registration and the lifecycle; {@link MmsgReceiver} is the receive
 * loop (splitting UDP GRO messages), {@link MmsgSender} the send vector with GSO, {@link MessageVector} and
 * {@link MmsgLayout} the native layout, {@link SocketCalls} the system calls (the seam where tests inject faults).
 *
 * <p>How it shares the socket: the channel (bound, options set, multicast joins) stays Netty's but never reads
 * ({@code AUTO_READ} off). This port registers its own {@code dup(2)} of the descriptor with the channel's event loop
 * through Netty's {@link io.netty.channel.IoHandle} API, level-triggered on EPOLLIN. Both descriptors name one
 * socket, so every option set through the channel applies here too.
 *
 * <p>Threading: {@link #queue}, {@link #flush} and every receive callback run on {@link #loop()} only.
 * {@link #open} and {@link #close} come from any other thread. Buffers: {@link #queue} takes ownership of the
 * payload (released once written or dropped); {@link UnderlayReceiver#received} gets ownership of each slice.
 * Linux on a little-endian 64-bit CPU only (x86_64, aarch64): {@link #open} says so otherwise.
 */
public final class MmsgPort implements EpollIoHandle {

    private final IoEventLoop loop;
    private final FileDescriptor fd;
    private final UnderlayReceiver receiver;
    private final MmsgReceiver reader;
    private final MmsgSender sender;
    private IoRegistration registration;
    /** Set by close; read on the loop. */
    private volatile boolean closed;
    /** The release of vectors, queued payloads and descriptor happens once. */
    private final AtomicBoolean released = new AtomicBoolean();

    private MmsgPort(IoEventLoop loop, int fd, UnderlayReceiver receiver, Options options, SocketCalls calls) {
        this.loop = loop;
        this.fd = new FileDescriptor(fd);
        this.receiver = receiver;
        this.reader = new MmsgReceiver(
                fd,
                calls,
                receiver,
                options.allocator,
                options.batch,
                options.slot,
                options.maxPayload,
                options.messagesPerWakeup,
                options.destinations,
                options.gro,
                options.received);
        this.sender = new MmsgSender(
                fd,
                calls,
                receiver,
                options.allocator,
                options.batch,
                options.destinationPort,
                options.gso,
                options.sent);
    }

    /**
     * What a port is opened with.
     *
     * @param allocator pooled direct buffers for the vectors and receive batches
     * @param destinationPort UDP port every {@link #queue}d packet is sent to
     * @param slot receive bytes per datagram (one more than the largest valid payload, so truncation shows)
     * @param maxPayload longest valid datagram; longer ones are dropped as {@link DropReason#MTU_EXCEEDED}
     * @param batch vector length of one recvmmsg, and of one sendmmsg (with gso, at least a whole GSO run)
     * @param messagesPerWakeup datagrams read per epoll wakeup at most, before {@link UnderlayReceiver#readComplete}
     * @param gso send runs of equal-size datagrams to one destination as one UDP GSO message each (the socket must
     *        compute UDP checksums: Linux refuses GSO with SO_NO_CHECK)
     * @param destinations null for a socket bound to one address; for a wildcard-bound one, the destinations to
     *        deliver (the socket must have IP_PKTINFO / IPV6_RECVPKTINFO on; others are dropped as
     *        {@link DropReason#WRONG_DESTINATION})
     * @param sent counts the messages the kernel accepts and the datagrams they carry
     * @param gro the socket has UDP GRO on: each message is split into the datagrams its {@code UDP_GRO} control
     *        message says it carries; the receive slot is then at least 65,535 bytes and the receive batch at most 8
     *        messages, so a batch buffer takes at most 512 KiB
     * @param received counts the messages read and the datagrams they carried
     */
    public record Options(
            ByteBufAllocator allocator,
            int destinationPort,
            int slot,
            int maxPayload,
            int batch,
            int messagesPerWakeup,
            boolean gso,
            Destinations destinations,
            SendCounters sent,
            boolean gro,
            ReceiveCounters received) {}

    /**
     * Whether this platform can run the port: Linux epoll, little-endian, 64-bit pointers, and buffers with a memory
     * address (Netty has {@code sun.misc.Unsafe}). Returns null if so, else the reason.
     */
    public static String unsupportedReason(ByteBufAllocator allocator) {
        try {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN || Native.POINTER_SIZE != 8) {
                return "needs a little-endian 64-bit CPU (x86_64, aarch64); this is " + System.getProperty("os.arch");
            }
            LibC.errno(); // binds libc now: a platform JNA cannot serve fails here, not on the first packet
        } catch (LinkageError e) {
            return "needs JNA's native library for this platform: " + e;
        }
        ByteBuf probe = allocator.directBuffer(1);
        try {
            if (!probe.hasMemoryAddress()) {
                return "needs direct buffers with a memory address (Netty without sun.misc.Unsafe cannot)";
            }
        } finally {
            probe.release();
        }
        return null;
    }

    /**
     * Duplicates {@code channelFd}, registers the duplicate with {@code loop} and starts receiving; blocks until
     * registered. Call from a thread that is not {@code loop}.
     *
     * @param receiver gets every datagram, batch end and drop, on {@code loop}
     * @throws IOException if dup or registration fails
     */
    public static MmsgPort open(IoEventLoop loop, int channelFd, UnderlayReceiver receiver, Options options)
            throws IOException {
        return open(loop, channelFd, receiver, options, SocketCalls.LIBC);
    }

    /** As {@link #open(IoEventLoop, int, UnderlayReceiver, Options)}, making its system calls through {@code calls}. */
    static MmsgPort open(IoEventLoop loop, int channelFd, UnderlayReceiver receiver, Options options, SocketCalls calls)
            throws IOException {
        String unsupported = unsupportedReason(options.allocator);
        if (unsupported != null) {
            throw new IOException("direct I/O " + unsupported);
        }
        int dup = LibC.dup(channelFd);
        if (dup < 0) {
            int errno = LibC.errno();
            throw new IOException("direct I/O: dup(" + channelFd + ") failed: " + LibC.strerror(errno));
        }
        MmsgPort port = new MmsgPort(loop, dup, receiver, options, calls);
        try {
            port.registration = LoopHandles.register(loop, port, "direct I/O: ");
            port.registration.submit(EpollIoOps.EPOLLIN);
        } catch (IOException | RuntimeException e) {
            port.close();
            throw e instanceof IOException ? (IOException) e : new IOException("direct I/O: " + e.getMessage(), e);
        }
        return port;
    }

    /** The event loop everything but open/close runs on. */
    public IoEventLoop loop() {
        return loop;
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    /** Whether {@link #close} began. */
    boolean isClosed() {
        return closed;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent ioEvent) {
        try {
            reader.readReady(this);
        } catch (Throwable t) {
            // Nothing may leave the event loop; buffers are released where they were taken.
            receiver.internalError(t);
        }
    }

    /**
     * Adds one datagram to the send vector (sending the vector first if it is full). Takes ownership of
     * {@code payload}; a payload without a single memory address (heap, or composite) is copied once into a direct
     * buffer. Event loop only.
     */
    public void queue(ByteBuf payload, InetAddress destination) {
        queue(payload, destination, -1);
    }

    /**
     * {@link #queue(ByteBuf, InetAddress)} with this datagram's own outer header fields: {@code outer} is
     * {@code tos << 8 | ttl} (traffic class and hop limit on IPv6), or -1 for the socket's.
     */
    public void queue(ByteBuf payload, InetAddress destination, int outer) {
        if (closed) {
            payload.release();
            receiver.dropped(DropReason.SEND_FAILED);
            return;
        }
        sender.queue(payload, destination, outer);
    }

    /** Datagrams queued and not yet sent. Event loop only. */
    public int pending() {
        return sender.pending();
    }

    /**
     * Sends what {@link #queue} collected with as few sendmmsg calls as the kernel allows, then releases the payloads
     * (failures counted as {@link DropReason#SEND_FAILED}, see {@link MmsgSender}). Event loop only.
     */
    public void flush() {
        if (!closed) {
            sender.flush();
        }
    }

    /**
     * Stops receiving, drops what is still queued (counted) and closes the duplicate descriptor; the socket itself
     * lives on in its channel. Runs on the loop (hands over if called elsewhere, and waits). Idempotent.
     */
    @Override
    public void close() {
        // A loop that shuts down closes its registrations (this port among them) itself: handedOver waits for that,
        // then the release below makes sure (it runs once, whoever gets there first).
        if (LoopHandles.handedOver(loop, this::close)) {
            return;
        }
        closed = true;
        if (!released.compareAndSet(false, true)) {
            return;
        }
        // Remove the duplicate from epoll before closing it: epoll keys on the open socket, which the channel's
        // descriptor keeps alive, so close(2) alone would leave the registration behind.
        LoopHandles.cancel(registration);
        sender.release();
        reader.release();
        try {
            fd.close();
        } catch (IOException ignored) {
            // Already closed: nothing left to release.
        }
    }
}
