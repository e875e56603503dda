package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * RFC 6040 §4.2 on a decapsulated Ethernet frame: combines the outer header's ECN field with the inner IPv4 / IPv6
 * packet's as {@link Ecn#decapsulate} says, and rewrites the inner field in place when the table changes it (an IPv4
 * header's checksum is updated incrementally, RFC 1624). The inner packet may sit behind up to
 * {@link Ethernet#MAX_TAGS} 802.1Q / 802.1ad tags.
 *
 * <p>Left unchanged and forwarded: frames that carry neither IPv4 nor IPv6, and frames too short to hold the inner IP
 * header they announce (nothing is read past the writer index; nothing throws on a short frame). Only an outer
 * ECT(1) or CE can change anything, so an outer Not-ECT or ECT(0) costs one test.
 *
 * <p>Stateless and thread-safe; allocates nothing. Moves no index; the caller keeps ownership of the frame, which must
 * be writable when the outer field is ECT(1) or CE.
 */
public final class InnerEcn {

    /** {@link #decapsulate}'s answer when the frame goes on (rewritten or not). */
    public static final int FORWARD = 0;

    private static final int IPV4_VERSION = 4;
    private static final int IPV6_VERSION = 6;

    private InnerEcn() {}

    /**
     * Applies the outer ECN field to the frame at {@code frame}'s reader index.
     *
     * @param outerTos the outer IPv4 TOS / IPv6 traffic class byte (only its two ECN bits are read)
     * @return {@link #FORWARD}, or {@link DropReason#ECN_CE_NOT_ECT}'s code when the outer header says CE and the
     *     inner packet is Not-ECT (the frame must then be dropped; it is left as it was)
     */
    public static int decapsulate(ByteBuf frame, int outerTos) {
        int outer = outerTos & Ecn.MASK;
        if ((outer & Ecn.ECT_1) == 0) {
            return FORWARD; // Not-ECT or ECT(0): Figure 4 leaves every inner field as it is
        }
        int l3 = Ethernet.payloadOffset(frame, frame.readerIndex());
        if (l3 < 0) {
            return FORWARD;
        }
        int type = frame.getUnsignedShort(l3 - 2);
        int end = frame.writerIndex();
        boolean ipv4 = type == Ethernet.TYPE_IPV4;
        int headerLength = ipv4 ? Ipv4Header.MIN_LENGTH : Ipv6Header.LENGTH;
        if ((!ipv4 && type != Ethernet.TYPE_IPV6)
                || l3 + headerLength > end
                || frame.getUnsignedByte(l3) >>> 4 != (ipv4 ? IPV4_VERSION : IPV6_VERSION)) {
            return FORWARD; // not IP, or too short for the header it announces
        }
        int inner = ipv4 ? Ecn.ipv4(frame, l3) : Ecn.ipv6(frame, l3);
        int result = Ecn.decapsulate(outer, inner);
        if (result == Ecn.DROP) {
            return DropReason.ECN_CE_NOT_ECT.code();
        }
        if (result != inner) {
            if (ipv4) {
                Ecn.setIpv4(frame, l3, result);
            } else {
                Ecn.setIpv6(frame, l3, result);
            }
        }
        return FORWARD;
    }
}
