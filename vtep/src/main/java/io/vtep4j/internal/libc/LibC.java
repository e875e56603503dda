package io.vtep4j.internal.libc;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The C library's calls as vtep4j's native transports make them, bound once with JNA direct mapping: arguments are
 * primitives (pointers pass as {@code long}) or primitive arrays, so a call allocates nothing on the Java heap.
 * Failures return -1 ({@link #mmap}: {@link #MAP_FAILED}) and {@link #errno()}, read right after on the same thread,
 * tells why. No {@code LastErrorException}: EAGAIN ends nearly every non-blocking read, and an exception per wakeup
 * would allocate. Constants are Linux's (the generic ABI of x86-64, aarch64, riscv64 and loongarch64).
 *
 * <p>Stateless, thread-safe. Linux, LP64 only. The first use of this class loads the library: a platform JNA cannot
 * serve fails there with a {@link LinkageError}.
 */
public final class LibC {

    /** {@code <sys/socket.h>}: AF_INET. */
    public static final int AF_INET = 2;
    /** {@code <sys/socket.h>}: AF_INET6. */
    public static final int AF_INET6 = 10;
    /** {@code <sys/socket.h>}: SOCK_RAW. */
    public static final int SOCK_RAW = 3;
    /** {@code <sys/socket.h>}: SOCK_NONBLOCK, a {@code socket(2)} type flag. */
    public static final int SOCK_NONBLOCK = 0x800;
    /** {@code <sys/socket.h>}: SOCK_CLOEXEC, a {@code socket(2)} type flag. */
    public static final int SOCK_CLOEXEC = 0x80000;

    /** {@code <asm-generic/socket.h>}: SOL_SOCKET. */
    public static final int SOL_SOCKET = 1;
    /** {@code <asm-generic/socket.h>}: SO_SNDBUF. */
    public static final int SO_SNDBUF = 7;
    /** {@code <asm-generic/socket.h>}: SO_RCVBUF. */
    public static final int SO_RCVBUF = 8;
    /** {@code <asm-generic/socket.h>}: SO_SNDBUFFORCE, SO_SNDBUF past net.core.wmem_max, with CAP_NET_ADMIN. */
    public static final int SO_SNDBUFFORCE = 32;
    /** {@code <asm-generic/socket.h>}: SO_BUSY_POLL, microseconds a read busy-polls the device when empty. */
    public static final int SO_BUSY_POLL = 46;
    /** {@code <asm-generic/socket.h>}: SO_INCOMING_NAPI_ID, the NAPI context the socket's traffic comes from. */
    public static final int SO_INCOMING_NAPI_ID = 56;
    /** {@code <asm-generic/socket.h>}: SO_PREFER_BUSY_POLL, keep the device's interrupts off while busy-polling. */
    public static final int SO_PREFER_BUSY_POLL = 69;
    /** {@code <asm-generic/socket.h>}: SO_BUSY_POLL_BUDGET, frames one busy-poll round may process. */
    public static final int SO_BUSY_POLL_BUDGET = 70;

    /** {@code <sys/socket.h>}: MSG_DONTWAIT. */
    public static final int MSG_DONTWAIT = 0x40;

    /** {@code <sys/mman.h>}: PROT_READ. */
    public static final int PROT_READ = 1;
    /** {@code <sys/mman.h>}: PROT_WRITE. */
    public static final int PROT_WRITE = 2;
    /** {@code <sys/mman.h>}: MAP_SHARED. */
    public static final int MAP_SHARED = 1;
    /** {@code <sys/mman.h>}: MAP_PRIVATE. */
    public static final int MAP_PRIVATE = 2;
    /** {@code <sys/mman.h>}: MAP_ANONYMOUS. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** {@code <sys/mman.h>}: MAP_POPULATE, fault the pages in now. */
    public static final int MAP_POPULATE = 0x8000;
    /** What {@link #mmap} returns on failure: {@code (void *) -1}. */
    public static final long MAP_FAILED = -1L;

    /** {@code <asm-generic/errno-base.h>}: EPERM. */
    public static final int EPERM = 1;
    /** {@code <asm-generic/errno-base.h>}: ENOENT. */
    public static final int ENOENT = 2;
    /** {@code <asm-generic/errno-base.h>}: EINTR. */
    public static final int EINTR = 4;
    /** {@code <asm-generic/errno-base.h>}: EAGAIN (== EWOULDBLOCK). */
    public static final int EAGAIN = 11;
    /** {@code <asm-generic/errno-base.h>}: EACCES. */
    public static final int EACCES = 13;
    /** {@code <asm-generic/errno-base.h>}: EBUSY. */
    public static final int EBUSY = 16;
    /** {@code <asm-generic/errno-base.h>}: EINVAL. */
    public static final int EINVAL = 22;
    /** {@code <asm-generic/errno.h>}: EMSGSIZE, the datagram exceeds what the path (with DF) can carry. */
    public static final int EMSGSIZE = 90;
    /** {@code <asm-generic/errno.h>}: EPROTONOSUPPORT. */
    public static final int EPROTONOSUPPORT = 93;
    /** {@code <asm-generic/errno.h>}: EOPNOTSUPP. */
    public static final int EOPNOTSUPP = 95;
    /** {@code <asm-generic/errno.h>}: EAFNOSUPPORT. */
    public static final int EAFNOSUPPORT = 97;
    /** {@code <asm-generic/errno.h>}: ENOBUFS, the device queue or socket memory ran out. */
    public static final int ENOBUFS = 105;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private LibC() {}

    /** {@code syscall(2)} with three arguments: for a system call libc has no wrapper for. */
    public static native long syscall(long number, long a, long b, long c);

    /** {@code socket(2)}: the new descriptor, or -1. */
    public static native int socket(int domain, int type, int protocol);

    /** {@code dup(2)}: the new descriptor, or -1. */
    public static native int dup(int fd);

    /** {@code close(2)}. */
    public static native int close(int fd);

    /** {@code setsockopt(2)} with the option's value in native memory at {@code value}. */
    public static native int setsockopt(int fd, int level, int name, long value, int length);

    /** {@code setsockopt(2)} with the option's value in {@code value} (an {@code int} option: one element). */
    public static native int setsockopt(int fd, int level, int name, int[] value, int length);

    /** {@code getsockopt(2)}: {@code length} points to a {@code socklen_t} holding the buffer size; the kernel writes
     * back the size used. */
    public static native int getsockopt(int fd, int level, int name, long value, long length);

    /** {@code getsockopt(2)} into {@code value}; {@code length} holds the buffer size and gets the size used. */
    public static native int getsockopt(int fd, int level, int name, int[] value, int[] length);

    /** {@code bind(2)} to the {@code sockaddr} in native memory at {@code sockaddr}. */
    public static native int bind(int fd, long sockaddr, int length);

    /** {@code bind(2)} to the {@code sockaddr} in {@code sockaddr}. */
    public static native int bind(int fd, byte[] sockaddr, int length);

    /** {@code sendto(2)} from native memory ({@code sockaddr} 0: the connected or bound peer): bytes sent, or -1. */
    public static native long sendto(int fd, long buffer, long length, int flags, long sockaddr, int addrLength);

    /** {@code sendto(2)} from {@code buffer} to the {@code sockaddr} in {@code sockaddr}: bytes sent, or -1. */
    public static native long sendto(int fd, byte[] buffer, long length, int flags, byte[] sockaddr, int addrLength);

    /** {@code recv(2)} into native memory: bytes received, or -1. */
    public static native long recv(int fd, long buffer, long length, int flags);

    /** {@code recvfrom(2)} into {@code buffer}; {@code sockaddr} and {@code addrLength} may be null: bytes, or -1. */
    public static native long recvfrom(
            int fd, byte[] buffer, long length, int flags, byte[] sockaddr, int[] addrLength);

    /** {@code recvmmsg(2)}: messages received, or -1; {@code timeout} is a {@code struct timespec *} (0 = NULL). */
    public static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    /** {@code sendmmsg(2)}: messages sent (possibly fewer than {@code vlen}), or -1. */
    public static native int sendmmsg(int fd, long msgvec, int vlen, int flags);

    /** {@code mmap(2)}: the mapping's address, or {@link #MAP_FAILED}. */
    public static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

    /** {@code munmap(2)}. */
    public static native int munmap(long address, long length);

    /** {@code if_nametoindex(3)}: the interface's index, or 0 if there is none of that name. */
    public static native int if_nametoindex(String name);

    /** {@code strerror(3)}, for messages. */
    public static native String strerror(int errno);

    /** errno of the last call on this thread (JNA keeps it per thread after every native call). */
    public static int errno() {
        return Native.getLastError();
    }

    /** A message for a call that failed: "what failed: reason (errno N)". */
    public static String failure(String what, int errno) {
        return what + " failed: " + strerror(errno) + " (errno " + errno + ")";
    }
}
