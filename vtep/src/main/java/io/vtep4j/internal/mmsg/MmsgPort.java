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
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.UnderlayReceiver;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
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

    // struct mmsghdr on LP64 Linux: struct msghdr (56 bytes) + unsigned msg_len + padding.
    private static final int MMSGHDR = 64;
    private static final int MSG_NAME = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int MSG_LEN = 56;
    /** struct iovec: base, length. */
    private static final int IOVEC = 16;
    /** CMSG_SPACE(sizeof(uint16_t)): cmsghdr (len 8, level 4, type 4) + 2 data bytes, rounded up to 8. */
    private static final int CMSG = 24;
    /** CMSG_LEN(sizeof(uint16_t)). */
    private static final int CMSG_LEN = 18;
    /** {@code <netinet/in.h>}: SOL_UDP (IPPROTO_UDP). */
    private static final int SOL_UDP = 17;
    /** {@code <linux/udp.h>}: UDP_SEGMENT, the GSO segment size of one sendmsg. */
    private static final int UDP_SEGMENT = 103;
    /** Datagrams per GSO message at most (the kernel's UDP_MAX_SEGMENTS is 64 or more). */
    private static final int GSO_MAX_SEGMENTS = 64;
    /** Payload bytes per GSO message at most (below 65,507, the largest IPv4 UDP payload). */
    private static final int GSO_MAX_BYTES = 65_000;
    /** Room per address: sockaddr_in6 (28 bytes) rounded up. */
    private static final int SOCKADDR = 32;

    private static final int SOCKADDR_IN6_LEN = 28;
    private static final int SOCKADDR_IN_LEN = 16;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    /** Retries of a system call interrupted by a signal before the batch counts as failed. */
    private static final int EINTR_RETRIES = 8;
    /** Destinations remembered as ready-made sockaddr bytes; past this the map starts over. */
    private static final int MAX_DESTINATIONS = 4096;

    private final IoEventLoop loop;
    private final FileDescriptor fd;
    private final UnderlayReceiver receiver;
    private final ByteBufAllocator allocator;
    private final int destinationPort;
    private final int slot;
    private final int maxPayload;
    private final int batch;
    private final int messagesPerWakeup;
    /** UDP GSO on send: runs of equal-size datagrams to one destination leave as one message each. */
    private final boolean gso;
    /** Messages sendmmsg accepted and the datagrams they carried (a GSO message carries a run). */
    private final SendCounters sent;
    /** Receive vector: [mmsghdr x batch][iovec x batch][sockaddr x batch]. */
    private final ByteBuf rx;
    /** Send vector, same layout. */
    private final ByteBuf tx;

    private final ByteBuf[] pending;
    /** The sockaddr bytes of each pending datagram (one shared array per destination, compared by identity). */
    private final byte[][] pendingAddress;
    /** Per message of the last flush: how many datagrams it carries. */
    private final int[] segments;

    private final AddressCache sources = new AddressCache();
    private final Map<InetAddress, byte[]> destinations = new HashMap<>();
    private int pendingCount;
    private IoRegistration registration;
    /** Set by close; read on the loop. */
    private volatile boolean closed;
    /** The release of vectors, queued payloads and descriptor happens once. */
    private final AtomicBoolean released = new AtomicBoolean();

    private MmsgPort(
            IoEventLoop loop,
            int fd,
            UnderlayReceiver receiver,
            ByteBufAllocator allocator,
            int destinationPort,
            int slot,
            int maxPayload,
            int batch,
            int messagesPerWakeup,
            boolean gso,
            SendCounters sent) {
        this.loop = loop;
        this.fd = new FileDescriptor(fd);
        this.receiver = receiver;
        this.allocator = allocator;
        this.destinationPort = destinationPort;
        this.slot = slot;
        this.maxPayload = maxPayload;
        this.batch = batch;
        this.messagesPerWakeup = messagesPerWakeup;
        this.gso = gso;
        this.sent = sent;
        int vectorBytes = batch * (MMSGHDR + IOVEC + SOCKADDR);
        this.rx = allocator.directBuffer(vectorBytes, vectorBytes);
        int txBytes = vectorBytes + batch * CMSG; // send: plus one UDP_SEGMENT control message per message
        this.tx = allocator.directBuffer(txBytes, txBytes);
        this.pending = new ByteBuf[batch];
        this.pendingAddress = new byte[batch][];
        this.segments = new int[batch];
        layOut(rx, slot);
        layOut(tx, 0);
    }

    /**
     * Whether this platform can run the port: Linux epoll, little-endian, 64-bit pointers, and buffers with a memory
     * address (Netty has {@code sun.misc.Unsafe}). Returns null if so, else the reason.
     */
    public static String unsupportedReason(ByteBufAllocator allocator) {
        try {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN || Native.POINTER_SIZE != 8) {
                return "needs a little-endian 64-bit CPU (x86_64, aarch64); this is " + System.getProperty("os.arch");
            }
            Syscalls.errno(); // binds libc now: a platform JNA cannot serve fails here, not on the first packet
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
     * @param destinationPort UDP port every {@link #queue}d packet is sent to
     * @param slot receive bytes per datagram (one more than the largest valid payload, so truncation shows)
     * @param maxPayload longest valid datagram; longer ones are dropped as {@link DropReason#MTU_EXCEEDED}
     * @param batch vector length of one recvmmsg / sendmmsg
     * @param messagesPerWakeup datagrams read per epoll wakeup at most, before {@link UnderlayReceiver#readComplete}
     * @param gso send runs of equal-size datagrams to one destination as one UDP GSO message each (the socket must
     *        compute UDP checksums: Linux refuses GSO with SO_NO_CHECK)
     * @param sent counts the messages the kernel accepts and the datagrams they carry
     * @throws IOException if dup or registration fails
     */
    public static MmsgPort open(
            IoEventLoop loop,
            int channelFd,
            UnderlayReceiver receiver,
            ByteBufAllocator allocator,
            int destinationPort,
            int slot,
            int maxPayload,
            int batch,
            int messagesPerWakeup,
            boolean gso,
            SendCounters sent)
            throws IOException {
        String unsupported = unsupportedReason(allocator);
        if (unsupported != null) {
            throw new IOException("direct I/O " + unsupported);
        }
        int dup = Syscalls.dup(channelFd);
        if (dup < 0) {
            int errno = Syscalls.errno();
            throw new IOException("direct I/O: dup(" + channelFd + ") failed: " + Syscalls.strerror(errno));
        }
        MmsgPort port = new MmsgPort(
                loop, dup, receiver, allocator, destinationPort, slot, maxPayload, batch, messagesPerWakeup, gso, sent);
        try {
            io.netty.util.concurrent.Future<IoRegistration> f = loop.register(port);
            if (!f.awaitUninterruptibly(10, TimeUnit.SECONDS) || !f.isSuccess()) {
                throw new IOException("direct I/O: cannot register with " + loop + ": " + f.cause(), f.cause());
            }
            port.registration = f.getNow();
            port.registration.submit(EpollIoOps.EPOLLIN);
        } catch (IOException | RuntimeException e) {
            port.close();
            throw e instanceof IOException ? (IOException) e : new IOException("direct I/O: " + e.getMessage(), e);
        }
        return port;
    }

    /**
     * Points every mmsghdr of a vector at its iovec and sockaddr slot, and gives every iovec the length
     * {@code iovLength} (receive: the fixed slot; send: 0, set per datagram).
     */
    private void layOut(ByteBuf vector, int iovLength) {
        vector.setZero(0, vector.capacity());
        long base = vector.memoryAddress();
        int iovs = batch * MMSGHDR;
        int names = iovs + batch * IOVEC;
        for (int i = 0; i < batch; i++) {
            int h = i * MMSGHDR;
            vector.setLongLE(h + MSG_NAME, base + names + (long) i * SOCKADDR);
            vector.setLongLE(h + MSG_IOV, base + iovs + (long) i * IOVEC);
            vector.setLongLE(h + MSG_IOVLEN, 1);
            vector.setLongLE(iovs + i * IOVEC + 8, iovLength);
        }
    }

    /** The event loop everything but open/close runs on. */
    public IoEventLoop loop() {
        return loop;
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent ioEvent) {
        try {
            readReady();
        } catch (Throwable t) {
            // Nothing may leave the event loop; buffers are released where they were taken.
            receiver.internalError(t);
        }
    }

    /** Reads up to {@code messagesPerWakeup} datagrams, batch by batch, then ends the read with readComplete. */
    private void readReady() {
        boolean delivered = false;
        int budget = messagesPerWakeup;
        int iovs = batch * MMSGHDR;
        int names = iovs + batch * IOVEC;
        while (budget > 0 && !closed) {
            int n = Math.min(batch, budget);
            ByteBuf buffer = allocator.directBuffer(n * slot, n * slot);
            int got;
            try {
                long address = buffer.memoryAddress();
                for (int i = 0; i < n; i++) {
                    int h = i * MMSGHDR;
                    rx.setIntLE(h + MSG_NAMELEN, SOCKADDR_IN6_LEN);
                    rx.setIntLE(h + MSG_FLAGS, 0);
                    rx.setLongLE(iovs + i * IOVEC, address + (long) i * slot); // length: set once, in layOut
                }
                got = recvmmsg(n);
                for (int i = 0; i < got; i++) {
                    int h = i * MMSGHDR;
                    int length = rx.getIntLE(h + MSG_LEN);
                    if ((rx.getIntLE(h + MSG_FLAGS) & Syscalls.MSG_TRUNC) != 0 || length > maxPayload) {
                        // RFC 7348 §4.3: no fragmentation, so a datagram this long is no tunnel packet of ours.
                        receiver.dropped(DropReason.MTU_EXCEEDED);
                        continue;
                    }
                    InetAddress source = source(names + i * SOCKADDR);
                    if (source == null) {
                        receiver.dropped(DropReason.OUTER_UDP_MALFORMED);
                        continue;
                    }
                    delivered = true;
                    try {
                        receiver.received(buffer.retainedSlice(i * slot, length), source);
                    } catch (Throwable ignored) {
                        // The receiver owns the slice from the call on; it must not throw, but the loop survives.
                    }
                }
            } finally {
                buffer.release();
            }
            if (got < n) {
                break; // drained (or failed): level-triggered epoll calls again if more arrives
            }
            budget -= got;
        }
        if (delivered) {
            receiver.readComplete();
        }
    }

    /** One recvmmsg over the first {@code n} receive slots; 0 when nothing is queued or the call failed. */
    private int recvmmsg(int n) {
        for (int attempt = 0; attempt < EINTR_RETRIES; attempt++) {
            int got = Syscalls.recvmmsg(fd.intValue(), rx.memoryAddress(), n, Syscalls.MSG_DONTWAIT, 0);
            if (got >= 0) {
                return got;
            }
            int errno = Syscalls.errno();
            if (errno == Syscalls.EAGAIN) {
                return 0;
            }
            if (errno != Syscalls.EINTR) {
                // A pending socket error (an ICMP error about an earlier send) is reported on the next read.
                receiver.dropped(DropReason.SEND_FAILED);
                return 0;
            }
        }
        return 0;
    }

    /** The sender of a received datagram, from its sockaddr at {@code offset} of the receive vector. */
    private InetAddress source(int offset) {
        int family = rx.getShortLE(offset) & 0xFFFF;
        if (family == AF_INET) {
            return sources.ipv4(rx.getInt(offset + 4));
        }
        if (family == AF_INET6) {
            return sources.ipv6(rx.getLong(offset + 8), rx.getLong(offset + 16), rx.getIntLE(offset + 24));
        }
        return null;
    }

    /**
     * Adds one datagram to the send vector (sending the vector first if it is full). Takes ownership of
     * {@code payload}; a payload without a single memory address (heap, or composite) is copied once into a direct
     * buffer. Event loop only.
     */
    public void queue(ByteBuf payload, InetAddress destination) {
        if (closed) {
            payload.release();
            receiver.dropped(DropReason.SEND_FAILED);
            return;
        }
        if (pendingCount == batch) {
            flush();
        }
        ByteBuf data = payload;
        if (!data.hasMemoryAddress()) {
            data = allocator.directBuffer(payload.readableBytes());
            data.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            payload.release();
        }
        int i = pendingCount;
        byte[] sockaddr = sockaddr(destination);
        int iovs = batch * MMSGHDR;
        int names = iovs + batch * IOVEC;
        tx.setBytes(names + i * SOCKADDR, sockaddr);
        tx.setLongLE(iovs + i * IOVEC, data.memoryAddress() + data.readerIndex());
        tx.setLongLE(iovs + i * IOVEC + 8, data.readableBytes());
        pending[i] = data;
        pendingAddress[i] = sockaddr;
        pendingCount = i + 1;
    }

    /** Datagrams queued and not yet sent. Event loop only. */
    public int pending() {
        return pendingCount;
    }

    /**
     * Sends what {@link #queue} collected with as few sendmmsg calls as the kernel allows, then releases the
     * payloads. With GSO, each run of equal-size datagrams to one destination (a shorter one may end it) is one
     * message carrying a UDP_SEGMENT control message. A message the kernel refuses (EMSGSIZE with DF, no route, ...)
     * counts its datagrams as {@link DropReason#SEND_FAILED} and the rest go on; a full socket buffer (EAGAIN) drops
     * the rest, counted. Event loop only.
     */
    public void flush() {
        int n = pendingCount;
        if (n == 0) {
            return;
        }
        int messages = buildMessages(n);
        int done = 0;
        int interrupted = 0;
        while (done < messages) {
            int sent = Syscalls.sendmmsg(fd.intValue(), tx.memoryAddress() + (long) done * MMSGHDR, messages - done, 0);
            if (sent > 0) {
                int datagrams = 0;
                for (int m = done; m < done + sent; m++) {
                    datagrams += segments[m];
                }
                this.sent.sent(sent, datagrams);
                done += sent;
                continue;
            }
            int errno = sent < 0 ? Syscalls.errno() : 0;
            if (errno == Syscalls.EINTR && ++interrupted < EINTR_RETRIES) {
                continue;
            }
            int failed = errno == Syscalls.EAGAIN ? messages : done + 1;
            for (; done < failed; done++) {
                for (int k = 0; k < segments[done]; k++) {
                    receiver.dropped(DropReason.SEND_FAILED);
                }
            }
        }
        for (int i = 0; i < n; i++) {
            pending[i].release();
            pending[i] = null;
            pendingAddress[i] = null;
        }
        pendingCount = 0;
    }

    /**
     * Writes one mmsghdr per message over the {@code n} pending datagrams and returns the number of messages.
     * Message m never covers a datagram before m, so its header slot is free to overwrite.
     */
    private int buildMessages(int n) {
        long base = tx.memoryAddress();
        int iovs = batch * MMSGHDR;
        int names = iovs + batch * IOVEC;
        int controls = names + batch * SOCKADDR;
        int maxSegments = gso ? GSO_MAX_SEGMENTS : 1;
        int messages = 0;
        for (int i = 0; i < n; ) {
            byte[] sockaddr = pendingAddress[i];
            int size = (int) tx.getLongLE(iovs + i * IOVEC + 8);
            int j = i + 1;
            int bytes = size;
            while (j < n && j - i < maxSegments && pendingAddress[j] == sockaddr) {
                int next = (int) tx.getLongLE(iovs + j * IOVEC + 8);
                if (next > size || bytes + next > GSO_MAX_BYTES) {
                    break;
                }
                bytes += next;
                j++;
                if (next < size) {
                    break; // only the last segment may be shorter
                }
            }
            int h = messages * MMSGHDR;
            tx.setLongLE(h + MSG_NAME, base + names + (long) i * SOCKADDR);
            tx.setIntLE(h + MSG_NAMELEN, sockaddr.length);
            tx.setLongLE(h + MSG_IOV, base + iovs + (long) i * IOVEC);
            tx.setLongLE(h + MSG_IOVLEN, j - i);
            if (j - i > 1) {
                int c = controls + messages * CMSG;
                tx.setLongLE(c, CMSG_LEN);
                tx.setIntLE(c + 8, SOL_UDP);
                tx.setIntLE(c + 12, UDP_SEGMENT);
                tx.setShortLE(c + 16, size);
                tx.setLongLE(h + MSG_CONTROL, base + c);
                tx.setLongLE(h + MSG_CONTROLLEN, CMSG);
            } else {
                tx.setLongLE(h + MSG_CONTROL, 0);
                tx.setLongLE(h + MSG_CONTROLLEN, 0);
            }
            segments[messages++] = j - i;
            i = j;
        }
        return messages;
    }

    /** The destination's sockaddr_in / sockaddr_in6 bytes, made once per destination. */
    private byte[] sockaddr(InetAddress destination) {
        byte[] sockaddr = destinations.get(destination);
        if (sockaddr != null) {
            return sockaddr;
        }
        if (destinations.size() >= MAX_DESTINATIONS) {
            destinations.clear();
        }
        byte[] ip = destination.getAddress();
        boolean v6 = ip.length == 16;
        sockaddr = new byte[v6 ? SOCKADDR_IN6_LEN : SOCKADDR_IN_LEN];
        sockaddr[0] = (byte) (v6 ? AF_INET6 : AF_INET); // sa_family, little-endian
        sockaddr[2] = (byte) (destinationPort >>> 8); // port, network order
        sockaddr[3] = (byte) destinationPort;
        System.arraycopy(ip, 0, sockaddr, v6 ? 8 : 4, ip.length);
        if (v6) {
            int scope = ((Inet6Address) destination).getScopeId();
            for (int k = 0; k < 4; k++) {
                sockaddr[24 + k] = (byte) (scope >>> (8 * k));
            }
        }
        destinations.put(destination, sockaddr);
        return sockaddr;
    }

    /**
     * Stops receiving, drops what is still queued (counted) and closes the duplicate descriptor; the socket itself
     * lives on in its channel. Runs on the loop (hands over if called elsewhere, and waits). Idempotent.
     */
    @Override
    public void close() {
        if (!loop.inEventLoop()) {
            if (!loop.isShuttingDown()) {
                try {
                    loop.submit(this::close).awaitUninterruptibly(10, TimeUnit.SECONDS);
                    return;
                } catch (RejectedExecutionException e) {
                    // The loop began shutting down meanwhile: handled below.
                }
            }
            // A loop that shuts down closes its registrations (this port among them) itself: wait for that, then
            // make sure (the release below runs once, whoever gets there first).
            loop.terminationFuture().awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        closed = true;
        if (!released.compareAndSet(false, true)) {
            return;
        }
        // Remove the duplicate from epoll before closing it: epoll keys on the open socket, which the channel's
        // descriptor keeps alive, so close(2) alone would leave the registration behind.
        if (registration != null) {
            try {
                registration.cancel();
            } catch (RejectedExecutionException e) {
                // The loop has terminated: its epoll instance, and the registration with it, are gone already.
            }
        }
        for (int i = 0; i < pendingCount; i++) {
            pending[i].release();
            pending[i] = null;
            pendingAddress[i] = null;
            receiver.dropped(DropReason.SEND_FAILED);
        }
        pendingCount = 0;
        rx.release();
        tx.release();
        try {
            fd.close();
        } catch (IOException ignored) {
            // Already closed: nothing left to release.
        }
    }
}
