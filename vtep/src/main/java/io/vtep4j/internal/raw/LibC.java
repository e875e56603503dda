package io.vtep4j.internal.raw;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;

/**
 * The few libc calls the raw transport needs, bound with JNA direct mapping (no per-call reflection).
 * Each call throws {@link LastErrorException} carrying {@code errno} on failure. Thread-safe (stateless).
 */
final class LibC {

    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = 0x800;
    static final int SOCK_CLOEXEC = 0x80000;

    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;

    static final int EPERM = 1;
    static final int EACCES = 13;
    static final int EPROTONOSUPPORT = 93;
    static final int EAFNOSUPPORT = 97;

    static {
        Native.register(NativeLibrary.getInstance("c"));
    }

    private LibC() {}

    static native int socket(int domain, int type, int protocol) throws LastErrorException;

    static native int setsockopt(int fd, int level, int name, int[] value, int length) throws LastErrorException;

    static native int bind(int fd, byte[] sockaddr, int length) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int sendto(int fd, byte[] buf, long length, int flags, byte[] sockaddr, int addrLength)
            throws LastErrorException;

    static native int recvfrom(int fd, byte[] buf, long length, int flags, byte[] sockaddr, int[] addrLength)
            throws LastErrorException;

    static native String strerror(int errno);
}
