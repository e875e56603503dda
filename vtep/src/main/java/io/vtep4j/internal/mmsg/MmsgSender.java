package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.AF_INET;
import static io.vtep4j.internal.mmsg.MmsgLayout.AF_INET6;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_DATA_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEVEL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_TYPE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IOV_BASE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IOV_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPV6_HOPLIMIT;
import static io.vtep4j.internal.mmsg.MmsgLayout.IPV6_TCLASS;
import static io.vtep4j.internal.mmsg.MmsgLayout.IP_TOS;
import static io.vtep4j.internal.mmsg.MmsgLayout.IP_TTL;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_IOVLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_IOV_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_NAMELEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_NAME_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SA_FAMILY_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SEND_CONTROL_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN6_ADDR_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN6_SCOPE_ID_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN_ADDR_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SIN_PORT_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOCKADDR_IN6_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOCKADDR_IN_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IP;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_IPV6;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_UDP;
import static io.vtep4j.internal.mmsg.MmsgLayout.UDP_SEGMENT;
import static io.vtep4j.internal.mmsg.MmsgLayout.UDP_SEGMENT_CMSG_SPACE;
import static io.vtep4j.internal.mmsg.MmsgLayout.cmsgLen;
import static io.vtep4j.internal.mmsg.MmsgLayout.cmsgSpace;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.UnderlayReceiver;
import io.vtep4j.internal.libc.LibC;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;

/**
 * The send half of an {@link MmsgPort}: datagrams are queued straight into a {@code mmsghdr} vector and leave with as
 * few {@code sendmmsg} calls as the kernel allows. With UDP GSO, each run of equal-size datagrams to one destination
 * (a shorter one may end it) is one message carrying a {@code UDP_SEGMENT} control message.
 *
 * <p>A GSO message carries up to {@link #GSO_MAX_SEGMENTS} datagrams, the limit of current kernels. A kernel with the
 * older limit refuses such a message with EINVAL; the sender then lowers its limit to {@link #GSO_OLD_MAX_SEGMENTS}
 * for good (one log line per socket) and sends the same datagrams again in shorter runs, so the probe loses nothing.
 *
 * <p>Failures, per message: EINTR is retried; a refused message (EMSGSIZE with DF, ENOBUFS, no route ...) counts its
 * datagrams as {@link DropReason#SEND_FAILED} and the rest go on; a full socket buffer (EAGAIN) drops the rest,
 * counted. A partial {@code sendmmsg} goes on from the first message not sent. A datagram queued with its own outer
 * header fields carries them as IP_TOS + IP_TTL (IPV6_TCLASS + IPV6_HOPLIMIT) control messages; a GSO run holds only
 * datagrams with equal fields. Payloads are released after every
 * flush whatever happened. Event loop only.
 */
final class MmsgSender {

    private static final System.Logger LOG = System.getLogger("io.vtep4j");

    /**
     * Datagrams per GSO message at most: the kernel's {@code UDP_MAX_SEGMENTS}, 128 in current kernels and their
     * stable updates. Each message is one pass through the stack and one re-enabling of the CPU's softirq work: under
     * a flood that work runs inside the send, so the more datagrams one message carries, the more of the CPU stays with
     * forwarding.
     */
    static final int GSO_MAX_SEGMENTS = 128;
    /** {@code UDP_MAX_SEGMENTS} of older kernels. */
    static final int GSO_OLD_MAX_SEGMENTS = 64;
    /** Payload bytes per GSO message at most (below 65,507, the largest IPv4 UDP payload). */
    static final int GSO_MAX_BYTES = 65_000;
    /** Destinations remembered as ready-made sockaddr bytes; past this the map starts over. */
    static final int MAX_DESTINATIONS = 4096;

    private final int fd;
    private final SocketCalls calls;
    private final UnderlayReceiver receiver;
    private final ByteBufAllocator allocator;
    private final int destinationPort;
    private final boolean gso;
    /** Messages sendmmsg accepted and the datagrams they carried (a GSO message carries a run). */
    private final SendCounters sent;
    /** One control slot per message: UDP_SEGMENT and the outer header fields. */
    private final MessageVector tx;

    private final ByteBuf[] pending;
    /** The sockaddr bytes of each pending datagram (one shared array per destination, compared by identity). */
    private final byte[][] pendingAddress;
    /** The outer header fields of each pending datagram: {@code tos << 8 | ttl}, or -1 for the socket's. */
    private final int[] pendingOuter;
    /** Per message of the last flush: how many datagrams it carries. */
    private final int[] segments;

    private final Map<InetAddress, byte[]> destinations = new HashMap<>();
    private int pendingCount;
    /** Datagrams per message at most: 1 without GSO, else what this kernel takes. */
    private int maxSegments;

    MmsgSender(
            int fd,
            SocketCalls calls,
            UnderlayReceiver receiver,
            ByteBufAllocator allocator,
            int batch,
            int destinationPort,
            boolean gso,
            SendCounters sent) {
        this.fd = fd;
        this.calls = calls;
        this.receiver = receiver;
        this.allocator = allocator;
        this.destinationPort = destinationPort;
        this.gso = gso;
        this.maxSegments = gso ? GSO_MAX_SEGMENTS : 1;
        this.sent = sent;
        // with GSO, room for a whole run: one message then carries what the kernel takes
        int vector = gso ? Math.max(batch, GSO_MAX_SEGMENTS) : batch;
        this.tx = new MessageVector(allocator, vector, 0, SEND_CONTROL_LENGTH);
        this.pending = new ByteBuf[vector];
        this.pendingAddress = new byte[vector][];
        this.pendingOuter = new int[vector];
        this.segments = new int[vector];
    }

    /** Adds one datagram (sending the vector first if it is full); owns {@code payload}. */
    void queue(ByteBuf payload, InetAddress destination) {
        queue(payload, destination, -1);
    }

    /** Adds one datagram with outer header fields {@code tos << 8 | ttl} (-1: the socket's); owns {@code payload}. */
    void queue(ByteBuf payload, InetAddress destination, int outer) {
        if (pendingCount == tx.batch()) {
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
        tx.buffer.setBytes(tx.name(i), sockaddr);
        tx.buffer.setLongLE(tx.iovec(i) + IOV_BASE_OFFSET, data.memoryAddress() + data.readerIndex());
        tx.buffer.setLongLE(tx.iovec(i) + IOV_LEN_OFFSET, data.readableBytes());
        pending[i] = data;
        pendingAddress[i] = sockaddr;
        pendingOuter[i] = outer;
        pendingCount = i + 1;
    }

    /** Datagrams queued and not yet sent. */
    int pending() {
        return pendingCount;
    }

    /** Sends everything queued, then releases the payloads. */
    void flush() {
        int n = pendingCount;
        if (n == 0) {
            return;
        }
        int first = 0; // the datagram message 0 starts with
        int messages = buildMessages(first, n);
        int done = 0;
        int interrupted = 0;
        while (done < messages) {
            int accepted = calls.sendmmsg(fd, tx.address(tx.header(done)), messages - done, 0);
            if (accepted > 0) {
                int datagrams = 0;
                for (int m = done; m < done + accepted; m++) {
                    datagrams += segments[m];
                }
                sent.sent(accepted, datagrams);
                done += accepted; // partial: go on from the first message not sent
                continue;
            }
            int errno = accepted < 0 ? calls.errno() : 0;
            if (errno == LibC.EINTR && ++interrupted < MmsgReceiver.EINTR_RETRIES) {
                continue;
            }
            if (errno == LibC.EINVAL && segments[done] > GSO_OLD_MAX_SEGMENTS) {
                maxSegments = GSO_OLD_MAX_SEGMENTS;
                LOG.log(
                        System.Logger.Level.INFO,
                        "UDP GSO: this kernel takes at most " + GSO_OLD_MAX_SEGMENTS + " datagrams per message");
                for (int m = 0; m < done; m++) {
                    first += segments[m];
                }
                messages = buildMessages(first, n);
                done = 0;
                continue;
            }
            // EAGAIN: the socket buffer is full, nothing more will fit now. Else only message `done` failed.
            int failed = errno == LibC.EAGAIN ? messages : done + 1;
            for (; done < failed; done++) {
                for (int k = 0; k < segments[done]; k++) {
                    receiver.dropped(DropReason.SEND_FAILED);
                }
            }
        }
        releasePending(false);
    }

    /**
     * Writes one mmsghdr per message, from slot 0, over the pending datagrams {@code first} to {@code n - 1} and
     * returns the number of messages. Message m never covers a datagram before m, so its header slot is free to
     * overwrite.
     */
    private int buildMessages(int first, int n) {
        ByteBuf v = tx.buffer;
        int messages = 0;
        for (int i = first; i < n; ) {
            byte[] sockaddr = pendingAddress[i];
            int outer = pendingOuter[i];
            int size = (int) v.getLongLE(tx.iovec(i) + IOV_LEN_OFFSET);
            int j = i + 1;
            int bytes = size;
            while (j < n && j - i < maxSegments && pendingAddress[j] == sockaddr && pendingOuter[j] == outer) {
                int next = (int) v.getLongLE(tx.iovec(j) + IOV_LEN_OFFSET);
                if (next > size || bytes + next > GSO_MAX_BYTES) {
                    break;
                }
                bytes += next;
                j++;
                if (next < size) {
                    break; // only the last segment may be shorter
                }
            }
            int h = tx.header(messages);
            v.setLongLE(h + MSG_NAME_OFFSET, tx.address(tx.name(i)));
            v.setIntLE(h + MSG_NAMELEN_OFFSET, sockaddr.length);
            v.setLongLE(h + MSG_IOV_OFFSET, tx.address(tx.iovec(i)));
            v.setLongLE(h + MSG_IOVLEN_OFFSET, j - i);
            if (j - i > 1 || outer != -1) {
                int c = tx.control(messages);
                int length = 0;
                if (j - i > 1) {
                    v.setLongLE(c + CMSG_LEN_OFFSET, cmsgLen(Short.BYTES));
                    v.setIntLE(c + CMSG_LEVEL_OFFSET, SOL_UDP);
                    v.setIntLE(c + CMSG_TYPE_OFFSET, UDP_SEGMENT);
                    v.setShortLE(c + CMSG_DATA_OFFSET, size);
                    length = UDP_SEGMENT_CMSG_SPACE;
                }
                if (outer != -1) {
                    boolean v6 = sockaddr.length == SOCKADDR_IN6_LENGTH;
                    length = outerControl(v, c + length, length, v6, outer);
                }
                v.setLongLE(h + MSG_CONTROL_OFFSET, tx.address(c));
                v.setLongLE(h + MSG_CONTROLLEN_OFFSET, length);
            } else {
                v.setLongLE(h + MSG_CONTROL_OFFSET, 0);
                v.setLongLE(h + MSG_CONTROLLEN_OFFSET, 0);
            }
            segments[messages++] = j - i;
            i = j;
        }
        return messages;
    }

    /**
     * Writes the TOS and TTL control messages (traffic class and hop limit on IPv6) at {@code at}; returns the control
     * length so far ({@code length} before them).
     */
    private static int outerControl(ByteBuf v, int at, int length, boolean v6, int outer) {
        int space = cmsgSpace(Integer.BYTES);
        v.setLongLE(at + CMSG_LEN_OFFSET, cmsgLen(Integer.BYTES));
        v.setIntLE(at + CMSG_LEVEL_OFFSET, v6 ? SOL_IPV6 : SOL_IP);
        v.setIntLE(at + CMSG_TYPE_OFFSET, v6 ? IPV6_TCLASS : IP_TOS);
        v.setIntLE(at + CMSG_DATA_OFFSET, (outer >>> 8) & 0xFF); // higher bits: not TOS (DF is the socket's)
        v.setLongLE(at + space + CMSG_LEN_OFFSET, cmsgLen(Integer.BYTES));
        v.setIntLE(at + space + CMSG_LEVEL_OFFSET, v6 ? SOL_IPV6 : SOL_IP);
        v.setIntLE(at + space + CMSG_TYPE_OFFSET, v6 ? IPV6_HOPLIMIT : IP_TTL);
        v.setIntLE(at + space + CMSG_DATA_OFFSET, outer & 0xFF);
        return length + 2 * space;
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
        sockaddr = new byte[v6 ? SOCKADDR_IN6_LENGTH : SOCKADDR_IN_LENGTH];
        sockaddr[SA_FAMILY_OFFSET] = (byte) (v6 ? AF_INET6 : AF_INET); // host order: little-endian
        sockaddr[SIN_PORT_OFFSET] = (byte) (destinationPort >>> 8); // network order
        sockaddr[SIN_PORT_OFFSET + 1] = (byte) destinationPort;
        System.arraycopy(ip, 0, sockaddr, v6 ? SIN6_ADDR_OFFSET : SIN_ADDR_OFFSET, ip.length);
        if (v6) {
            int scope = ((Inet6Address) destination).getScopeId();
            for (int k = 0; k < Integer.BYTES; k++) {
                sockaddr[SIN6_SCOPE_ID_OFFSET + k] = (byte) (scope >>> (8 * k)); // host order
            }
        }
        destinations.put(destination, sockaddr);
        return sockaddr;
    }

    /** Releases the queued payloads, each counted as a failed send if {@code counted}. */
    private void releasePending(boolean counted) {
        for (int i = 0; i < pendingCount; i++) {
            pending[i].release();
            pending[i] = null;
            pendingAddress[i] = null;
            if (counted) {
                receiver.dropped(DropReason.SEND_FAILED);
            }
        }
        pendingCount = 0;
    }

    /** Drops what is still queued (counted) and frees the vector. Once, on the loop. */
    void release() {
        releasePending(true);
        tx.release();
    }
}
