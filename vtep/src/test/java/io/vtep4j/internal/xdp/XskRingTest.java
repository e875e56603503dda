package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** Ring index arithmetic on plain memory laid out as the kernel lays out a ring: producer, consumer, flags, descs. */
class XskRingTest {
    private static final int PRODUCER = 0;
    private static final int CONSUMER = 64;
    private static final int FLAGS = 128;
    private static final int DESC = 192;

    private static ByteBuf memory(int size, int descSize, int producer, int consumer) {
        ByteBuf m = Unpooled.buffer(DESC + size * descSize);
        m.writerIndex(m.capacity());
        m.setIntLE(PRODUCER, producer);
        m.setIntLE(CONSUMER, consumer);
        return m;
    }

    private static XskRing ring(ByteBuf m, int size, boolean producer) {
        return new XskRing(m, PRODUCER, CONSUMER, FLAGS, DESC, 8, size, producer);
    }

    @Test
    void aProducerFillsUpToTheConsumerAndNoFurther() {
        ByteBuf m = memory(8, 8, 0, 0);
        XskRing r = ring(m, 8, true);
        assertEquals(8, r.reserve(100));
        r.submit(5);
        assertEquals(5, m.getIntLE(PRODUCER));
        assertEquals(3, r.reserve(100));
        r.submit(3);
        assertEquals(0, r.reserve(1), "full");
        m.setIntLE(CONSUMER, 2); // the kernel took two
        assertEquals(2, r.reserve(100));
        assertEquals(6, r.outstanding());
    }

    @Test
    void slotsWrapWithTheMask() {
        ByteBuf m = memory(8, 8, 6, 6);
        XskRing r = ring(m, 8, true);
        assertEquals(6, r.next());
        assertEquals(DESC + 6 * 8, r.slot(r.next()));
        assertEquals(DESC + 7 * 8, r.slot(r.next() + 1));
        assertEquals(DESC, r.slot(r.next() + 2), "index 8 is slot 0");
    }

    @Test
    void indicesWrapAt2To32() {
        int start = 0xFFFF_FFFE; // two short of wrapping
        ByteBuf m = memory(4, 8, start, start);
        XskRing producer = ring(m, 4, true);
        assertEquals(4, producer.reserve(4));
        producer.submit(4);
        assertEquals(2, m.getIntLE(PRODUCER), "wrapped past 2^32");
        assertEquals(0, producer.reserve(1), "still full across the wrap");

        XskRing consumer = ring(m, 4, false);
        assertEquals(start, consumer.next());
        assertEquals(4, consumer.peek(10), "four filled across the wrap");
        assertEquals(DESC + 2 * 8, consumer.slot(consumer.next()));
        assertEquals(DESC, consumer.slot(consumer.next() + 2));
        consumer.release(4);
        assertEquals(2, m.getIntLE(CONSUMER));
        assertEquals(0, consumer.peek(10));
        assertEquals(4, producer.reserve(4));
    }

    @Test
    void aConsumerSeesOnlyWhatWasPublished() {
        ByteBuf m = memory(16, 8, 10, 10);
        XskRing r = ring(m, 16, false);
        assertEquals(0, r.peek(8));
        m.setIntLE(PRODUCER, 13);
        assertEquals(3, r.peek(8));
        assertEquals(2, r.peek(2), "never more than asked");
        r.release(2);
        assertEquals(12, m.getIntLE(CONSUMER));
        assertEquals(1, r.peek(8));
    }

    @Test
    void theWakeupFlag() {
        ByteBuf m = memory(4, 8, 0, 0);
        XskRing r = ring(m, 4, true);
        assertFalse(r.needsWakeup());
        m.setIntLE(FLAGS, XskRing.NEED_WAKEUP);
        assertTrue(r.needsWakeup());
    }

    @Test
    void aRingTooSmallOrNotAPowerOfTwoIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ring(memory(4, 8, 0, 0), 6, true));
        assertThrows(IllegalArgumentException.class, () -> ring(memory(4, 8, 0, 0), 8, true));
    }
}
