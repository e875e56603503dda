package io.vtep4j.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.vtep4j.internal.libc.LibC;

/**
 * A socket's drop counter ({@code sk_drops}: datagrams the kernel dropped at the socket, mostly for a full receive
 * buffer; the {@code drops} column of {@code /proc/net/udp}), read with {@code getsockopt(SO_MEMINFO)}. The call goes
 * through {@link LibC} (JNA direct mapping) into native memory kept by the instance, so a read allocates nothing. One
 * instance per thread; Linux only.
 */
public final class SocketDrops {

    /** {@code <asm-generic/socket.h>}: SO_MEMINFO, the socket's memory counters as {@code uint32_t[SK_MEMINFO_VARS]}. */
    static final int SO_MEMINFO = 55;
    /** {@code <linux/sock_diag.h>}: the index of the drop counter in that array. */
    static final int SK_MEMINFO_DROPS = 8;
    /** {@code <linux/sock_diag.h>}: the length of the array on this kernel's ABI (newer kernels do not shrink it). */
    static final int SK_MEMINFO_VARS = 9;

    private static final int VALUES_LENGTH = SK_MEMINFO_VARS * Integer.BYTES;

    /** The values, then the {@code socklen_t} length argument. */
    private final Memory scratch = new Memory(VALUES_LENGTH + Long.BYTES);

    /** The drop counter of socket {@code fd} (a {@code uint32_t}, it wraps), or -1 if the kernel would not say. */
    public long read(int fd) {
        long values = Pointer.nativeValue(scratch);
        scratch.setInt(VALUES_LENGTH, VALUES_LENGTH);
        if (LibC.getsockopt(fd, LibC.SOL_SOCKET, SO_MEMINFO, values, values + VALUES_LENGTH) != 0
                || scratch.getInt(VALUES_LENGTH) <= SK_MEMINFO_DROPS * Integer.BYTES) {
            return -1;
        }
        return scratch.getInt((long) SK_MEMINFO_DROPS * Integer.BYTES) & 0xFFFF_FFFFL;
    }
}
