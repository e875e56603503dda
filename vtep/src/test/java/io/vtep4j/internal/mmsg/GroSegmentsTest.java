package io.vtep4j.internal.mmsg;

import static io.vtep4j.internal.mmsg.GroSegments.MALFORMED;
import static io.vtep4j.internal.mmsg.GroSegments.MAX_SEGMENTS;
import static io.vtep4j.internal.mmsg.GroSegments.count;
import static io.vtep4j.internal.mmsg.GroSegments.length;
import static io.vtep4j.internal.mmsg.GroSegments.offset;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** How a received message splits by its UDP_GRO segment size, and which sizes are refused as malformed. */
class GroSegmentsTest {

    static final int SLOT = 65535;

    @Test
    void aMessageWithoutSegmentSizeIsOneDatagramOfItsWholeLength() {
        assertEquals(1, count(1400, 0, SLOT));
        assertEquals(1400, length(1400, 0, 0));
        assertEquals(0, offset(0, 0));
        assertEquals(1, count(0, 0, SLOT), "an empty datagram is still one (the engine drops it as truncated)");
        assertEquals(1, count(SLOT, 0, SLOT), "as long as the slot: one datagram, checked against the MTU later");
    }

    @Test
    void splitsIntoEqualSegmentsAndAShorterLastOne() {
        assertEquals(3, count(2500, 1000, SLOT));
        int[] lengths = new int[3];
        int[] offsets = new int[3];
        for (int k = 0; k < 3; k++) {
            lengths[k] = length(2500, 1000, k);
            offsets[k] = offset(1000, k);
        }
        assertEquals(
                java.util.List.of(1000, 1000, 500),
                java.util.Arrays.stream(lengths).boxed().toList());
        assertEquals(
                java.util.List.of(0, 1000, 2000),
                java.util.Arrays.stream(offsets).boxed().toList());

        assertEquals(4, count(4000, 1000, SLOT), "an exact multiple: no short segment");
        assertEquals(1000, length(4000, 1000, 3));
        assertEquals(1, count(1000, 1000, SLOT), "the size of the whole message: one segment");
        assertEquals(1000, length(1000, 1000, 0));
    }

    @Test
    void refusesSegmentSizesNoKernelWrites() {
        assertEquals(MALFORMED, count(1000, -1, SLOT), "negative");
        assertEquals(MALFORMED, count(1000, Integer.MIN_VALUE, SLOT), "negative");
        assertEquals(MALFORMED, count(1000, 1001, SLOT), "longer than the message");
        assertEquals(MALFORMED, count(0, 1, SLOT), "an empty message with a segment size");
        assertEquals(MALFORMED, count(1000, Integer.MAX_VALUE, SLOT), "longer than the message");
        assertEquals(MAX_SEGMENTS, count(MAX_SEGMENTS * 100, 100, SLOT), "as many segments as a GSO message may carry");
        assertEquals(MALFORMED, count(MAX_SEGMENTS * 100 + 1, 100, SLOT), "one more segment than that");
        assertEquals(MALFORMED, count(SLOT, 1, SLOT), "65,535 one-byte segments");
    }

    @Test
    void refusesLengthsOutsideTheSlot() {
        assertEquals(MALFORMED, count(SLOT + 1, 0, SLOT), "longer than the slot, not coalesced");
        assertEquals(MALFORMED, count(SLOT + 1, 1000, SLOT), "longer than the slot, coalesced");
        assertEquals(MALFORMED, count(-1, 0, SLOT), "negative length");
        assertEquals(MALFORMED, count(Integer.MAX_VALUE, 1000, Integer.MAX_VALUE - 1), "no overflow either");
    }
}
