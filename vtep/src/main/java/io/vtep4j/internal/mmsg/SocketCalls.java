package io.vtep4j.internal.mmsg;

/**
 * The batched datagram system calls as the port makes them: the seam where tests put faults (EINTR, EAGAIN,
 * ENOBUFS, EMSGSIZE, a partial {@code sendmmsg}) between the port and the kernel. {@link #LIBC} is the real thing.
 * Failures return -1 and {@link #errno()}, read right after on the same thread, tells why. Implementations must be
 * usable from the port's event loop without allocating.
 */
interface SocketCalls {

    /** libc through JNA ({@link Syscalls}). */
    SocketCalls LIBC = new SocketCalls() {
        @Override
        public int recvmmsg(int fd, long msgvec, int vlen, int flags) {
            return Syscalls.recvmmsg(fd, msgvec, vlen, flags, 0);
        }

        @Override
        public int sendmmsg(int fd, long msgvec, int vlen, int flags) {
            return Syscalls.sendmmsg(fd, msgvec, vlen, flags);
        }

        @Override
        public int errno() {
            return Syscalls.errno();
        }
    };

    /** {@code recvmmsg(2)} without a timeout: messages received, or -1. */
    int recvmmsg(int fd, long msgvec, int vlen, int flags);

    /** {@code sendmmsg(2)}: messages sent (possibly fewer than {@code vlen}), or -1. */
    int sendmmsg(int fd, long msgvec, int vlen, int flags);

    /** errno of the last failed call on this thread. */
    int errno();
}
