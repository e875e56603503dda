package io.vtep4j.internal.mmsg;

/**
 * How one received message splits into the datagrams the kernel coalesced into it (UDP GRO): the {@code UDP_GRO}
 * control message gives the segment size; every segment is that long but the last, which may be shorter. The size
 * comes from outside this process, so a value no kernel writes is treated as malformed input, never trusted:
 * negative, longer than the message, or so short that the message would carry more than {@link #MAX_SEGMENTS}
 * segments; so is a message length that is negative or longer than its receive slot. Stateless, allocation-free.
 */
final class GroSegments {

    /**
     * {@code UDP_MAX_SEGMENTS} of {@code <linux/udp.h>} (128 in recent kernels, 64 in older ones): the most datagrams one GSO
     * message may carry. GRO coalesces at most 64; a GSO message sent over loopback reaches a GRO socket whole, so 128
     * is the most a kernel hands over.
     */
    static final int MAX_SEGMENTS = 128;

    /** What {@link #count} returns for a segment size or length that cannot be true. */
    static final int MALFORMED = -1;

    private GroSegments() {}

    /**
     * The number of datagrams in a message of {@code length} bytes received into a slot of {@code capacity} bytes,
     * with segment size {@code segmentSize} (0: the message is one datagram, not coalesced); {@link #MALFORMED} if
     * the two cannot describe a message the kernel coalesced.
     */
    static int count(int length, int segmentSize, int capacity) {
        if (length < 0 || length > capacity || segmentSize < 0) {
            return MALFORMED;
        }
        if (segmentSize == 0) {
            return 1;
        }
        if (segmentSize > length) {
            return MALFORMED;
        }
        int segments = (length + segmentSize - 1) / segmentSize; // no overflow: length <= capacity, a slot's size
        return segments <= MAX_SEGMENTS ? segments : MALFORMED;
    }

    /** Where segment {@code k} starts, from the message's start. */
    static int offset(int segmentSize, int k) {
        return segmentSize * k;
    }

    /**
     * The length of segment {@code k} of a message of {@code length} bytes whose {@link #count} was positive: the
     * segment size, or what is left for the last one; the whole message when it is not coalesced.
     */
    static int length(int length, int segmentSize, int k) {
        return segmentSize == 0 ? length : Math.min(segmentSize, length - segmentSize * k);
    }
}
