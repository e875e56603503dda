package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.IOVEC_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.IOV_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MMSGHDR_LENGTH;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_IOVLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_IOV_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_NAME_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOCKADDR_SLOT_LENGTH;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One {@code struct mmsghdr} vector in a direct buffer, with the structures its headers point to, one of each per
 * message, in four regions:
 *
 * <pre>
 * [mmsghdr x batch][iovec x batch][sockaddr slot x batch][control x batch]
 * </pre>
 *
 * Header i starts pointing at iovec i (one iovec), sockaddr slot i and, when there is a control region, control slot i;
 * the send path re-points headers per flush ({@link MmsgSender}). Offsets are relative to the buffer; {@link #address}
 * turns them into the pointers the kernel reads. One event loop only; {@link #release} once.
 */
final class MessageVector {

    /** The vector and its regions (little-endian access: the kernel reads host order). */
    final ByteBuf buffer;

    private final int batch;
    private final int controlLength;
    private final int iovecs;
    private final int names;
    private final int controls;
    private final long base;

    /**
     * A zeroed vector of {@code batch} messages, each with one iovec of {@code iovLength} bytes (0 when set per
     * message) and a control slot of {@code controlLength} bytes (0: none).
     */
    MessageVector(ByteBufAllocator allocator, int batch, int iovLength, int controlLength) {
        this.batch = batch;
        this.controlLength = controlLength;
        this.iovecs = batch * MMSGHDR_LENGTH;
        this.names = iovecs + batch * IOVEC_LENGTH;
        this.controls = names + batch * SOCKADDR_SLOT_LENGTH;
        int length = controls + batch * controlLength;
        this.buffer = allocator.directBuffer(length, length);
        this.base = buffer.memoryAddress();
        buffer.setZero(0, length);
        for (int i = 0; i < batch; i++) {
            int h = header(i);
            buffer.setLongLE(h + MSG_NAME_OFFSET, address(name(i)));
            buffer.setLongLE(h + MSG_IOV_OFFSET, address(iovec(i)));
            buffer.setLongLE(h + MSG_IOVLEN_OFFSET, 1);
            buffer.setLongLE(iovec(i) + IOV_LEN_OFFSET, iovLength);
            if (controlLength > 0) {
                buffer.setLongLE(h + MSG_CONTROL_OFFSET, address(control(i)));
                buffer.setLongLE(h + MSG_CONTROLLEN_OFFSET, controlLength);
            }
        }
    }

    /** Messages the vector holds. */
    int batch() {
        return batch;
    }

    /** Bytes of each control slot (0: no control region). */
    int controlLength() {
        return controlLength;
    }

    /** Offset of {@code struct mmsghdr} i. */
    int header(int i) {
        return i * MMSGHDR_LENGTH;
    }

    /** Offset of {@code struct iovec} i. */
    int iovec(int i) {
        return iovecs + i * IOVEC_LENGTH;
    }

    /** Offset of sockaddr slot i. */
    int name(int i) {
        return names + i * SOCKADDR_SLOT_LENGTH;
    }

    /** Offset of control slot i. */
    int control(int i) {
        return controls + i * controlLength;
    }

    /** The native address of {@code offset}. */
    long address(int offset) {
        return base + offset;
    }

    void release() {
        buffer.release();
    }
}
