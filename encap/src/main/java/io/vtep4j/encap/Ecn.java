package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * Explicit Congestion Notification across a tunnel, RFC 6040 (normal mode): the two low bits of the IPv4 TOS /
 * IPv6 traffic class.
 *
 * <pre>
 * Encapsulation (§4.1, normal mode): the outer ECN field is a copy of the inner one.
 *
 * Decapsulation (§4.2, Figure 4):        outer
 *                     inner      Not-ECT  ECT(0)  ECT(1)  CE
 *                     Not-ECT    Not-ECT  Not-ECT Not-ECT drop
 *                     ECT(0)     ECT(0)   ECT(0)  ECT(1)  CE
 *                     ECT(1)     ECT(1)   ECT(1)  ECT(1)  CE
 *                     CE         CE       CE      CE      CE
 * </pre>
 *
 * (The cells RFC 6040 marks "(!)" as currently unused combinations, such as inner Not-ECT under an outer ECT, are
 * forwarded as the table says; the RFC only asks that they MAY be logged.) Stateless and thread-safe.
 */
public final class Ecn {

    /** Not ECN-capable transport. */
    public static final int NOT_ECT = 0b00;
    /** ECN-capable transport, codepoint 1. */
    public static final int ECT_1 = 0b01;
    /** ECN-capable transport, codepoint 0. */
    public static final int ECT_0 = 0b10;
    /** Congestion experienced. */
    public static final int CE = 0b11;
    /** The ECN bits of a TOS / traffic-class byte. */
    public static final int MASK = 0b11;
    /** {@link #decapsulate}'s answer when the packet must be dropped (outer CE over inner Not-ECT). */
    public static final int DROP = -1;

    private Ecn() {}

    /** RFC 6040 §4.1 normal mode: the outer ECN field to send for an inner one (a copy). */
    public static int encapsulate(int inner) {
        return inner & MASK;
    }

    /** RFC 6040 §4.2 Figure 4: the inner ECN field to deliver, or {@link #DROP}. */
    public static int decapsulate(int outer, int inner) {
        outer &= MASK;
        inner &= MASK;
        if (outer == CE) {
            return inner == NOT_ECT ? DROP : CE;
        }
        if (outer == ECT_1 && inner == ECT_0) {
            return ECT_1;
        }
        return inner;
    }

    /** Refuses a value that is not a two-bit ECN codepoint, rather than writing part of it. */
    private static void check(int ecn) {
        if ((ecn & ~MASK) != 0) {
            throw new IllegalArgumentException("ecn: " + ecn + " (expected: 0..3)");
        }
    }

    /**
     * Writes {@code ecn} into the IPv4 header at {@code offset} and updates its header checksum incrementally
     * (RFC 1624 eqn. 3), so that the header stays valid without summing it again. Does not move indices.
     */
    public static void setIpv4(ByteBuf buf, int offset, int ecn) {
        check(ecn);
        int oldWord = buf.getUnsignedShort(offset); // version, IHL, TOS
        int newWord = (oldWord & ~MASK) | (ecn & MASK);
        if (newWord == oldWord) {
            return;
        }
        buf.setShort(offset, newWord);
        int checksumIndex = offset + Ipv4Header.CHECKSUM_OFFSET;
        // HC' = ~(~HC + ~m + m')
        long sum = (~buf.getUnsignedShort(checksumIndex) & 0xFFFF) + (~oldWord & 0xFFFF) + newWord;
        buf.setShort(checksumIndex, InternetChecksum.finish(sum));
    }

    /** Writes {@code ecn} into the traffic class of the IPv6 header at {@code offset} (no checksum to fix). */
    public static void setIpv6(ByteBuf buf, int offset, int ecn) {
        check(ecn);
        // Version (4 bits), traffic class (8), flow label (20): the ECN bits are bits 20..21 of the first word.
        int first = buf.getInt(offset);
        buf.setInt(offset, (first & ~(MASK << 20)) | ((ecn & MASK) << 20));
    }

    /** The ECN field of the IPv4 header at {@code offset}. */
    public static int ipv4(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset + 1) & MASK;
    }

    /** The ECN field of the IPv6 header at {@code offset}. */
    public static int ipv6(ByteBuf buf, int offset) {
        return (buf.getInt(offset) >>> 20) & MASK;
    }
}
