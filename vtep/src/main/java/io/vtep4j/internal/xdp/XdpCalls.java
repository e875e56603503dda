package io.vtep4j.internal.xdp;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.util.Locale;

/**
 * The libc calls of the XDP socket and the {@code bpf} system call, bound with JNA direct mapping: every argument is
 * a primitive (pointers pass as {@code long}), so a call allocates nothing on the Java heap. Failures return -1 and
 * {@link #errno()}, read right after on the same thread, tells why. Stateless, thread-safe. Linux, LP64 only.
 */
final class XdpCalls {

    static final int AF_XDP = 44;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;

    static final int SOL_XDP = 283;
    static final int XDP_MMAP_OFFSETS = 1;
    static final int XDP_RX_RING = 2;
    static final int XDP_TX_RING = 3;
    static final int XDP_UMEM_REG = 4;
    static final int XDP_UMEM_FILL_RING = 5;
    static final int XDP_UMEM_COMPLETION_RING = 6;
    static final int XDP_STATISTICS = 7;

    /** {@code sockaddr_xdp.sxdp_flags}. */
    static final int XDP_COPY = 1 << 1;

    static final int XDP_USE_NEED_WAKEUP = 1 << 3;

    /** mmap page offsets of the four rings. */
    static final long XDP_PGOFF_RX_RING = 0;

    static final long XDP_PGOFF_TX_RING = 0x80000000L;
    static final long XDP_UMEM_PGOFF_FILL_RING = 0x100000000L;
    static final long XDP_UMEM_PGOFF_COMPLETION_RING = 0x180000000L;

    static final int PROT_READ = 1;
    static final int PROT_WRITE = 2;
    static final int MAP_SHARED = 1;
    static final int MAP_PRIVATE = 2;
    static final int MAP_ANONYMOUS = 0x20;
    static final int MAP_POPULATE = 0x8000;
    static final long MAP_FAILED = -1L;

    static final int MSG_DONTWAIT = 0x40;

    /** {@code <asm-generic/socket.h>}: socket-level options for busy polling. */
    static final int SOL_SOCKET = 1;

    static final int SO_BUSY_POLL = 46;
    static final int SO_INCOMING_NAPI_ID = 56;
    static final int SO_PREFER_BUSY_POLL = 69;
    static final int SO_BUSY_POLL_BUDGET = 70;

    static final int EPERM = 1;
    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EBUSY = 16;
    static final int EINVAL = 22;
    static final int EOPNOTSUPP = 95;
    static final int ENOBUFS = 105;

    /** {@code __NR_bpf}, or -1 on a CPU this class does not know. */
    static final long SYS_BPF = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
        case "amd64", "x86_64" -> 321;
        case "aarch64", "arm64", "riscv64", "loongarch64" -> 280;
        default -> -1;
    };

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private XdpCalls() {}

    static native long syscall(long number, long a, long b, long c);

    static native int socket(int domain, int type, int protocol);

    static native int setsockopt(int fd, int level, int name, long value, int length);

    /** {@code length} points to a {@code socklen_t} holding the buffer size; the kernel writes back the size used. */
    static native int getsockopt(int fd, int level, int name, long value, long length);

    static native int bind(int fd, long sockaddr, int length);

    static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    static native int munmap(long address, long length);

    static native long sendto(int fd, long buffer, long length, int flags, long sockaddr, int addrLength);

    static native long recv(int fd, long buffer, long length, int flags);

    static native int close(int fd);

    static native int if_nametoindex(String name);

    static native String strerror(int errno);

    static int errno() {
        return Native.getLastError();
    }

    /** "what failed: reason (errno N)". */
    static String failure(String what, int errno) {
        return what + " failed: " + strerror(errno) + " (errno " + errno + ")";
    }
}
