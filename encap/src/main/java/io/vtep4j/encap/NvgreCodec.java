package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * NVGRE (RFC 7637) decapsulation and encapsulation of the GRE header + inner frame; the same bytes form the UDP
 * payload of GRE-in-UDP (RFC 8086, port {@value GreHeader#GRE_IN_UDP_PORT}). Immutable and thread-safe.
 *
 * <pre>{@code
 * long key = NvgreCodec.DEFAULT.decapsulate(grePayload);       // readerIndex now at the inner frame
 * if (key < 0) { stats.drop(DropReason.fromCodeOrNull(key)); grePayload.release(); }
 * int vsid = (int) (key >>> 8), flowId = (int) key & 0xFF;
 * ByteBuf out = NvgreCodec.DEFAULT.encapsulate(frame, vsid);  // FlowID from the inner-flow hash
 * }</pre>
 *
 * <p>Receive drops, each with its own reason: C or S set, version not 0, R/s/recursion bits set (RFC 2784 §2.3), K
 * missing, protocol not 0x6558, reserved VSID (policy, default drop), inner frame too short, inner VLAN tag (RFC
 * 7637 §3.2 MUST). Send: K=1, C=S=0, version 0, protocol 0x6558, any inner 802.1Q tag removed.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7637#section-3.2">RFC 7637 §3.2</a>
 */
public final class NvgreCodec {
    /** Default: reserved VSIDs dropped, reserved0 bits ignored, FlowID from the inner-flow hash. */
    public static final NvgreCodec DEFAULT = builder().build();

    /** RFC 7637 §3.2: VSIDs 0..0xFFF are reserved for future use. */
    public static final int RESERVED_VSID_MAX = 0xFFF;
    /** RFC 7637 §3.2: VSID 0xFFFFFF is reserved for vendor-specific NVE-to-NVE communication. */
    public static final int VENDOR_VSID = 0xFFFFFF;

    /** Marker for "FlowID from the hash" in {@link Builder#fixedFlowId(int)}. */
    private static final int FLOW_ID_FROM_HASH = -1;

    private final boolean dropReservedVsid;
    private final boolean strictReserved;
    private final int fixedFlowId;

    private NvgreCodec(Builder builder) {
        this.dropReservedVsid = builder.dropReservedVsid;
        this.strictReserved = builder.strictReserved;
        this.fixedFlowId = builder.fixedFlowId;
    }

    /** A builder starting from the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** True if {@code vsid} is reserved by RFC 7637 §3.2 (0..0xFFF or 0xFFFFFF). */
    public static boolean isReservedVsid(int vsid) {
        return vsid <= RESERVED_VSID_MAX || vsid == VENDOR_VSID;
    }

    /** Whether packets with a reserved VSID are dropped. */
    public boolean dropReservedVsid() {
        return dropReservedVsid;
    }

    /** The fixed FlowID sent by {@link #encapsulate(ByteBuf, int)}, or -1 if it comes from the flow hash. */
    public int fixedFlowId() {
        return fixedFlowId;
    }

    /**
     * Validates the NVGRE header at {@code gre.readerIndex()}.
     *
     * <p>On success moves {@code readerIndex} past the 8-byte header and returns {@code (vsid << 8) | flowId}
     * (≥ 0). On failure returns {@link DropReason#code()} (negative) and leaves the buffer untouched. Never throws,
     * never releases, never allocates; ownership stays with the caller.
     */
    public long decapsulate(ByteBuf gre) {
        int ri = gre.readerIndex();
        int length = gre.readableBytes();
        if (length >= GreHeader.NVGRE_LENGTH + Ethernet.HEADER_LENGTH) {
            long header = gre.getLong(ri);
            if ((int) (header >>> 32) == GreHeader.NVGRE_FIRST_WORD) {
                // Fast path: the exact first word every conforming sender writes (K only, version 0, 0x6558).
                long key = header & 0xFFFF_FFFFL;
                if (dropReservedVsid && isReservedVsid((int) (key >>> 8))) {
                    return DropReason.NVGRE_RESERVED_VSID.code();
                }
                int innerTpid = gre.getUnsignedShort(ri + GreHeader.NVGRE_LENGTH + Ethernet.ETHER_TYPE_OFFSET);
                if (!Ethernet.isVlanTpid(innerTpid)) {
                    gre.readerIndex(ri + GreHeader.NVGRE_LENGTH);
                    return key;
                }
            }
        }
        return decapsulateSlowly(gre, ri, length);
    }

    /** Every rule one by one, each with its own reason; reached for anything but a plain valid packet. */
    private long decapsulateSlowly(ByteBuf gre, int ri, int length) {
        if (length < GreHeader.BASE_LENGTH) {
            return DropReason.GRE_TRUNCATED.code();
        }
        // Read 8 bytes at once when they are there (one bounds check instead of two).
        long header = length >= GreHeader.NVGRE_LENGTH ? gre.getLong(ri) : (long) gre.getInt(ri) << 32;
        int first = (int) (header >>> 32);
        int flags = first >>> 16;
        if ((flags & (GreHeader.C_FLAG | GreHeader.S_FLAG)) != 0) {
            // RFC 7637 §3.2: C and S MUST be zero.
            return DropReason.GRE_CHECKSUM_OR_SEQUENCE_PRESENT.code();
        }
        if ((flags & GreHeader.VERSION_MASK) != 0) {
            // RFC 2784 §2.3.1: version MUST be 0.
            return DropReason.GRE_VERSION_NOT_ZERO.code();
        }
        if ((flags & GreHeader.MUST_BE_ZERO) != 0 || (strictReserved && (flags & GreHeader.RESERVED0_IGNORED) != 0)) {
            // RFC 2784 §2.3: a receiver MUST discard a packet with bits 1-5 set (other than K and S, RFC 2890).
            return DropReason.GRE_RESERVED_BITS_SET.code();
        }
        if ((flags & GreHeader.K_FLAG) == 0) {
            // RFC 7637 §3.2: the K bit MUST be set; the key carries VSID and FlowID.
            return DropReason.GRE_KEY_MISSING.code();
        }
        if ((first & 0xFFFF) != GreHeader.PROTOCOL_TEB) {
            // RFC 7637 §3.2: protocol type MUST be 0x6558 (Transparent Ethernet Bridging).
            return DropReason.GRE_PROTOCOL_NOT_TEB.code();
        }
        if (length < GreHeader.NVGRE_LENGTH) {
            return DropReason.GRE_TRUNCATED.code();
        }
        long key = header & 0xFFFF_FFFFL;
        if (dropReservedVsid && isReservedVsid((int) (key >>> 8))) {
            return DropReason.NVGRE_RESERVED_VSID.code();
        }
        // RFC 7637 §3.2: the inner frame MUST NOT carry an 802.1Q tag; there is no option to accept one.
        int inner = InnerFrame.check(gre, ri + GreHeader.NVGRE_LENGTH, length - GreHeader.NVGRE_LENGTH, false);
        if (inner != 0) {
            return inner;
        }
        gre.readerIndex(ri + GreHeader.NVGRE_LENGTH);
        return key;
    }

    /**
     * Like {@link #decapsulate(ByteBuf)} but throws on a malformed packet; for tools and tests. Ownership stays
     * with the caller.
     *
     * @throws MalformedPacketException naming the value and the rule
     */
    public long decapsulateOrThrow(ByteBuf gre) {
        long result = decapsulate(gre);
        if (result >= 0) {
            return result;
        }
        DropReason reason = DropReason.fromCode((int) result);
        int ri = gre.readerIndex();
        int length = gre.readableBytes();
        int flags = length >= 2 ? gre.getUnsignedShort(ri) : 0;
        String message;
        switch (reason) {
            case GRE_TRUNCATED:
                message = "incomplete NVGRE header: " + length + " bytes (expected: " + GreHeader.NVGRE_LENGTH + ")";
                break;
            case GRE_CHECKSUM_OR_SEQUENCE_PRESENT:
                message = String.format("GRE C or S bit set: flags 0x%04x (expected: C=0, S=0)", flags);
                break;
            case GRE_VERSION_NOT_ZERO:
                message = "GRE version: " + (flags & GreHeader.VERSION_MASK) + " (expected: 0)";
                break;
            case GRE_RESERVED_BITS_SET:
                message = String.format("GRE reserved bits set: flags 0x%04x (expected: R, s, recursion 0)", flags);
                break;
            case GRE_KEY_MISSING:
                message = String.format("GRE K bit not set: flags 0x%04x (expected: 0x2000 set)", flags);
                break;
            case GRE_PROTOCOL_NOT_TEB:
                message = String.format("GRE protocol type: 0x%04x (expected: 0x6558)", GreHeader.protocol(gre, ri));
                break;
            case NVGRE_RESERVED_VSID:
                message =
                        String.format("reserved VSID: 0x%06x (expected: 0x001000..0xfffffe)", GreHeader.vsid(gre, ri));
                break;
            default:
                message =
                        InnerFrame.describe(reason, gre, ri + GreHeader.NVGRE_LENGTH, length - GreHeader.NVGRE_LENGTH);
        }
        throw new MalformedPacketException(reason, message);
    }

    /**
     * Encapsulates {@code frame} with {@code vsid} and the configured FlowID policy (the inner-flow hash by
     * default, RFC 7637 §3.2). Ownership as in {@link #encapsulate(ByteBuf, int, int)}.
     */
    public ByteBuf encapsulate(ByteBuf frame, int vsid) {
        int flowId = fixedFlowId >= 0 ? fixedFlowId : FlowHash.flowId(FlowHash.hash(frame));
        return encapsulate(frame, vsid, flowId);
    }

    /**
     * Encapsulates {@code frame} in an NVGRE header with {@code vsid} and {@code flowId}; returns GRE header + frame
     * (the IP payload for NVGRE, the UDP payload for GRE-in-UDP).
     *
     * <p>Takes ownership of {@code frame}; the caller owns the result. Written in place into the headroom when
     * {@code frame.readerIndex() >= 8} and the buffer is writable, else a composite with a small header buffer.
     * An inner 802.1Q tag is always removed (RFC 7637 §3.2 MUST).
     *
     * @throws IllegalArgumentException if {@code vsid} is not 0..{@link Vni#MAX}, or is reserved while this codec
     *                                  drops reserved VSIDs on receive ({@link #dropReservedVsid}; a peer would drop
     *                                  the packet as this codec does), or {@code flowId} is not 0..255 ({@code frame}
     *                                  is not released)
     */
    public ByteBuf encapsulate(ByteBuf frame, int vsid, int flowId) {
        Vni.check(vsid);
        if (dropReservedVsid && isReservedVsid(vsid)) {
            throw new IllegalArgumentException("vsid: " + vsid + " (expected: 4096..16777214; RFC 7637 §3.2 reserves "
                    + "0..4095 and 16777215, and this codec drops them on receive)");
        }
        GreHeader.checkFlowId(flowId);
        ByteBuf out = InnerFrame.prependSpace(InnerFrame.prepare(frame, true), GreHeader.NVGRE_LENGTH);
        int ri = out.readerIndex();
        out.setLong(ri, ((long) GreHeader.NVGRE_FIRST_WORD << 32) | (((long) vsid << 8) | flowId));
        return out;
    }

    @Override
    public String toString() {
        return "NvgreCodec(dropReservedVsid=" + dropReservedVsid + ", strictReserved=" + strictReserved + ", flowId="
                + (fixedFlowId >= 0 ? Integer.toString(fixedFlowId) : "hash") + ")";
    }

    /** Builder of {@link NvgreCodec}; not thread-safe, use from one thread then {@link #build()}. */
    public static final class Builder {
        private boolean dropReservedVsid = true;
        private boolean strictReserved;
        private int fixedFlowId = FLOW_ID_FROM_HASH;

        private Builder() {}

        /** Drop packets whose VSID is reserved (0..0xFFF, 0xFFFFFF); default true. */
        public Builder dropReservedVsid(boolean drop) {
            this.dropReservedVsid = drop;
            return this;
        }

        /** Also drop packets with GRE Reserved0 bits 6-12 set (RFC 2784 says ignore them); default false. */
        public Builder strictReserved(boolean strict) {
            this.strictReserved = strict;
            return this;
        }

        /** Send this FlowID (0 = "not generated") instead of one derived from the inner-flow hash. */
        public Builder fixedFlowId(int flowId) {
            this.fixedFlowId = GreHeader.checkFlowId(flowId);
            return this;
        }

        /** An immutable codec with these settings. */
        public NvgreCodec build() {
            return new NvgreCodec(this);
        }
    }
}
