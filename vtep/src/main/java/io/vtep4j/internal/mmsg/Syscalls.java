package io.vtep4j.internal.mmsg;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The libc calls of the batched datagram path, bound with JNA direct mapping. Every argument is a primitive (pointers
 * pass as {@code long}), so a call allocates nothing on the Java heap. Failures return -1; {@link #errno()} tells
 * why. No {@code LastErrorException}: EAGAIN ends nearly every read, and an exception per wakeup would allocate.
 * Stateless, thread-safe. Linux, LP64 only.
 */
final class Syscalls {

    /** {@code <asm-generic/errno-base.h>}: EINTR. */
    static final int EINTR = 4;
    /** {@code <asm-generic/errno-base.h>}: EAGAIN (== EWOULDBLOCK). */
    static final int EAGAIN = 11;
    /** {@code <asm-generic/errno.h>}: ENOBUFS, the device queue or socket memory ran out. */
    static final int ENOBUFS = 105;
    /** {@code <asm-generic/errno.h>}: EMSGSIZE, the datagram exceeds what the path (with DF) can carry. */
    static final int EMSGSIZE = 90;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private Syscalls() {}

    /** {@code recvmmsg(2)}; {@code timeout} is a {@code struct timespec *} (0 = NULL). */
    static native int recvmmsg(int fd, long msgvec, int vlen, int flags, long timeout);

    /** {@code sendmmsg(2)}. */
    static native int sendmmsg(int fd, long msgvec, int vlen, int flags);

    /** {@code dup(2)}. */
    static native int dup(int fd);

    /** {@code close(2)}. */
    static native int close(int fd);

    /** {@code strerror(3)}, for messages. */
    static native String strerror(int errno);

    /** errno of the last call on this thread. */
    static int errno() {
        return Native.getLastError();
    }
}
