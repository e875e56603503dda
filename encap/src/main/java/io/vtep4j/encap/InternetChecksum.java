package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/** The RFC 1071 ones'-complement Internet checksum over {@code ByteBuf} ranges. Stateless, thread-safe. */
public final class InternetChecksum {
    private InternetChecksum() {}

    /**
     * Adds the 16-bit big-endian words of {@code length} bytes at {@code offset} (absolute) to {@code sum} without
     * folding; an odd last byte is padded with zero (RFC 1071 §4.1). Does not move indices.
     */
    public static long add(long sum, ByteBuf buf, int offset, int length) {
        int i = offset;
        int end = offset + length;
        for (; i + 4 <= end; i += 4) {
            sum += buf.getUnsignedInt(i);
        }
        if (i + 2 <= end) {
            sum += buf.getUnsignedShort(i);
            i += 2;
        }
        if (i < end) {
            sum += buf.getUnsignedByte(i) << 8;
        }
        return sum;
    }

    /** Folds a running sum to 16 bits and complements it: the value to store in a checksum field. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) (~sum & 0xFFFF);
    }

    /** The checksum of {@code length} bytes at {@code offset}; 0 when a range with its checksum field is valid. */
    public static int of(ByteBuf buf, int offset, int length) {
        return finish(add(0, buf, offset, length));
    }
}
