package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.internal.libc.LibC;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The transmit half against a simulated kernel: each kick consumes at most 3 transmit descriptors and says EAGAIN while
 * more are queued (copy mode takes 32 a call) and returns their chunks on the completion ring.
 */
class XskTransmitTest {
    private static final int SIZE = 8;
    private static final int CHUNK = 2048;

    private final ByteBuf umem = Unpooled.buffer(2 * SIZE * CHUNK).writerIndex(2 * SIZE * CHUNK);
    private final ByteBuf txMemory = Unpooled.buffer(64 + SIZE * 16).writerIndex(64 + SIZE * 16);
    private final ByteBuf compMemory = Unpooled.buffer(64 + SIZE * 8).writerIndex(64 + SIZE * 8);
    private final XskRing tx = new XskRing(txMemory, 0, 4, 8, 64, 16, SIZE, true);
    private final XskRing completion = new XskRing(compMemory, 0, 4, 8, 64, 8, SIZE, false);
    private final List<String> wire = new ArrayList<>();
    private int kicks;
    private boolean completeOnKick = true;

    private final XskTransmit.Kicker kernel = new XskTransmit.Kicker() {
        @Override
        public long kick() {
            kicks++;
            if (!completeOnKick) {
                return 0;
            }
            int cons = txMemory.getIntLE(4);
            int prod = txMemory.getIntLE(0);
            int compProd = compMemory.getIntLE(0);
            int n = Math.min(3, prod - cons);
            for (int i = 0; i < n; i++) {
                int slot = 64 + ((cons + i) & (SIZE - 1)) * 16;
                long addr = txMemory.getLongLE(slot);
                int len = txMemory.getIntLE(slot + 8);
                wire.add(Unpooled.wrappedBuffer(umem.array(), (int) addr, len)
                        .toString(0, len, java.nio.charset.StandardCharsets.ISO_8859_1));
                compMemory.setLongLE(64 + ((compProd + i) & (SIZE - 1)) * 8, addr);
            }
            txMemory.setIntLE(4, cons + n);
            compMemory.setIntLE(0, compProd + n);
            return prod - cons > n ? -1 : 0;
        }

        @Override
        public int errno() {
            return LibC.EAGAIN;
        }
    };

    private XskTransmit transmit() {
        return new XskTransmit(umem, tx, completion, kernel, (long) SIZE * CHUNK, SIZE, CHUNK);
    }

    private static ByteBuf frame(char fill, int length) {
        ByteBuf f = Unpooled.buffer(length);
        for (int i = 0; i < length; i++) {
            f.writeByte(fill);
        }
        return f;
    }

    @Test
    void framesAreCopiedIntoTheTransmitHalfPublishedInBatchesAndTheirChunksComeBack() {
        XskTransmit t = transmit();
        ByteBuf f = frame('a', 60);
        assertTrue(t.queue(f, -1, 4));
        assertEquals(0, f.refCnt(), "released once copied");
        assertEquals(1, t.pending());
        assertEquals(0, txMemory.getIntLE(0), "not published before the batch is full or flushed");
        long chunk = txMemory.getLongLE(64);
        assertTrue(chunk >= SIZE * CHUNK && chunk < 2 * SIZE * CHUNK, "a chunk of the transmit half: " + chunk);
        for (int i = 0; i < 3; i++) {
            assertTrue(t.queue(frame('b', 60), -1, 4));
        }
        assertEquals(0, t.pending(), "the fourth frame published the batch");
        assertEquals(4, wire.size());
        assertEquals(4, t.completed());
        assertEquals(SIZE, t.freeChunks(), "every chunk came back");
    }

    @Test
    void aTagIsInsertedAfterTheMacs() {
        XskTransmit t = transmit();
        ByteBuf f = Unpooled.buffer(60);
        f.writeBytes(new byte[12]).writeShort(0x0800).writeZero(46);
        assertTrue(t.queue(f, 0x2064, 1));
        assertEquals(64, txMemory.getIntLE(64 + 8), "four bytes longer");
        long chunk = txMemory.getLongLE(64);
        assertEquals(0x8100, umem.getUnsignedShort((int) chunk + 12));
        assertEquals(0x2064, umem.getUnsignedShort((int) chunk + 14));
        assertEquals(0x0800, umem.getUnsignedShort((int) chunk + 16));
    }

    @Test
    void withEveryChunkInFlightAFrameIsRefusedNotQueued() {
        completeOnKick = false; // the kernel holds on to everything
        XskTransmit t = transmit();
        for (int i = 0; i < SIZE; i++) {
            assertTrue(t.queue(frame('c', 60), -1, 64));
        }
        assertFalse(t.flush(), "the kernel took nothing: no call to go on at once");
        assertEquals(XskTransmit.MAX_KICKS, kicks, "bounded: one flush kicks at most MAX_KICKS times");
        ByteBuf f = frame('d', 60);
        assertFalse(t.queue(f, -1, 64));
        assertEquals(0, f.refCnt());
        assertEquals(1, t.refused());
        completeOnKick = true;
        assertFalse(t.flush(), "drained");
        assertEquals(SIZE, t.freeChunks());
        assertTrue(t.queue(frame('e', 60), -1, 64));
    }

    @Test
    void tooLongAndTooShortAreRefused() {
        XskTransmit t = transmit();
        assertFalse(t.queue(frame('x', CHUNK + 1), -1, 1));
        assertFalse(t.queue(frame('x', CHUNK - 2), 5, 1), "the tag makes it too long");
        assertFalse(t.queue(frame('x', 13), -1, 1));
        assertEquals(3, t.refused());
        assertEquals(0, kicks);
    }

    @Test
    void aLongBacklogTakesSeveralKicksInOneFlush() {
        XskTransmit t = transmit();
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < SIZE; i++) {
                assertTrue(t.queue(frame('f', 60), -1, 1000));
            }
            assertFalse(t.flush());
        }
        assertEquals(5 * SIZE, wire.size());
        assertEquals(5 * SIZE, t.completed());
        assertEquals(5 * 3, kicks, "three kicks (3 + 3 + 2) per flush of eight");
    }
}
