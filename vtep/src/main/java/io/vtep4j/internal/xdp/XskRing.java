package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.VarHandle;

/**
 * One single-producer / single-consumer ring shared with the kernel: a 32-bit producer index, a 32-bit consumer
 * index, a flags word and {@code size} descriptors of {@code descSize} bytes (a power of two). Indices run freely and
 * wrap at 2<sup>32</sup>; a descriptor's slot is {@code index & (size - 1)}, and {@code producer - consumer} (wrapping
 * int arithmetic) is how many are filled.
 *
 * <p>The process is the producer of the fill and transmit rings ({@link #reserve}, {@link #slot}, {@link #submit})
 * and the consumer of the receive and completion rings ({@link #peek}, {@link #slot}, {@link #release}). Ordering:
 * the other side's index is read, then an acquire fence, before the descriptors it covers are read; a release fence
 * orders the descriptors written (or read) before this side's index is published. Works on any {@link ByteBuf} view,
 * so tests drive it with plain memory.
 *
 * <p>Not thread-safe: one event loop.
 */
final class XskRing {
    /** {@code XDP_RING_NEED_WAKEUP}, in the flags word. */
    static final int NEED_WAKEUP = 1;

    private final ByteBuf memory;
    private final int producerAt;
    private final int consumerAt;
    private final int flagsAt;
    private final int descAt;
    private final int descSize;
    private final int size;
    private final int mask;
    /** This side's index: the next slot to produce into, or to consume from. */
    private int local;
    /** The other side's index as last read. */
    private int remote;

    /**
     * @param memory the mapped ring
     * @param producerAt offset of the producer index, as {@code XDP_MMAP_OFFSETS} says
     * @param consumerAt offset of the consumer index
     * @param flagsAt offset of the flags word
     * @param descAt offset of the first descriptor
     * @param descSize bytes per descriptor (8 for fill/completion, 16 for receive/transmit)
     * @param size descriptors, a power of two
     * @param producer true if this process produces into the ring
     */
    XskRing(
            ByteBuf memory,
            int producerAt,
            int consumerAt,
            int flagsAt,
            int descAt,
            int descSize,
            int size,
            boolean producer) {
        if (size < 1 || Integer.bitCount(size) != 1) {
            throw new IllegalArgumentException("size: " + size + " (expected: a power of two)");
        }
        if ((long) descAt + (long) descSize * size > memory.capacity()) {
            throw new IllegalArgumentException("ring: " + memory.capacity() + " bytes (expected: at least "
                    + ((long) descAt + (long) descSize * size) + ")");
        }
        this.memory = memory;
        this.producerAt = producerAt;
        this.consumerAt = consumerAt;
        this.flagsAt = flagsAt;
        this.descAt = descAt;
        this.descSize = descSize;
        this.size = size;
        this.mask = size - 1;
        this.local = memory.getIntLE(producer ? producerAt : consumerAt);
        this.remote = memory.getIntLE(producer ? consumerAt : producerAt);
    }

    /** Descriptors the ring holds. */
    int size() {
        return size;
    }

    /** Where descriptor {@code index} (a free-running index) starts in the ring memory. */
    int slot(int index) {
        return descAt + (index & mask) * descSize;
    }

    /** The ring memory, for reading and writing descriptors at {@link #slot}. */
    ByteBuf memory() {
        return memory;
    }

    // ---- producer side

    /**
     * How many descriptors, at most {@code wanted}, can be written from {@link #next()} on: the free slots after
     * reading the consumer's index.
     */
    int reserve(int wanted) {
        int free = size - (local - remote);
        if (free < wanted) {
            remote = memory.getIntLE(consumerAt);
            VarHandle.acquireFence(); // slots the consumer gave back are only reused after it was seen
            free = size - (local - remote);
        }
        return Math.min(free, wanted);
    }

    /** The free-running index of the next descriptor to write (producer) or read (consumer). */
    int next() {
        return local;
    }

    /** Publishes {@code count} descriptors written from {@link #next()} on. */
    void submit(int count) {
        local += count;
        VarHandle.releaseFence(); // the descriptors before the index that hands them over
        memory.setIntLE(producerAt, local);
    }

    /** Descriptors written and not yet taken by the consumer, as last seen. */
    int outstanding() {
        remote = memory.getIntLE(consumerAt);
        VarHandle.acquireFence();
        return local - remote;
    }

    // ---- consumer side

    /** How many descriptors, at most {@code wanted}, can be read from {@link #next()} on. */
    int peek(int wanted) {
        int filled = remote - local;
        if (filled < wanted) {
            remote = memory.getIntLE(producerAt);
            VarHandle.acquireFence(); // the descriptors after the index that covers them
            filled = remote - local;
        }
        return Math.min(filled, wanted);
    }

    /** Gives {@code count} descriptors read from {@link #next()} on back to the producer. */
    void release(int count) {
        local += count;
        VarHandle.releaseFence(); // every read of those descriptors before the producer may overwrite them
        memory.setIntLE(consumerAt, local);
    }

    // ----

    /** Whether the kernel asks for a system call to go on ({@code XDP_RING_NEED_WAKEUP}). */
    boolean needsWakeup() {
        return (memory.getIntLE(flagsAt) & NEED_WAKEUP) != 0;
    }
}
