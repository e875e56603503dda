package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.vtep4j.internal.libc.LibC;

/**
 * The transmit half of an {@link XdpChannel}: frames are copied (an 802.1Q tag inserted on the way when asked) into
 * free UMEM chunks of the transmit half, described on the transmit ring, published in batches, and pushed with a
 * {@code sendto(MSG_DONTWAIT)} kick (copy mode always needs one; it sends a few dozen per call and says
 * {@code EAGAIN} while more are queued, which is not an error). Chunks come back through the completion ring onto a
 * stack of free chunks, so nothing is allocated per frame.
 *
 * <p>Overload: with no free chunk left a frame is refused at once (the caller counts it), never queued. Event loop
 * only.
 */
final class XskTransmit {
    private static final int TPID_8021Q = 0x8100;
    /** Kicks per flush at most (each sends up to 32 descriptors in copy mode). */
    static final int MAX_KICKS = 64;

    /** The kernel side: the transmit kick. */
    interface Kicker {
        /** {@code sendto}: 0 or more on success, -1 with {@code errno} set. */
        long kick();

        /** The last call's errno. */
        int errno();
    }

    private final ByteBuf umem;
    private final XskRing tx;
    private final XskRing completion;
    private final Kicker kicker;
    private final int chunkSize;
    private final long firstChunk;
    private final long endChunk;
    private final long[] free;
    private int freeCount;
    private int pending;
    private long completed;
    private long refused;
    private long kickErrors;

    /**
     * @param umem the UMEM
     * @param firstChunk UMEM offset of the first transmit chunk; {@code chunks} chunks of {@code chunkSize} follow
     */
    XskTransmit(
            ByteBuf umem, XskRing tx, XskRing completion, Kicker kicker, long firstChunk, int chunks, int chunkSize) {
        this.umem = umem;
        this.tx = tx;
        this.completion = completion;
        this.kicker = kicker;
        this.chunkSize = chunkSize;
        this.firstChunk = firstChunk;
        this.endChunk = firstChunk + (long) chunks * chunkSize;
        this.free = new long[chunks];
        for (int i = chunks - 1; i >= 0; i--) {
            free[freeCount++] = firstChunk + (long) i * chunkSize;
        }
    }

    /**
     * Copies {@code frame} into a free chunk, with an 802.1Q tag carrying {@code vlanTci} after the MACs unless it is
     * -1, and releases it. False if it cannot go: no free chunk, no ring slot, longer than a chunk or shorter than an
     * Ethernet header. The batch is published once {@code batch} frames are pending.
     */
    boolean queue(ByteBuf frame, int vlanTci, int batch) {
        try {
            int length = frame.readableBytes();
            int total = vlanTci < 0 ? length : length + 4;
            long chunk = length < 14 ? -1 : claim(total);
            if (chunk < 0) {
                if (length < 14) {
                    refused++;
                }
                return false;
            }
            int at = (int) chunk;
            int ri = frame.readerIndex();
            if (vlanTci < 0) {
                frame.getBytes(ri, umem, at, length);
            } else {
                frame.getBytes(ri, umem, at, 12);
                umem.setInt(at + 12, TPID_8021Q << 16 | (vlanTci & 0xFFFF));
                frame.getBytes(ri + 12, umem, at + 16, length - 12);
            }
            commit(chunk, total, batch);
        } finally {
            frame.release();
        }
        return true;
    }

    /**
     * A free chunk for a frame of {@code length} bytes that the caller writes into the UMEM at the returned offset and
     * then hands to {@link #commit}; -1 (counted as refused) if the frame is longer than a chunk, no chunk is free or
     * the ring has no slot for it. One claim at a time.
     */
    long claim(int length) {
        if (length > chunkSize) {
            refused++;
            return -1;
        }
        if (freeCount == 0) {
            reap();
        }
        if (freeCount == 0 || tx.reserve(pending + 1) <= pending) {
            refused++;
            return -1;
        }
        return free[--freeCount];
    }

    /** Describes the {@link #claim claimed} chunk holding {@code length} bytes; publishes once {@code batch} wait. */
    void commit(long chunk, int length, int batch) {
        int slot = tx.slot(tx.next() + pending);
        ByteBuf ring = tx.memory();
        ring.setLongLE(slot, chunk);
        ring.setIntLE(slot + 8, length);
        ring.setIntLE(slot + 12, 0);
        pending++;
        if (pending >= batch) {
            flush();
        }
    }

    /** Frames described and not yet published. */
    int pending() {
        return pending;
    }

    /**
     * Publishes the pending descriptors, kicks the kernel until the ring is drained (at most {@link #MAX_KICKS}
     * times) and takes back completed chunks. True if descriptors are still queued afterwards although the kernel
     * took some in this call (call again soon); false when drained, or when the kernel took none (the interface is
     * down or its queue stopped: they wait for the next flush rather than have the loop spin on them).
     */
    boolean flush() {
        if (pending > 0) {
            tx.submit(pending);
            pending = 0;
        }
        long before = completed;
        for (int i = 0; i < MAX_KICKS && tx.outstanding() > 0; i++) {
            if (kicker.kick() < 0) {
                int errno = kicker.errno();
                if (errno != LibC.EAGAIN && errno != LibC.EBUSY && errno != LibC.ENOBUFS && errno != LibC.EINTR) {
                    kickErrors++; // ENETDOWN, ENXIO: the descriptors stay queued for the next flush
                    break;
                }
            }
            reap();
        }
        reap();
        return completed != before && tx.outstanding() > 0;
    }

    /** Moves completed chunks back onto the free stack; returns how many. */
    int reap() {
        int n = completion.peek(completion.size());
        ByteBuf ring = completion.memory();
        int start = completion.next();
        for (int i = 0; i < n; i++) {
            long chunk = ring.getLongLE(completion.slot(start + i));
            if (chunk >= firstChunk && chunk < endChunk && freeCount < free.length) {
                free[freeCount++] = chunk - (chunk - firstChunk) % chunkSize;
            }
        }
        if (n > 0) {
            completion.release(n);
            completed += n;
        }
        return n;
    }

    /** Frames the kernel completed (transmitted, or dropped by the device). */
    long completed() {
        return completed;
    }

    /** Frames {@link #queue} refused. */
    long refused() {
        return refused;
    }

    /** Kicks that failed with an error other than "busy, call again". */
    long kickErrors() {
        return kickErrors;
    }

    /** Chunks free for transmission now. */
    int freeChunks() {
        return freeCount;
    }
}
