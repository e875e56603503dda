package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.MmsgLayout.SOL_SOCKET;
import static io.vtep4j.internal.mmsg.MmsgLayout.SO_RXQ_OVFL;

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
        int data = ControlMessages.find(rx, i, SOL_SOCKET, SO_RXQ_OVFL, Integer.BYTES);
        return data < 0 ? -1 : rx.buffer.getIntLE(data) & 0xFFFF_FFFFL;
    }
}
