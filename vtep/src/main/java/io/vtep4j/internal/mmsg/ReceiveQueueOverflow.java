package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_DATA_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_LEVEL_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.CMSG_TYPE_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.MSG_CONTROLLEN_OFFSET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_SOCKET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SO_RXQ_OVFL;
import static io.vtep4j.internal.mmsg.MmsgLayout.align;
import static io.vtep4j.internal.mmsg.MmsgLayout.cmsgLen;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.UnderlayReceiver;

/**
 * The socket's receive losses as the kernel reports them with {@code SO_RXQ_OVFL}: each datagram read carries the
 * socket's drop counter ({@code sk_drops}, a {@code uint32_t} running count) as it stood when the datagram was queued,
 * or no control message while that counter is still 0. Reading the last datagram of each batch is enough (the count
 * only grows); what it grew by since the previous batch is reported as
 * {@link DropReason#UNDERLAY_RECEIVE_OVERFLOW}. Losses after the last queued datagram show with the next one read.
 * Event loop only; no allocation.
 */
final class ReceiveQueueOverflow {

    /** The counter as last seen; the kernel's starts at 0 with the socket. */
    private long seen;

    /** Reads the drop counter of datagram {@code i} of {@code rx}, if it has one, and reports what it grew by. */
    void update(MessageVector rx, int i, UnderlayReceiver receiver) {
        long count = count(rx, i);
        if (count < 0 || count == seen) {
            return;
        }
        long grown = (count - seen) & 0xFFFF_FFFFL; // uint32: it wraps
        seen = count;
        receiver.dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW, grown);
    }

    /** The total reported so far. */
    long seen() {
        return seen;
    }

    /** The {@code SO_RXQ_OVFL} counter in datagram {@code i}'s control messages, or -1 if none. */
    static long count(MessageVector rx, int i) {
        if (rx.controlLength() == 0) {
            return -1;
        }
        ByteBuf v = rx.buffer;
        int start = rx.control(i);
        int end = start + (int) Math.min(v.getLongLE(rx.header(i) + MSG_CONTROLLEN_OFFSET), rx.controlLength());
        for (int c = start; c + CMSG_DATA_OFFSET <= end; ) {
            long length = v.getLongLE(c + CMSG_LEN_OFFSET);
            if (length < CMSG_DATA_OFFSET || length > end - c) {
                return -1;
            }
            if (v.getIntLE(c + CMSG_LEVEL_OFFSET) == SOL_SOCKET
                    && v.getIntLE(c + CMSG_TYPE_OFFSET) == SO_RXQ_OVFL
                    && length >= cmsgLen(Integer.BYTES)) {
                return v.getIntLE(c + CMSG_DATA_OFFSET) & 0xFFFF_FFFFL;
            }
            c += align((int) length);
        }
        return -1;
    }
}
