package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.internal.Checks;

/**
 * Constants and static accessors for the GRE header as NVGRE and GRE-in-UDP use it; stateless, thread-safe.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |C|R|K|S|s|Recur| Rsvd0   | Ver |    Protocol Type (0x6558)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |        Virtual Subnet ID (VSID)               |    FlowID     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * RFC 2784 defines C, Reserved0 (bits 1-12) and Ver; RFC 2890 gives bits 2 and 3 to K and S. RFC 2784 §2.3: a
 * receiver MUST discard a packet with any of bits 1-5 set (so, after RFC 2890: R, s and the top Recur bit, the
 * names RFC 1701 gave them); bits 6-12 are sent as zero and ignored on receipt.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7637#section-3.2">RFC 7637 §3.2</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8086">RFC 8086</a>
 */
public final class GreHeader {
    /** Length of the base header (flags, version, protocol). */
    public static final int BASE_LENGTH = 4;
    /** Length of the NVGRE header: base + key. */
    public static final int NVGRE_LENGTH = 8;
    /** IP protocol number of GRE (NVGRE runs directly over IP). */
    public static final int IP_PROTOCOL = 47;
    /** RFC 8086 §3: UDP destination port of GRE-in-UDP. */
    public static final int GRE_IN_UDP_PORT = 4754;
    /** Transparent Ethernet Bridging: the only protocol type NVGRE carries (RFC 7637 §3.2). */
    public static final int PROTOCOL_TEB = 0x6558;

    /** Offset of the 16-bit flags-and-version word. */
    public static final int FLAGS_OFFSET = 0;
    /** Offset of the protocol type. */
    public static final int PROTOCOL_OFFSET = 2;
    /** Offset of the key when C = 0 (always, for NVGRE). */
    public static final int KEY_OFFSET = 4;

    /** Checksum present. */
    public static final int C_FLAG = 0x8000;
    /** RFC 1701 routing present; RFC 2784 §2.3: receiver MUST discard if set. */
    public static final int R_FLAG = 0x4000;
    /** RFC 2890: key present. */
    public static final int K_FLAG = 0x2000;
    /** RFC 2890: sequence number present. */
    public static final int S_FLAG = 0x1000;
    /** RFC 1701 strict source route and the top recursion bit: RFC 2784 §2.3 bits 4-5, MUST discard if set. */
    public static final int STRICT_ROUTE_AND_RECURSION_HIGH = 0x0C00;
    /** Bits a receiver must refuse (RFC 2784 §2.3: bits 1-5 minus K and S, which RFC 2890 defined). */
    public static final int MUST_BE_ZERO = R_FLAG | STRICT_ROUTE_AND_RECURSION_HIGH;
    /** RFC 2784: bits 6-12, sent as zero, ignored on receipt (a strict profile drops them). */
    public static final int RESERVED0_IGNORED = 0x03F8;
    /** Version field mask; MUST be 0. */
    public static final int VERSION_MASK = 0x0007;

    /** First 32-bit word of every NVGRE header we send: K=1, all else 0, protocol 0x6558. */
    static final int NVGRE_FIRST_WORD = (K_FLAG << 16) | PROTOCOL_TEB;

    private GreHeader() {}

    /** The 16-bit flags-and-version word at {@code offset} (absolute index). */
    public static int flags(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + FLAGS_OFFSET);
    }

    /** The protocol type at {@code offset} (absolute index). */
    public static int protocol(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + PROTOCOL_OFFSET);
    }

    /** Header length announced by {@code flags}: 4, plus 4 for each of C, K, S present. */
    public static int headerLength(int flags) {
        return BASE_LENGTH
                + ((flags & C_FLAG) != 0 ? 4 : 0)
                + ((flags & K_FLAG) != 0 ? 4 : 0)
                + ((flags & S_FLAG) != 0 ? 4 : 0);
    }

    /** The key of a header at {@code offset} with K set, wherever C puts it, as an unsigned value. */
    public static long key(ByteBuf buf, int offset) {
        int flags = flags(buf, offset);
        return buf.getUnsignedInt(offset + KEY_OFFSET + ((flags & C_FLAG) != 0 ? 4 : 0));
    }

    /** The VSID (upper 24 bits of the key) of an NVGRE header at {@code offset}. */
    public static int vsid(ByteBuf buf, int offset) {
        return buf.getUnsignedMedium(offset + KEY_OFFSET);
    }

    /** The FlowID (lower 8 bits of the key) of an NVGRE header at {@code offset}. */
    public static int flowId(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset + KEY_OFFSET + 3);
    }

    /** Returns {@code flowId} if it is 0..255, else throws {@link IllegalArgumentException}. */
    public static int checkFlowId(int flowId) {
        Checks.inRange("flowId", flowId, 0, 255);
        return flowId;
    }
}
