package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.internal.Checks;

/**
 * UDP header (RFC 768): static accessors, validation, writing, and checksums over the IPv4 / IPv6 pseudo-header.
 * Accessors take absolute indices and never move them. Stateless, thread-safe.
 *
 * <p>Checksum policy for tunnels: over IPv4 a VXLAN or GRE-in-UDP sender may send 0 and a receiver MUST accept 0
 * (RFC 7348 §5, RFC 8086 §6.1); over IPv6 the checksum is computed (RFC 8200 §8.1; zero only under RFC 6935/6936
 * constraints, RFC 8086 §6.2).
 */
public final class UdpHeader {
    /** Header length. */
    public static final int LENGTH = 8;
    /** Offset of the source port. */
    public static final int SOURCE_PORT_OFFSET = 0;
    /** Offset of the destination port. */
    public static final int DESTINATION_PORT_OFFSET = 2;
    /** Offset of the length. */
    public static final int LENGTH_OFFSET = 4;
    /** Offset of the checksum. */
    public static final int CHECKSUM_OFFSET = 6;

    private UdpHeader() {}

    /** The source port. */
    public static int sourcePort(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + SOURCE_PORT_OFFSET);
    }

    /** The destination port. */
    public static int destinationPort(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + DESTINATION_PORT_OFFSET);
    }

    /** The length field (header + payload). */
    public static int length(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + LENGTH_OFFSET);
    }

    /** The checksum field. */
    public static int checksum(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + CHECKSUM_OFFSET);
    }

    /**
     * Validates the UDP header at {@code offset} with {@code available} bytes up to the end of the IP payload:
     * returns the UDP length (header + payload), or {@link DropReason#OUTER_UDP_MALFORMED}'s code if truncated or
     * the length field is below 8 or beyond the IP payload. Never throws.
     */
    public static int validate(ByteBuf buf, int offset, int available) {
        if (available < LENGTH) {
            return DropReason.OUTER_UDP_MALFORMED.code();
        }
        int length = length(buf, offset);
        if (length < LENGTH || length > available) {
            return DropReason.OUTER_UDP_MALFORMED.code();
        }
        return length;
    }

    /** Writes a header with checksum 0 at {@code offset} (absolute); does not move indices. */
    public static void set(ByteBuf buf, int offset, int sourcePort, int destinationPort, int payloadLength) {
        checkPort("sourcePort", sourcePort);
        checkPort("destinationPort", destinationPort);
        int length = LENGTH + Checks.inRange("payloadLength", payloadLength, 0, 0xFFFF - LENGTH);
        buf.setShort(offset + SOURCE_PORT_OFFSET, sourcePort);
        buf.setShort(offset + DESTINATION_PORT_OFFSET, destinationPort);
        buf.setShort(offset + LENGTH_OFFSET, length);
        buf.setShort(offset + CHECKSUM_OFFSET, 0);
    }

    /** Appends a header with checksum 0 at {@code writerIndex}; see {@link #set}. */
    public static void write(ByteBuf out, int sourcePort, int destinationPort, int payloadLength) {
        int offset = out.writerIndex();
        out.ensureWritable(LENGTH);
        set(out, offset, sourcePort, destinationPort, payloadLength);
        out.writerIndex(offset + LENGTH);
    }

    /**
     * Computes and stores the checksum of the UDP datagram at {@code offset} ({@code length} bytes, checksum field
     * ignored) over the IPv4 pseudo-header; a computed 0 is sent as 0xFFFF (RFC 768).
     */
    public static void setChecksumIpv4(ByteBuf buf, int offset, int length, int source, int destination) {
        long sum = (source >>> 16)
                + (source & 0xFFFF)
                + (destination >>> 16)
                + (destination & 0xFFFF)
                + Ipv4Header.PROTOCOL_UDP
                + length;
        setChecksum(buf, offset, length, sum);
    }

    /** Computes and stores the checksum over the pseudo-header of the IPv6 {@code ip} template (RFC 8200 §8.1). */
    public static void setChecksumIpv6(ByteBuf buf, int offset, int length, Ipv6Header ip) {
        setChecksum(buf, offset, length, ip.pseudoHeaderSum(length));
    }

    private static void setChecksum(ByteBuf buf, int offset, int length, long pseudoSum) {
        buf.setShort(offset + CHECKSUM_OFFSET, 0);
        int checksum = InternetChecksum.finish(InternetChecksum.add(pseudoSum, buf, offset, length));
        buf.setShort(offset + CHECKSUM_OFFSET, checksum == 0 ? 0xFFFF : checksum);
    }

    private static void checkPort(String name, int port) {
        Checks.inRange(name, port, 0, 0xFFFF);
    }
}
