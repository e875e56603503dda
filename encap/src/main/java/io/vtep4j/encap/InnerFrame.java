package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/** Checks on a decapsulated inner frame shared by the codecs. Package-private, stateless. */
final class InnerFrame {
    private InnerFrame() {}

    /**
     * Validates the inner frame at {@code offset} (absolute) of {@code length} bytes: 0 if acceptable, else the
     * negative code of the reason.
     */
    static int check(ByteBuf buf, int offset, int length, boolean acceptVlan) {
        if (length < Ethernet.HEADER_LENGTH) {
            return DropReason.INNER_FRAME_TOO_SHORT.code();
        }
        if (Ethernet.isVlanTpid(buf.getUnsignedShort(offset + Ethernet.ETHER_TYPE_OFFSET))) {
            if (!acceptVlan) {
                return DropReason.INNER_VLAN_TAGGED.code();
            }
            if (length < Ethernet.HEADER_LENGTH + Ethernet.VLAN_TAG_LENGTH) {
                return DropReason.INNER_FRAME_TOO_SHORT.code();
            }
        }
        return 0;
    }

    /** The strict-decode message for an inner-frame {@code reason}. */
    static String describe(DropReason reason, ByteBuf buf, int offset, int length) {
        if (reason == DropReason.INNER_VLAN_TAGGED) {
            return String.format(
                    "inner frame carries a VLAN tag: TPID 0x%04x (expected: untagged)",
                    buf.getUnsignedShort(offset + Ethernet.ETHER_TYPE_OFFSET));
        }
        return "inner frame too short: " + length + " bytes (expected: " + Ethernet.HEADER_LENGTH + "+, "
                + (Ethernet.HEADER_LENGTH + Ethernet.VLAN_TAG_LENGTH) + "+ if tagged)";
    }

    /**
     * Prepares {@code frame} for encapsulation: strips one inner VLAN tag if asked, and makes sure the result can
     * be written in place. Takes ownership; returns the buffer to continue with (maybe a copy, then the original
     * is released).
     */
    static ByteBuf prepare(ByteBuf frame, boolean stripVlan) {
        if (stripVlan
                && frame.readableBytes() >= Ethernet.HEADER_LENGTH + Ethernet.VLAN_TAG_LENGTH
                && Ethernet.isTagged(frame, frame.readerIndex())) {
            if (frame.isReadOnly()) {
                ByteBuf copy = frame.alloc().buffer(frame.readableBytes());
                copy.writeBytes(frame, frame.readerIndex(), frame.readableBytes());
                frame.release();
                frame = copy;
            }
            Ethernet.popVlanTag(frame);
        }
        return frame;
    }

    /**
     * Returns a buffer holding {@code headerLength} bytes of header space followed by {@code frame}: the same
     * buffer with {@code readerIndex} moved back when it has the headroom and is writable, otherwise a composite of
     * a fresh header buffer and {@code frame}. Takes ownership of {@code frame}. The header bytes are not written.
     */
    static ByteBuf prependSpace(ByteBuf frame, int headerLength) {
        int ri = frame.readerIndex();
        if (ri >= headerLength && !frame.isReadOnly()) {
            frame.readerIndex(ri - headerLength);
            return frame;
        }
        ByteBuf header = frame.alloc().buffer(headerLength, headerLength);
        header.writerIndex(headerLength);
        return frame.alloc().compositeBuffer(2).addComponents(true, header, frame);
    }
}
