package io.vtep4j.internal.afpacket;

import io.netty.buffer.ByteBuf;

/**
 * Where a {@link RingChannel} hands received frames, on its event loop. Implementations must not throw and should
 * not allocate; they copy what they keep: the ring memory is the kernel's again once the block is done.
 */
public interface RingSink {

    /**
     * One received frame.
     *
     * @param ring the ring memory (read only: never write, never retain)
     * @param offset where the frame starts in {@code ring}: the destination MAC
     * @param length the frame's length, without FCS
     * @param vlanTci the 802.1Q tag control information the kernel took out of the frame (tag removed: the frame
     *        reads as untagged), or -1 if the frame carries its tags (if any) inline
     * @param vlanTpid the TPID of that tag (0x8100 or 0x88a8); meaningless when {@code vlanTci} is -1
     */
    void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid);

    /**
     * A hint before a read batch is handed on: the frame at {@code offset} is about to be passed to {@link #frame}
     * with the same {@code vlanTci}. A channel that reads several frames at once calls this for each of them first,
     * so that the sink can start the memory reads each frame will need (see {@code UnderlayReceiver.readAhead}).
     * Reads only, never throws; returns a value the channel folds into a field of its own so that the reads are
     * kept. The default reads nothing.
     */
    default long readAhead(ByteBuf ring, int offset, int length, int vlanTci) {
        return 0;
    }

    /** The end of a read batch: flush what the frames produced. */
    void batchEnd();
}
