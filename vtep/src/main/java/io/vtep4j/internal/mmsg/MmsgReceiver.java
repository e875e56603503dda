package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.AF_INET;
import static io.vtep4j.internal.mmsg.MmsgLayout.AF_INET6;
import static io.vtep4j.internal.mmsg.MmsgLayout.IN6_PKTINFO_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.IN_PKTINFO_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.IOV_BASE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPI6_ADDR_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPI_ADDR_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPV6_PKTINFO;
import static io.vtep4j.internal.mmsg.MmsgLayout.IP_PKTINFO;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CTRUNC;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_DONTWAIT;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_FLAGS_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_NAMELEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_TRUNC;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN6_ADDR_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN6_SCOPE_ID_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN_ADDR_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOCKADDR_IN6_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IP;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IPV6;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.Destinations;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.UnderlayReceiver;
import io.vtep4j.internal.libc.LibC;
import java.net.InetAddress;

/**
 * The receive half of an {@link MmsgPort}: {@code recvmmsg} into one pooled buffer per batch, each datagram handed
 * on as a slice with its sender mapped through an {@link AddressCache}. Checks, each a counted drop: truncated or
 * longer than the MTU allows ({@link DropReason#MTU_EXCEEDED}); an unknown address family
 * ({@link DropReason#OUTER_UDP_MALFORMED}); and, on a socket bound to a wildcard address, a destination (from the
 * {@code IP_PKTINFO} / {@code IPV6_PKTINFO} control message) that is neither a local address nor a joined group
 * ({@link DropReason#WRONG_DESTINATION}; a datagram without that control message counts the same). The outer TOS /
 * traffic class ({@code IP_TOS} / {@code IPV6_TCLASS} control messages, when the socket asks for them) goes with each
 * datagram to {@link UnderlayReceiver#receivedWithTos}. Datagrams the kernel dropped at the socket are counted from the
 * {@code SO_RXQ_OVFL} control message ({@link ReceiveQueueOverflow}). A batch of two or more is passed over twice:
 * first each datagram goes to {@link UnderlayReceiver#readAhead} (the engine touches the table slots it will need),
 * then each is checked and delivered.
 *
 * <p>UDP GRO (the socket has {@code UDP_GRO} on): one message may carry up to {@link GroSegments#MAX_SEGMENTS}
 * same-flow datagrams, and its {@code UDP_GRO} control message gives their segment size. The slot then holds a
 * whole 64 KiB super-datagram ({@link #GRO_SLOT}) and a batch has at most {@link #GRO_BATCH} messages, so a batch
 * buffer stays at 512 KiB. Each segment is checked and handed on as its own slice, as a datagram read alone would
 * be (same source and TOS, read ahead in the first pass); a segment size that cannot be true ({@link GroSegments})
 * drops the message as {@link DropReason#OUTER_UDP_MALFORMED}, as does a coalesced message whose control messages
 * were truncated (its segment size may be lost). Event loop only.
 */
final class MmsgReceiver {

    /** Retries of a call interrupted by a signal before the read gives up for this wakeup. */
    static final int EINTR_RETRIES = 8;

    /** Receive slot with GRO on: the largest UDP payload (65,507 bytes over IPv4, 65,527 over IPv6) fits. */
    static final int GRO_SLOT = 65535;

    /** Messages per recvmmsg with GRO on, at most: {@code GRO_BATCH * GRO_SLOT} bytes (512 KiB) per batch buffer. */
    static final int GRO_BATCH = 8;

    private final int fd;
    private final SocketCalls calls;
    private final UnderlayReceiver receiver;
    private final ByteBufAllocator allocator;
    private final MessageVector rx;
    private final int slot;
    private final int maxPayload;
    private final int messagesPerWakeup;
    /** UDP GRO on the socket: messages may carry several datagrams. */
    private final boolean gro;

    private final ReceiveCounters counters;
    /** Null on a socket bound to one address (the kernel already filters); else what may be delivered. */
    private final Destinations destinations;

    private final AddressCache sources = new AddressCache();
    private final ReceiveQueueOverflow overflow = new ReceiveQueueOverflow();
    /** What the read-ahead passes read, folded; kept so that those reads are not optimised away. */
    private long readAheadFold;
    /** Whether the current wakeup delivered anything. */
    private boolean delivered;

    MmsgReceiver(
            int fd,
            SocketCalls calls,
            UnderlayReceiver receiver,
            ByteBufAllocator allocator,
            int batch,
            int slot,
            int maxPayload,
            int messagesPerWakeup,
            Destinations destinations,
            boolean gro,
            ReceiveCounters counters) {
        this.fd = fd;
        this.calls = calls;
        this.receiver = receiver;
        this.allocator = allocator;
        this.slot = gro ? Math.max(slot, GRO_SLOT) : slot;
        this.maxPayload = maxPayload;
        this.messagesPerWakeup = messagesPerWakeup;
        this.destinations = destinations;
        this.gro = gro;
        this.counters = counters;
        int control = MmsgLayout.RECEIVE_CONTROL_LENGTH
                + MmsgLayout.RXQ_OVFL_CONTROL_LENGTH
                + (gro ? MmsgLayout.GRO_CONTROL_LENGTH : 0);
        this.rx = new MessageVector(allocator, gro ? Math.min(batch, GRO_BATCH) : batch, this.slot, control);
    }

    /**
     * Reads up to {@code messagesPerWakeup} datagrams, batch by batch, until the socket is drained or {@code port}
     * closes; then one readComplete if anything was delivered. GRO segments count one by one, and a batch is sized
     * in messages, so the last batch may take a wakeup past its budget: up to {@link #GRO_BATCH} messages of up to
     * {@link GroSegments#MAX_SEGMENTS} datagrams each.
     */
    void readReady(MmsgPort port) {
        delivered = false;
        int budget = messagesPerWakeup;
        while (budget > 0 && !port.isClosed()) {
            int n = Math.min(rx.batch(), budget);
            ByteBuf buffer = allocator.directBuffer(n * slot, n * slot);
            int got;
            int datagrams = 0;
            try {
                long address = buffer.memoryAddress();
                for (int i = 0; i < n; i++) {
                    int h = rx.header(i);
                    rx.buffer.setIntLE(h + MSG_NAMELEN_OFFSET, SOCKADDR_IN6_LENGTH);
                    rx.buffer.setIntLE(h + MSG_FLAGS_OFFSET, 0);
                    if (rx.controlLength() > 0) {
                        rx.buffer.setLongLE(h + MSG_CONTROLLEN_OFFSET, rx.controlLength()); // the kernel shrinks it
                    }
                    rx.buffer.setLongLE(rx.iovec(i) + IOV_BASE_OFFSET, address + (long) i * slot);
                }
                got = recvmmsg(n);
                if (got > 1 || (gro && got == 1)) {
                    readAhead(buffer, got);
                }
                for (int i = 0; i < got; i++) {
                    datagrams += deliver(buffer, i);
                }
                if (got > 0) {
                    overflow.update(rx, got - 1, receiver);
                    counters.received(got, datagrams);
                }
            } finally {
                buffer.release();
            }
            if (got < n) {
                break; // drained (or failed): level-triggered epoll calls again if more arrives
            }
            budget -= datagrams;
        }
        if (delivered) {
            receiver.readComplete();
        }
    }

    /**
     * The first pass over a batch of {@code got} datagrams: the engine reads ahead the table memory each will need
     * ({@link UnderlayReceiver#readAhead}), so that their cache misses overlap before the second pass delivers them.
     */
    private void readAhead(ByteBuf buffer, int got) {
        long read = 0;
        try {
            for (int i = 0; i < got; i++) {
                int length = rx.buffer.getIntLE(rx.header(i) + MSG_LEN_OFFSET);
                int size = gro ? ControlMessages.groSegmentSize(rx, i) : 0;
                int segments = GroSegments.count(length, size, slot);
                for (int k = 0; k < segments; k++) {
                    read ^= receiver.readAhead(
                            buffer, i * slot + GroSegments.offset(size, k), GroSegments.length(length, size, k));
                }
            }
        } catch (Throwable ignored) {
            // Only a hint: the delivery pass checks every datagram again.
        }
        readAheadFold ^= read;
    }

    /**
     * Checks message {@code i} of the batch in {@code buffer} and hands on each datagram it carries (one, or the
     * segments of a GRO message); returns how many datagrams it carried (1 for one dropped whole).
     */
    private int deliver(ByteBuf buffer, int i) {
        int h = rx.header(i);
        int length = rx.buffer.getIntLE(h + MSG_LEN_OFFSET);
        int flags = rx.buffer.getIntLE(h + MSG_FLAGS_OFFSET);
        if ((flags & MSG_TRUNC) != 0) {
            // RFC 7348 §4.3: no fragmentation, so a datagram this long is no tunnel packet of ours.
            receiver.dropped(DropReason.MTU_EXCEEDED);
            return 1;
        }
        int size = gro ? ControlMessages.groSegmentSize(rx, i) : 0;
        int segments = GroSegments.count(length, size, slot);
        if (segments < 0 || (gro && (flags & MSG_CTRUNC) != 0)) {
            receiver.dropped(DropReason.OUTER_UDP_MALFORMED);
            return 1;
        }
        if (destinations != null && ((flags & MSG_CTRUNC) != 0 || !addressedToUs(i))) {
            dropped(DropReason.WRONG_DESTINATION, segments);
            return segments;
        }
        InetAddress source = source(rx.name(i));
        if (source == null) {
            dropped(DropReason.OUTER_UDP_MALFORMED, segments);
            return segments;
        }
        int tos = ControlMessages.outerTos(rx, i);
        for (int k = 0; k < segments; k++) {
            int segmentLength = GroSegments.length(length, size, k);
            if (segmentLength > maxPayload) {
                receiver.dropped(DropReason.MTU_EXCEEDED); // as above
                continue;
            }
            try {
                receiver.receivedWithTos(
                        buffer.retainedSlice(i * slot + GroSegments.offset(size, k), segmentLength), source, tos);
            } catch (Throwable ignored) {
                // The receiver owns the slice from the call on; it must not throw, but the loop survives.
            }
            delivered = true;
        }
        return segments;
    }

    /** Counts {@code datagrams} drops for {@code reason}. */
    private void dropped(DropReason reason, int datagrams) {
        for (int k = 0; k < datagrams; k++) {
            receiver.dropped(reason);
        }
    }

    /** One recvmmsg over the first {@code n} receive slots; 0 when nothing is queued or the call failed. */
    private int recvmmsg(int n) {
        for (int attempt = 0; attempt < EINTR_RETRIES; attempt++) {
            int got = calls.recvmmsg(fd, rx.address(0), n, MSG_DONTWAIT);
            if (got >= 0) {
                return got;
            }
            int errno = calls.errno();
            if (errno == LibC.EAGAIN) {
                return 0;
            }
            if (errno != LibC.EINTR) {
                // A pending socket error (an ICMP error about an earlier send) is reported on the next read.
                receiver.dropped(DropReason.SEND_FAILED);
                return 0;
            }
        }
        return 0;
    }

    /** Whether the packet-info control message of datagram {@code i} names a local address or a joined group. */
    private boolean addressedToUs(int i) {
        ByteBuf v = rx.buffer;
        int data = ControlMessages.find(rx, i, SOL_IP, IP_PKTINFO, IN_PKTINFO_LENGTH);
        if (data >= 0) {
            return destinations.accepts4(v.getInt(data + IPI_ADDR_OFFSET));
        }
        data = ControlMessages.find(rx, i, SOL_IPV6, IPV6_PKTINFO, IN6_PKTINFO_LENGTH);
        return data >= 0
                && destinations.accepts6(
                        v.getLong(data + IPI6_ADDR_OFFSET), v.getLong(data + IPI6_ADDR_OFFSET + Long.BYTES));
    }

    /** The sender of a received datagram, from its sockaddr at {@code offset} of the receive vector. */
    private InetAddress source(int offset) {
        ByteBuf v = rx.buffer;
        int family = v.getShortLE(offset) & 0xFFFF;
        if (family == AF_INET) {
            return sources.ipv4(v.getInt(offset + SIN_ADDR_OFFSET));
        }
        if (family == AF_INET6) {
            return sources.ipv6(
                    v.getLong(offset + SIN6_ADDR_OFFSET),
                    v.getLong(offset + SIN6_ADDR_OFFSET + Long.BYTES),
                    v.getIntLE(offset + SIN6_SCOPE_ID_OFFSET));
        }
        return null;
    }

    /** Frees the receive vector. Once, on the loop, after the last read. */
    void release() {
        rx.release();
    }
}
