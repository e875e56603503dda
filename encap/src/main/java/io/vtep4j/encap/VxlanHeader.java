package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * Constants and static accessors for the 8-byte VXLAN header; stateless, thread-safe, allocation-free.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe) reuses the layout with flags {@code |R|R|Ver|I|P|B|O|} and a Next Protocol
 * byte in place of the last reserved byte of the first word; we only recognise it (the P bit) to refuse it.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7348#section-5">RFC 7348 §5</a>
 */
public final class VxlanHeader {
    /** Header length: two 32-bit words. */
    public static final int LENGTH = 8;
    /** IANA-assigned VXLAN UDP destination port (RFC 7348 §5). */
    public static final int DEFAULT_PORT = 4789;
    /** The Linux kernel's historic default VXLAN port (pre-IANA); peers configured that way exist. */
    public static final int LINUX_LEGACY_PORT = 8472;
    /** IANA-assigned VXLAN-GPE UDP port: recognised and refused. */
    public static final int GPE_PORT = 4790;

    /** Offset of the flags byte. */
    public static final int FLAGS_OFFSET = 0;
    /** Offset of the 24-bit VNI (followed by one reserved byte). */
    public static final int VNI_OFFSET = 4;
    /** Offset of the trailing reserved byte. */
    public static final int RESERVED2_OFFSET = 7;

    /** RFC 7348 §5: the I flag, MUST be 1 for a valid VNI. */
    public static final int I_FLAG = 0x08;
    /** VXLAN-GPE: the P (Next Protocol present) flag; reserved in RFC 7348. */
    public static final int GPE_P_FLAG = 0x04;

    /** First 32-bit word of every header we send: I flag, everything else zero (RFC 7348 §5). */
    static final int FIRST_WORD = I_FLAG << 24;

    private VxlanHeader() {}

    /** The flags byte at {@code offset} (absolute index). */
    public static int flags(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset + FLAGS_OFFSET);
    }

    /** The 24-bit VNI of the header at {@code offset} (absolute index), unvalidated. */
    public static int vni(ByteBuf buf, int offset) {
        return buf.getUnsignedMedium(offset + VNI_OFFSET);
    }

    /**
     * Writes a header with the I flag and {@code vni} at {@code offset} (absolute index), reserved fields zero;
     * does not move indices.
     *
     * @throws IllegalArgumentException if {@code vni} is out of 0..{@link Vni#MAX}
     */
    public static void set(ByteBuf buf, int offset, int vni) {
        Vni.check(vni);
        // RFC 7348 §5: reserved fields MUST be zero on transmission.
        buf.setInt(offset, FIRST_WORD);
        buf.setInt(offset + VNI_OFFSET, vni << 8);
    }
}
