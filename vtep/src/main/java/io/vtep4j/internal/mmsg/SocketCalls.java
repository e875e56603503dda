package io.vtep4j.internal.mmsg;

import io.vtep4j.internal.libc.LibC;

/**
 * The batched datagram system calls as the port makes them: the seam where tests put faults (EINTR, EAGAIN,
 * ENOBUFS, EMSGSIZE, a partial {@code sendmmsg}) between the port and the kernel. {@link #LIBC} is the real thing.
 * Failures return -1 and {@link #errno()}, read right after on the same thread, tells why. Implementations must be
 * usable from the port's event loop without allocating.
 */
interface SocketCalls {

    /** libc through JNA ({@link LibC}). */
    SocketCalls LIBC = new SocketCalls() {
        @Override
        public int recvmmsg(int fd, long msgvec, int vlen, int flags) {
            return LibC.recvmmsg(fd, msgvec, vlen, flags, 0);
        }

        @Override
        public int sendmmsg(int fd, long msgvec, int vlen, int flags) {
            return LibC.sendmmsg(fd, msgvec, vlen, flags);
        }

        @Override
        public int errno() {
            return LibC.errno();
        }
    };

    /** {@code recvmmsg(2)} without a timeout: messages received, or -1. */
    int recvmmsg(int fd, long msgvec, int vlen, int flags);

    /** {@code sendmmsg(2)}: messages sent (possibly fewer than {@code vlen}), or -1. */
    int sendmmsg(int fd, long msgvec, int vlen, int flags);

    /** errno of the last failed call on this thread. */
    int errno();
}
