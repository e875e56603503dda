package io.vtep4j.internal.netlink;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.internal.libc.LibC;
import java.io.IOException;

/**
 * One rtnetlink socket and its request buffer: a request is written into {@link #buffer()} after {@link #header},
 * {@link #exchange} sends it and reads the kernel's answer into the same buffer. Answers wait at most
 * {@link #TIMEOUT_SECONDS}; answers to earlier requests that timed out are skipped by sequence number.
 *
 * <p>Not thread-safe: one thread at a time.
 */
public final class Rtnetlink implements AutoCloseable {
    public static final int TIMEOUT_SECONDS = 1;
    /** {@code struct nlmsghdr}: length, type, flags, sequence, port id. */
    public static final int HEADER = 16;

    private static final int AF_NETLINK = 16;
    private static final int NETLINK_ROUTE = 0;
    private static final int SO_RCVTIMEO = 20;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_GETLINK = 18;
    /** {@code struct ifinfomsg}: family, pad, type, index, flags, change. */
    private static final int IFINFOMSG = 16;
    /** Large enough for one interface's whole RTM_NEWLINK answer (a few KiB with its statistics and properties). */
    private static final int BUFFER = 32 * 1024;

    private final int fd;
    private final ByteBuf buffer = ByteBufAllocator.DEFAULT.directBuffer(BUFFER, BUFFER);
    private int sequence;

    private Rtnetlink(int fd) {
        this.fd = fd;
    }

    /** A socket in this thread's network namespace, with its receive timeout set. */
    public static Rtnetlink open() throws IOException {
        int fd = LibC.socket(AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0) {
            throw new IOException(LibC.failure("socket(AF_NETLINK)", LibC.errno()));
        }
        Rtnetlink r = new Rtnetlink(fd);
        r.buffer.setZero(0, 16);
        r.buffer.setLongLE(0, TIMEOUT_SECONDS); // struct timeval { tv_sec; tv_usec; }
        if (LibC.setsockopt(fd, LibC.SOL_SOCKET, SO_RCVTIMEO, r.buffer.memoryAddress(), 16) < 0) {
            int errno = LibC.errno();
            r.close();
            throw new IOException(LibC.failure("SO_RCVTIMEO on the rtnetlink socket", errno));
        }
        return r;
    }

    /** The buffer requests are written into and answers read from; valid until {@link #close()}. */
    public ByteBuf buffer() {
        return buffer;
    }

    /** Writes a request header of {@code type} for a zeroed body of {@code body} bytes; returns where the body starts. */
    public int header(int type, int body) {
        buffer.setZero(0, HEADER + body);
        buffer.setIntLE(0, HEADER + body);
        buffer.setShortLE(4, type);
        buffer.setShortLE(6, NLM_F_REQUEST);
        buffer.setIntLE(8, ++sequence);
        return HEADER;
    }

    /**
     * Sends the {@code length}-byte request in the buffer and reads its answer into it: the answer's length, or -1 (an
     * error answer, a timeout, a failed call, an answer cut short).
     */
    public int exchange(int length) {
        int seq = sequence;
        if (LibC.sendto(fd, buffer.memoryAddress(), length, 0, 0, 0) < 0) {
            return -1;
        }
        for (int tries = 0; tries < 4; tries++) {
            long n = LibC.recv(fd, buffer.memoryAddress(), BUFFER, 0);
            if (n < HEADER) {
                return -1;
            }
            int messageLength = buffer.getIntLE(0);
            if (buffer.getIntLE(8) != seq) {
                continue;
            }
            if (buffer.getShortLE(4) == NLMSG_ERROR || messageLength > n) {
                return -1;
            }
            return messageLength;
        }
        return -1;
    }

    /**
     * Sends the {@code length}-byte request in the buffer as a change that the kernel acknowledges, and reads the
     * acknowledgement: 0 when done, else the kernel's negative errno, or {@link Integer#MIN_VALUE} when no
     * acknowledgement came (a failed call, a timeout, an answer cut short).
     */
    public int command(int length) {
        int seq = sequence;
        buffer.setShortLE(6, NLM_F_REQUEST | NLM_F_ACK);
        if (LibC.sendto(fd, buffer.memoryAddress(), length, 0, 0, 0) < 0) {
            return Integer.MIN_VALUE;
        }
        for (int tries = 0; tries < 4; tries++) {
            long n = LibC.recv(fd, buffer.memoryAddress(), BUFFER, 0);
            if (n < HEADER + 4) {
                return Integer.MIN_VALUE;
            }
            if (buffer.getIntLE(8) != seq) {
                continue;
            }
            return buffer.getShortLE(4) == NLMSG_ERROR ? buffer.getIntLE(HEADER) : Integer.MIN_VALUE;
        }
        return Integer.MIN_VALUE;
    }

    /**
     * Asks for interface {@code ifindex} ({@code RTM_GETLINK}): the answer's length in {@link #buffer()}, or -1 (as
     * {@link #exchange}, and for an index that cannot exist).
     */
    public int getLink(int ifindex) {
        if (ifindex <= 0) {
            return -1;
        }
        int at = header(RTM_GETLINK, IFINFOMSG);
        buffer.setIntLE(at + 4, ifindex);
        return exchange(at + IFINFOMSG);
    }

    /**
     * Where the attributes of an {@code RTM_NEWLINK} answer of {@code length} bytes start, or -1 if it is another
     * message, another interface's than {@code ifindex}, or too short to hold its {@code struct ifinfomsg}.
     */
    static int linkAttributes(ByteBuf answer, int length, int ifindex) {
        if (length < HEADER + IFINFOMSG
                || answer.getShortLE(4) != RTM_NEWLINK
                || answer.getIntLE(HEADER + 4) != ifindex) {
            return -1;
        }
        return HEADER + IFINFOMSG;
    }

    /**
     * Where attribute {@code type} starts among the attributes in [{@code from}, {@code end}), or -1: absent, or an
     * attribute before it claims less than its header or more than the range holds. Its length (header included) is
     * the unsigned short at the returned offset.
     */
    static int attribute(ByteBuf answer, int from, int end, int type) {
        for (int a = from; a + 4 <= end; ) {
            int attrLength = answer.getShortLE(a) & 0xFFFF;
            if (attrLength < 4 || a + attrLength > end) {
                return -1;
            }
            if ((answer.getShortLE(a + 2) & 0x3FFF) == type) {
                return a;
            }
            a += (attrLength + 3) & ~3;
        }
        return -1;
    }

    @Override
    public void close() {
        LibC.close(fd);
        buffer.release();
    }
}
