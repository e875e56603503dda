package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.internal.Checks;

/**
 * Static accessors for Ethernet II headers with optional 802.1Q / 802.1ad tags, and in-place helpers to push or
 * pop an 802.1Q tag. Stateless and thread-safe; accessors take absolute indices and never move them.
 *
 * <pre>
 * | dst MAC (6) | src MAC (6) | [TPID 0x8100|0x88a8 (2) | TCI (2)]... | EtherType (2) | payload
 * </pre>
 * A MAC is a {@code long} holding 48 bits, most significant byte first on the wire.
 */
public final class Ethernet {
    /** Destination, source, EtherType. */
    public static final int HEADER_LENGTH = 14;
    /** TPID + TCI. */
    public static final int VLAN_TAG_LENGTH = 4;
    /** Offset of the destination MAC. */
    public static final int DESTINATION_OFFSET = 0;
    /** Offset of the source MAC. */
    public static final int SOURCE_OFFSET = 6;
    /** Offset of the EtherType (or TPID of the first tag). */
    public static final int ETHER_TYPE_OFFSET = 12;
    /** Most tags {@link #etherType} walks past (802.1ad outer + 802.1Q inner). */
    public static final int MAX_TAGS = 2;

    /** IEEE 802.1Q customer tag. */
    public static final int TPID_8021Q = 0x8100;
    /** IEEE 802.1ad service tag (QinQ). */
    public static final int TPID_8021AD = 0x88A8;
    /** Pre-standard QinQ tag some switches still send. */
    public static final int TPID_QINQ_LEGACY = 0x9100;
    /** IPv4. */
    public static final int TYPE_IPV4 = 0x0800;
    /** ARP. */
    public static final int TYPE_ARP = 0x0806;
    /** IPv6. */
    public static final int TYPE_IPV6 = 0x86DD;

    /** Mask of a 48-bit MAC in a long. */
    public static final long MAC_MASK = 0xFFFF_FFFF_FFFFL;
    /** The I/G bit: set for multicast and broadcast destinations. */
    public static final long GROUP_BIT = 0x0100_0000_0000L;

    private static final int VID_MASK = 0x0FFF;

    private Ethernet() {}

    /** The destination MAC of the frame starting at {@code offset}. */
    public static long destinationMac(ByteBuf buf, int offset) {
        return mac(buf, offset + DESTINATION_OFFSET);
    }

    /** The source MAC of the frame starting at {@code offset}. */
    public static long sourceMac(ByteBuf buf, int offset) {
        return mac(buf, offset + SOURCE_OFFSET);
    }

    /** The 48-bit MAC stored at {@code index}. */
    public static long mac(ByteBuf buf, int index) {
        return ((long) buf.getUnsignedShort(index) << 32) | buf.getUnsignedInt(index + 2);
    }

    /**
     * Writes the 48-bit {@code mac} at {@code index}; does not move indices.
     *
     * @throws IllegalArgumentException if {@code mac} has bits above the 48 (nothing is written)
     */
    public static void setMac(ByteBuf buf, int index, long mac) {
        if (mac >>> 48 != 0) {
            throw new IllegalArgumentException(
                    "mac: 0x" + Long.toHexString(mac) + " (expected: 48 bits, 0..0xffffffffffff)");
        }
        buf.setShort(index, (int) (mac >>> 32));
        buf.setInt(index + 2, (int) mac);
    }

    /** True if {@code tpid} is an 802.1Q, 802.1ad or legacy QinQ tag protocol identifier. */
    public static boolean isVlanTpid(int tpid) {
        return tpid == TPID_8021Q || tpid == TPID_8021AD || tpid == TPID_QINQ_LEGACY;
    }

    /** True if the frame at {@code offset} carries at least one VLAN tag. */
    public static boolean isTagged(ByteBuf buf, int offset) {
        return isVlanTpid(buf.getUnsignedShort(offset + ETHER_TYPE_OFFSET));
    }

    /**
     * The EtherType after up to {@link #MAX_TAGS} VLAN tags, or -1 if the frame ends (at {@code writerIndex})
     * before it.
     */
    public static int etherType(ByteBuf buf, int offset) {
        int payload = payloadOffset(buf, offset);
        return payload < 0 ? -1 : buf.getUnsignedShort(payload - 2);
    }

    /** Offset of the payload after the EtherType, past up to {@link #MAX_TAGS} tags; -1 if truncated. */
    public static int payloadOffset(ByteBuf buf, int offset) {
        int index = offset + ETHER_TYPE_OFFSET;
        int end = buf.writerIndex();
        for (int tags = 0; ; tags++) {
            if (index + 2 > end) {
                return -1;
            }
            if (tags == MAX_TAGS || !isVlanTpid(buf.getUnsignedShort(index))) {
                return index + 2;
            }
            index += VLAN_TAG_LENGTH;
        }
    }

    /** The VLAN id (0..4095) of the outermost tag of the frame at {@code offset}, or -1 if untagged/truncated. */
    public static int vlanId(ByteBuf buf, int offset) {
        int index = offset + ETHER_TYPE_OFFSET;
        if (index + VLAN_TAG_LENGTH > buf.writerIndex() || !isVlanTpid(buf.getUnsignedShort(index))) {
            return -1;
        }
        return buf.getUnsignedShort(index + 2) & VID_MASK;
    }

    /** True if {@code mac} is a group (multicast or broadcast) address: the I/G bit is set. */
    public static boolean isGroup(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /**
     * Inserts an 802.1Q tag with {@code vlanId} (PCP 0, DEI 0) after the source MAC.
     *
     * <p>Takes ownership of {@code frame} and returns the tagged frame: the same buffer, written in place, when it
     * is writable and has {@value #VLAN_TAG_LENGTH} bytes of headroom ({@code readerIndex() >= 4}); otherwise a new
     * buffer from the same allocator, and {@code frame} is released. Not thread-safe for one buffer.
     *
     * @throws IllegalArgumentException if {@code vlanId} is not 0..4095 or the frame is shorter than 14 bytes
     *                                  ({@code frame} is not released then)
     */
    public static ByteBuf pushVlanTag(ByteBuf frame, int vlanId) {
        Checks.inRange("vlanId", vlanId, 0, VID_MASK);
        if (frame.readableBytes() < HEADER_LENGTH) {
            throw new IllegalArgumentException("frame: " + frame.readableBytes() + " bytes (expected: 14+)");
        }
        int ri = frame.readerIndex();
        if (ri >= VLAN_TAG_LENGTH && !frame.isReadOnly()) {
            // Move both MACs 4 bytes towards the head; read before write, the ranges overlap.
            long macs = frame.getLong(ri);
            int macsTail = frame.getInt(ri + 8);
            int start = ri - VLAN_TAG_LENGTH;
            frame.setLong(start, macs);
            frame.setInt(start + 8, macsTail);
            frame.setShort(start + ETHER_TYPE_OFFSET, TPID_8021Q);
            frame.setShort(start + ETHER_TYPE_OFFSET + 2, vlanId);
            frame.readerIndex(start);
            return frame;
        }
        ByteBuf tagged = frame.alloc().buffer(frame.readableBytes() + VLAN_TAG_LENGTH);
        try {
            tagged.writeBytes(frame, ri, ETHER_TYPE_OFFSET);
            tagged.writeShort(TPID_8021Q);
            tagged.writeShort(vlanId);
            tagged.writeBytes(frame, ri + ETHER_TYPE_OFFSET, frame.readableBytes() - ETHER_TYPE_OFFSET);
        } catch (RuntimeException e) {
            tagged.release();
            throw e;
        }
        frame.release();
        return tagged;
    }

    /**
     * Removes the outermost VLAN tag in place (both MACs move 4 bytes towards the tail, {@code readerIndex} moves
     * forward 4) and returns its VLAN id, or returns -1 and changes nothing if the frame is untagged or too short
     * to hold a tag. Does not take ownership. Not thread-safe for one buffer.
     *
     * @throws IllegalArgumentException if the frame is tagged but read-only
     */
    public static int popVlanTag(ByteBuf frame) {
        int ri = frame.readerIndex();
        if (frame.readableBytes() < HEADER_LENGTH + VLAN_TAG_LENGTH
                || !isVlanTpid(frame.getUnsignedShort(ri + ETHER_TYPE_OFFSET))) {
            return -1;
        }
        if (frame.isReadOnly()) {
            throw new IllegalArgumentException("frame: read-only (expected: a writable buffer to pop the tag in)");
        }
        int vlanId = frame.getUnsignedShort(ri + ETHER_TYPE_OFFSET + 2) & VID_MASK;
        long macs = frame.getLong(ri);
        int macsTail = frame.getInt(ri + 8);
        frame.setLong(ri + VLAN_TAG_LENGTH, macs);
        frame.setInt(ri + VLAN_TAG_LENGTH + 8, macsTail);
        frame.readerIndex(ri + VLAN_TAG_LENGTH);
        return vlanId;
    }
}
