package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * VXLAN (RFC 7348) decapsulation and encapsulation over a UDP payload. Immutable and thread-safe; share one
 * instance ({@link #DEFAULT} or one built with {@link #builder()}).
 *
 * <pre>{@code
 * int vni = VxlanCodec.DEFAULT.decapsulate(udpPayload);   // readerIndex now at the inner frame
 * if (vni < 0) { stats.drop(DropReason.fromCode(vni)); udpPayload.release(); }
 * ByteBuf payload = VxlanCodec.DEFAULT.encapsulate(frame, 5001);   // takes frame, header written in headroom
 * }</pre>
 *
 * <p>Receive rules: the I flag MUST be 1; reserved bits are ignored (RFC 7348 §5) unless {@link
 * Builder#strictReserved(boolean)}; a VXLAN-GPE header (P bit) is refused, never read as VXLAN; the inner frame
 * must hold an Ethernet header; a tagged inner frame is dropped unless {@link Builder#acceptInnerVlan(boolean)}
 * (§6.1 SHOULD). Send rules: reserved fields zero, VNI 0..{@link Vni#MAX}, inner tag stripped unless {@link
 * Builder#stripInnerVlan(boolean) stripInnerVlan(false)} (§6.1 SHOULD NOT include).
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7348#section-5">RFC 7348 §5</a>
 */
public final class VxlanCodec {
    /** RFC defaults: reserved bits ignored, tagged inner frames dropped on receive and stripped on send. */
    public static final VxlanCodec DEFAULT = builder().build();

    private final boolean strictReserved;
    private final boolean acceptInnerVlan;
    private final boolean stripInnerVlan;

    private VxlanCodec(Builder builder) {
        this.strictReserved = builder.strictReserved;
        this.acceptInnerVlan = builder.acceptInnerVlan;
        this.stripInnerVlan = builder.stripInnerVlan;
    }

    /** A builder starting from the RFC defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether reserved bits are dropped (Linux parity) rather than ignored. */
    public boolean strictReserved() {
        return strictReserved;
    }

    /** Whether a tagged inner frame is delivered on receive. */
    public boolean acceptInnerVlan() {
        return acceptInnerVlan;
    }

    /** Whether an inner VLAN tag is removed on send. */
    public boolean stripInnerVlan() {
        return stripInnerVlan;
    }

    /**
     * Validates the VXLAN header at {@code udpPayload.readerIndex()}.
     *
     * <p>On success moves {@code readerIndex} past the 8-byte header (the readable bytes are the inner frame) and
     * returns the VNI (0..{@link Vni#MAX}). On failure returns {@link DropReason#code()} (negative) and leaves the
     * buffer untouched. Never throws, never releases, never allocates; ownership stays with the caller.
     */
    public int decapsulate(ByteBuf udpPayload) {
        int ri = udpPayload.readerIndex();
        int length = udpPayload.readableBytes();
        if (length >= VxlanHeader.LENGTH + Ethernet.HEADER_LENGTH) {
            long header = udpPayload.getLong(ri);
            if ((int) (header >>> 32) == VxlanHeader.FIRST_WORD && (header & 0xFF) == 0) {
                // Fast path: I flag only, reserved bits zero, as every conforming sender writes.
                int innerTpid = udpPayload.getUnsignedShort(ri + VxlanHeader.LENGTH + Ethernet.ETHER_TYPE_OFFSET);
                if (!Ethernet.isVlanTpid(innerTpid)) {
                    udpPayload.readerIndex(ri + VxlanHeader.LENGTH);
                    return (int) header >>> 8;
                }
            }
        }
        return decapsulateSlowly(udpPayload, ri, length);
    }

    /** Every rule one by one, each with its own reason; reached for anything but a plain valid packet. */
    private int decapsulateSlowly(ByteBuf udpPayload, int ri, int length) {
        if (length < VxlanHeader.LENGTH) {
            return DropReason.VXLAN_TRUNCATED.code();
        }
        // One 8-byte read: each ByteBuf accessor pays its own bounds and accessibility checks.
        long header = udpPayload.getLong(ri);
        int first = (int) (header >>> 32);
        int second = (int) header;
        int flags = first >>> 24;
        if ((flags & VxlanHeader.GPE_P_FLAG) != 0) {
            // VXLAN-GPE: the last byte of word 1 is a Next Protocol, not reserved; never misread it as VXLAN.
            return DropReason.VXLAN_GPE_UNSUPPORTED.code();
        }
        if ((flags & VxlanHeader.I_FLAG) == 0) {
            // RFC 7348 §5: I flag MUST be 1 for a valid VNI.
            return DropReason.VXLAN_I_FLAG_NOT_SET.code();
        }
        if (strictReserved && (first != VxlanHeader.FIRST_WORD || (second & 0xFF) != 0)) {
            // RFC 7348 §5 says ignore reserved bits on receipt; the strict profile drops them as Linux does.
            return DropReason.VXLAN_RESERVED_BITS_SET.code();
        }
        int inner = InnerFrame.check(udpPayload, ri + VxlanHeader.LENGTH, length - VxlanHeader.LENGTH, acceptInnerVlan);
        if (inner != 0) {
            return inner;
        }
        udpPayload.readerIndex(ri + VxlanHeader.LENGTH);
        return second >>> 8;
    }

    /**
     * Like {@link #decapsulate(ByteBuf)} but throws on a malformed packet; for tools and tests, not the data path.
     * Ownership stays with the caller.
     *
     * @throws MalformedPacketException naming the value and the rule, e.g.
     *                                  {@code incomplete VXLAN header: 5 bytes (expected: 8)}
     */
    public int decapsulateOrThrow(ByteBuf udpPayload) {
        int result = decapsulate(udpPayload);
        if (result >= 0) {
            return result;
        }
        DropReason reason = DropReason.fromCode(result);
        int ri = udpPayload.readerIndex();
        String message;
        switch (reason) {
            case VXLAN_TRUNCATED:
                message = "incomplete VXLAN header: " + udpPayload.readableBytes() + " bytes (expected: "
                        + VxlanHeader.LENGTH + ")";
                break;
            case VXLAN_GPE_UNSUPPORTED:
                message = String.format(
                        "VXLAN-GPE header: flags 0x%02x have the P bit (0x04) set (expected: plain "
                                + "VXLAN; GPE is not supported)",
                        udpPayload.getUnsignedByte(ri));
                break;
            case VXLAN_I_FLAG_NOT_SET:
                message = String.format(
                        "VXLAN I flag not set: flags 0x%02x (expected: 0x08 set)", udpPayload.getUnsignedByte(ri));
                break;
            case VXLAN_RESERVED_BITS_SET:
                message = String.format(
                        "VXLAN reserved bits set: 0x%08x%08x (expected: 0x08000000 and low byte "
                                + "0 under the strict profile)",
                        udpPayload.getInt(ri), udpPayload.getInt(ri + VxlanHeader.VNI_OFFSET));
                break;
            default:
                message = InnerFrame.describe(
                        reason, udpPayload, ri + VxlanHeader.LENGTH, udpPayload.readableBytes() - VxlanHeader.LENGTH);
        }
        throw new MalformedPacketException(reason, message);
    }

    /**
     * Encapsulates {@code frame} in VXLAN with {@code vni}; returns the UDP payload (header + frame).
     *
     * <p>Takes ownership of {@code frame}; the caller owns the result. When {@code frame.readerIndex() >= 8} and the
     * buffer is writable, the header is written in place into the headroom and the same buffer is returned: no copy
     * and no allocation. Otherwise the result is a composite of a small header buffer and the frame. An inner
     * 802.1Q tag is removed in place first unless configured otherwise.
     *
     * @throws IllegalArgumentException if {@code vni} is not 0..{@link Vni#MAX} ({@code frame} is not released)
     */
    public ByteBuf encapsulate(ByteBuf frame, int vni) {
        Vni.check(vni);
        ByteBuf out = InnerFrame.prependSpace(InnerFrame.prepare(frame, stripInnerVlan), VxlanHeader.LENGTH);
        int ri = out.readerIndex();
        // RFC 7348 §5: I flag set, reserved fields zero on transmission.
        out.setLong(ri, ((long) VxlanHeader.FIRST_WORD << 32) | ((long) vni << 8));
        return out;
    }

    @Override
    public String toString() {
        return "VxlanCodec(strictReserved=" + strictReserved + ", acceptInnerVlan=" + acceptInnerVlan
                + ", stripInnerVlan=" + stripInnerVlan + ")";
    }

    /** Builder of {@link VxlanCodec}; not thread-safe, use from one thread then {@link #build()}. */
    public static final class Builder {
        private boolean strictReserved;
        private boolean acceptInnerVlan;
        private boolean stripInnerVlan = true;

        private Builder() {}

        /** Drop packets with reserved bits set (Linux behaviour) instead of ignoring them (RFC); default false. */
        public Builder strictReserved(boolean strict) {
            this.strictReserved = strict;
            return this;
        }

        /** Deliver inner frames carrying an 802.1Q/802.1ad tag instead of dropping them; default false. */
        public Builder acceptInnerVlan(boolean accept) {
            this.acceptInnerVlan = accept;
            return this;
        }

        /** Remove an inner VLAN tag before encapsulating; default true (RFC 7348 §6.1). */
        public Builder stripInnerVlan(boolean strip) {
            this.stripInnerVlan = strip;
            return this;
        }

        /** An immutable codec with these settings. */
        public VxlanCodec build() {
            return new VxlanCodec(this);
        }
    }
}
