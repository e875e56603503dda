package io.vtep4j.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.List;

/**
 * Turns fuzzer bytes into the buffer shapes a decoder meets in production: heap, direct, pooled direct, a composite
 * of two components, and a read-only view, each with junk in front of the reader index. Also checks Netty's leak
 * detector every so often while a fuzzer runs (in regression mode {@link LeakDetectorExtension} checks after every
 * input).
 *
 * <p>Not thread-safe; one per fuzz test.
 */
public final class FuzzBuffers {
    /** Number of shapes {@link #wrap} knows. */
    public static final int SHAPES = 5;
    /** Inputs between two leak checks while fuzzing: a check costs a few collections. */
    private static final int LEAK_CHECK_PERIOD = 20_000;

    private static long inputs;

    private FuzzBuffers() {}

    /**
     * A new buffer holding {@code lead} junk bytes, then {@code data}, with the reader index at {@code data}. The
     * caller owns it (refCnt 1).
     *
     * @param shape 0..{@link #SHAPES}-1 (taken modulo)
     */
    public static ByteBuf wrap(int shape, int lead, byte[] data) {
        ByteBufAllocator pooled = PooledByteBufAllocator.DEFAULT;
        int total = lead + data.length;
        ByteBuf buf;
        switch (Math.floorMod(shape, SHAPES)) {
            case 0:
                buf = Unpooled.buffer(
                        Math.max(1, total), Math.max(1, total)); // capacity 0 would be the shared EMPTY_BUFFER
                break;
            case 1:
                buf = Unpooled.directBuffer(Math.max(1, total), Math.max(1, total));
                break;
            case 2:
                buf = pooled.directBuffer(total);
                break;
            case 3: {
                CompositeByteBuf composite = pooled.compositeDirectBuffer(2);
                int split = lead + data.length / 2;
                ByteBuf first = pooled.directBuffer(Math.max(1, split));
                first.writeZero(lead);
                first.writeBytes(data, 0, split - lead);
                ByteBuf second = pooled.heapBuffer(Math.max(1, data.length - (split - lead)));
                second.writeBytes(data, split - lead, data.length - (split - lead));
                composite.addComponents(true, List.of(first, second));
                composite.readerIndex(lead);
                return composite;
            }
            default: {
                ByteBuf inner = pooled.heapBuffer(total);
                inner.writeZero(lead).writeBytes(data);
                inner.readerIndex(lead);
                return inner.asReadOnly();
            }
        }
        buf.writeZero(lead).writeBytes(data);
        buf.readerIndex(lead);
        return buf;
    }

    /** The readable bytes of {@code buf}, copied; indices unchanged. */
    public static byte[] bytes(ByteBuf buf) {
        byte[] out = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), out);
        return out;
    }

    /** Counts one input; every {@value #LEAK_CHECK_PERIOD} inputs fails if Netty's detector reported a leak. */
    public static void countInput() {
        if (++inputs % LEAK_CHECK_PERIOD == 0) {
            List<String> leaks = LeakDetectorExtension.drainLeaks();
            if (!leaks.isEmpty()) {
                throw new AssertionError("ByteBuf leak(s) while fuzzing: " + leaks.size() + "\n" + leaks.get(0));
            }
        }
    }
}
