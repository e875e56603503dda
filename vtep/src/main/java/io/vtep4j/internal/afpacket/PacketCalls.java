package io.vtep4j.internal.afpacket;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The libc calls of the packet socket, bound with JNA direct mapping: every argument is a primitive (pointers pass as
 * {@code long}), so a call allocates nothing on the Java heap. Failures return -1 ({@link #mmap}: {@link #MAP_FAILED})
 * and {@link #errno()}, read right after on the same thread, tells why. Stateless, thread-safe. Linux, LP64 only.
 */
final class PacketCalls {

    static final int AF_PACKET = 17;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;
    /** {@code <linux/if_ether.h>}: every protocol, in network byte order as {@code socket(2)} wants it. */
    static final int ETH_P_ALL_BE = 0x0300;

    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    /** SO_SNDBUF past net.core.wmem_max, with CAP_NET_ADMIN. */
    static final int SO_SNDBUFFORCE = 32;

    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int TPACKET_V3 = 2;
    static final int PACKET_MR_PROMISC = 1;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_POPULATE = 0x8000;
    static final long MAP_FAILED = -1L;

    static final int MSG_DONTWAIT = 0x40;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int ENOBUFS = 105;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private PacketCalls() {}

    static native int socket(int domain, int type, int protocol);

    static native int setsockopt(int fd, int level, int name, long value, int length);

    /** {@code length} points to a {@code socklen_t} holding the buffer size; the kernel writes back the size used. */
    static native int getsockopt(int fd, int level, int name, long value, long length);

    static native int bind(int fd, long sockaddr, int length);

    static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long address, long length);

    static native int sendmmsg(int fd, long msgvec, int vlen, int flags);

    static native long sendto(int fd, long buffer, long length, int flags, long sockaddr, int addrLength);

    static native int close(int fd);

    static native int if_nametoindex(String name);

    static native String strerror(int errno);

    static int errno() {
        return Native.getLastError();
    }
}
