package io.vtep4j;

import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.mmsg.MmsgPort;

/**
 * Whether a VTEP uses direct datagram I/O ({@link Vtep.Builder#directIo}): the default from the system property
 * {@value Vtep.Builder#DIRECT_IO_PROPERTY}, and the choice made at {@code build()}. Stateless.
 */
final class DirectIoChoice {

    private DirectIoChoice() {}

    /** The property's value; null (automatic) when it is not set. */
    static Boolean fromProperty() {
        String value = System.getProperty(Vtep.Builder.DIRECT_IO_PROPERTY);
        return value == null || value.isBlank() ? null : Boolean.valueOf(value.trim());
    }

    /**
     * Automatic ({@code asked} null): where it can run (with or without GRO: the direct path splits GRO messages
     * itself). Explicit true: checked, failing with the reason where it cannot run.
     */
    static boolean resolve(Boolean asked, ByteBufAllocator allocator) {
        if (asked == null) {
            return Transports.epoll() && MmsgPort.unsupportedReason(allocator) == null;
        }
        if (!asked) {
            return false;
        }
        if (!Transports.epoll()) {
            throw new IllegalStateException(
                    "directIo: true (expected: Linux with Netty's epoll transport; " + "NIO is in use)");
        }
        String unsupported = MmsgPort.unsupportedReason(allocator);
        if (unsupported != null) {
            throw new IllegalStateException("directIo: true (direct I/O " + unsupported + ")");
        }
        return true;
    }
}
