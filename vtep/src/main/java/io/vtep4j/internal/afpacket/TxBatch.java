package io.vtep4j.internal.afpacket;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.internal.libc.LibC;

/**
 * The transmit half of an {@link AfPacketChannel}: frames are copied (an 802.1Q tag inserted on the way when asked)
 * into fixed slots of one native staging buffer, and sent with one {@code sendmmsg} per batch over a vector of
 * {@code mmsghdr}s prepared once. The frame's buffer is released at once, so nothing waits on the kernel.
 *
 * <p>Overload: a full vector is sent at once; what the kernel does not take right away (device queue full, no socket
 * memory) is counted as failed and forgotten, never retried or queued (it would only add work for frames that are
 * dropped anyway). Event loop only.
 */
final class TxBatch {

    // struct mmsghdr on LP64: msghdr (56 bytes) + msg_len, padded to 64; struct iovec: base, len
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MMSGHDR_LENGTH = 64;
    private static final int IOVEC_LENGTH = 16;
    private static final int IOV_LEN = 8;
    /** Calls interrupted by a signal retried before the rest of a batch counts as failed. */
    private static final int EINTR_RETRIES = 8;

    /** {@code sendmmsg} returning the count sent, or minus errno: the kernel in production, a fake in tests. */
    @FunctionalInterface
    interface Send {
        int sendmmsg(int fd, long vector, int count);
    }

    private static final Send KERNEL = (fd, vector, count) -> {
        int n = LibC.sendmmsg(fd, vector, count, 0);
        return n >= 0 ? n : -LibC.errno();
    };

    private final Send calls;
    private final int fd;
    private final int batch;
    private final int slot;
    private final ByteBuf vector;
    private final ByteBuf staging;
    private final long vectorAddress;
    private int pending;
    private long sent;
    private long failed;
    private long tooLong;

    TxBatch(int fd, ByteBufAllocator allocator, int batch, int slot) {
        this(KERNEL, fd, allocator, batch, slot);
    }

    TxBatch(Send calls, int fd, ByteBufAllocator allocator, int batch, int slot) {
        this.calls = calls;
        this.fd = fd;
        this.batch = batch;
        this.slot = slot;
        this.vector = allocator.directBuffer(batch * (MMSGHDR_LENGTH + IOVEC_LENGTH));
        this.staging = allocator.directBuffer(batch * slot);
        vector.setZero(0, vector.capacity());
        this.vectorAddress = vector.memoryAddress();
        long stagingAddress = staging.memoryAddress();
        for (int i = 0; i < batch; i++) {
            int h = i * MMSGHDR_LENGTH;
            int iov = batch * MMSGHDR_LENGTH + i * IOVEC_LENGTH;
            vector.setLongLE(h + MSG_IOV, vectorAddress + iov);
            vector.setLongLE(h + MSG_IOVLEN, 1);
            vector.setLongLE(iov, stagingAddress + (long) i * slot);
        }
    }

    /**
     * Copies {@code frame} into the next slot, with an 802.1Q tag carrying {@code vlanTci} after the MACs unless it is
     * -1, and releases it; sends the batch when the vector is full. False if it cannot go (longer than a slot).
     */
    boolean queue(ByteBuf frame, int vlanTci) {
        try {
            int length = frame.readableBytes();
            int total = vlanTci < 0 ? length : length + 4;
            if (total > slot || length < 14) {
                tooLong++;
                return false;
            }
            int at = pending * slot;
            int ri = frame.readerIndex();
            if (vlanTci < 0) {
                frame.getBytes(ri, staging, at, length);
            } else {
                frame.getBytes(ri, staging, at, 12);
                staging.setInt(at + 12, RingLayout.TPID_8021Q << 16 | (vlanTci & 0xFFFF));
                frame.getBytes(ri + 12, staging, at + 16, length - 12);
            }
            vector.setLongLE(batch * MMSGHDR_LENGTH + pending * IOVEC_LENGTH + IOV_LEN, total);
            pending++;
        } finally {
            frame.release();
        }
        if (pending == batch) {
            flush();
        }
        return true;
    }

    /** Frames queued and not yet sent. */
    int pending() {
        return pending;
    }

    /**
     * Sends the queued frames; returns how many the kernel refused. A frame the device refused on its own (ENOBUFS:
     * the driver dropped it, e.g. the peer's backlog was full) is counted and skipped, and the rest of the batch goes
     * on; a full socket buffer (EAGAIN) or a device gone ends the batch, the rest counted as refused.
     */
    int flush() {
        int done = 0;
        int refused = 0;
        int retries = 0;
        while (done + refused < pending) {
            int from = done + refused;
            int n = calls.sendmmsg(fd, vectorAddress + (long) from * MMSGHDR_LENGTH, pending - from);
            if (n > 0) {
                done += n; // partial: the next call starts at the first frame not sent
                continue;
            }
            int errno = -n;
            if (errno == LibC.EINTR && retries++ < EINTR_RETRIES) {
                continue;
            }
            if (errno == LibC.ENOBUFS) {
                refused++; // this one frame; at most one call per frame, so bounded by the batch
                continue;
            }
            break; // EAGAIN, a device gone: the rest is lost, and counted
        }
        refused = pending - done;
        sent += done;
        failed += refused;
        pending = 0;
        return refused;
    }

    /** Frames the kernel accepted. */
    long sent() {
        return sent;
    }

    /** Frames the kernel refused (counted once each). */
    long failed() {
        return failed;
    }

    /** Frames longer than a slot (or shorter than an Ethernet header), never queued. */
    long tooLong() {
        return tooLong;
    }

    void release() {
        pending = 0;
        vector.release();
        staging.release();
    }
}
