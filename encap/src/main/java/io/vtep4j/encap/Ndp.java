package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors for IPv6 Neighbor Solicitation and Advertisement messages (RFC 4861 §4.3, §4.4) in an Ethernet
 * frame: an IPv6 header whose next header is ICMPv6 (58, no extension headers), then
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  type (135/136) |   code (0)  |          checksum             |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |R|S|O|                     reserved (NA) / reserved (NS)       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                    target address (16 bytes)                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  options: type, length in 8-byte units, value ...             |
 * </pre>
 *
 * Offsets are absolute buffer indices; nothing here moves indices or allocates. Stateless, thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc4861#section-4.3">RFC 4861 §4.3, §4.4, §4.6.1</a>
 */
public final class Ndp {

    /** IPv6 next header ICMPv6. */
    public static final int ICMPV6 = 58;

    public static final int NEIGHBOR_SOLICITATION = 135;
    public static final int NEIGHBOR_ADVERTISEMENT = 136;

    /** ICMPv6 header (4) + reserved or flags (4) + target (16): the fixed part of an NS or NA. */
    public static final int MESSAGE_LENGTH = 24;

    public static final int TARGET_OFFSET = 8;
    public static final int OPTIONS_OFFSET = 24;

    /** Option types of RFC 4861 §4.6.1. */
    public static final int SOURCE_LINK_LAYER_ADDRESS = 1;

    public static final int TARGET_LINK_LAYER_ADDRESS = 2;

    /** A link-layer address option for Ethernet: type, length 1 (8 bytes), 6-byte MAC. */
    public static final int LINK_LAYER_OPTION_LENGTH = 8;

    /** RFC 4861 §7.1.1: a node discards an NS or NA whose hop limit is not 255 (it crossed a router). */
    public static final int HOP_LIMIT = 255;

    /** NA flags: router, solicited, override. */
    public static final int ROUTER_FLAG = 0x8000_0000;

    public static final int SOLICITED_FLAG = 0x4000_0000;
    public static final int OVERRIDE_FLAG = 0x2000_0000;

    private Ndp() {}

    /**
     * The type (135 NS, 136 NA) of the valid neighbor discovery message in the IPv6 packet at {@code ip}, or -1:
     * not IPv6, not ICMPv6 directly after the fixed header, truncated before {@code writerIndex}, a hop limit other
     * than 255, a code other than 0, shorter than 24 bytes, or a wrong checksum (RFC 4861 §7.1.1, §7.1.2).
     */
    public static int type(ByteBuf buf, int ip) {
        if (ip + Ipv6Header.LENGTH + MESSAGE_LENGTH > buf.writerIndex()
                || Ipv6Header.version(buf, ip) != 6
                || buf.getUnsignedByte(ip + Ipv6Header.NEXT_HEADER_OFFSET) != ICMPV6) {
            return -1;
        }
        int icmp = ip + Ipv6Header.LENGTH;
        int type = buf.getUnsignedByte(icmp);
        if (type != NEIGHBOR_SOLICITATION && type != NEIGHBOR_ADVERTISEMENT) {
            return -1;
        }
        int length = Ipv6Header.payloadLength(buf, ip);
        if (length < MESSAGE_LENGTH
                || icmp + length > buf.writerIndex()
                || buf.getUnsignedByte(ip + Ipv6Header.HOP_LIMIT_OFFSET) != HOP_LIMIT
                || buf.getUnsignedByte(icmp + 1) != 0
                || checksum(buf, ip, length) != 0) {
            return -1;
        }
        return type;
    }

    /**
     * The ICMPv6 checksum over the IPv6 pseudo-header (RFC 8200 §8.1: source, destination, upper-layer length,
     * next header 58) and the {@code length} bytes of the message after the IPv6 header at {@code ip}: 0 for a
     * message whose checksum field is right, or the value to store in a zeroed field.
     */
    public static int checksum(ByteBuf buf, int ip, int length) {
        long sum = InternetChecksum.add(0, buf, ip + Ipv6Header.SOURCE_OFFSET, 2 * Ipv6Header.ADDRESS_LENGTH);
        sum += length + ICMPV6;
        return InternetChecksum.finish(InternetChecksum.add(sum, buf, ip + Ipv6Header.LENGTH, length));
    }

    /**
     * The MAC of the first link-layer address option of {@code optionType} in the valid message (see {@link #type})
     * of the IPv6 packet at {@code ip}; -1 if there is none or an option has length 0 (RFC 4861 §4.6: invalid).
     */
    public static long linkLayerOption(ByteBuf buf, int ip, int optionType) {
        int icmp = ip + Ipv6Header.LENGTH;
        int end = icmp + Ipv6Header.payloadLength(buf, ip);
        int index = icmp + OPTIONS_OFFSET;
        // Each option is at least 8 bytes long: at most (65535 / 8) rounds.
        while (index + 2 <= end) {
            int units = buf.getUnsignedByte(index + 1);
            if (units == 0 || index + units * 8 > end) {
                return -1;
            }
            if (buf.getUnsignedByte(index) == optionType && units == 1) {
                return Ethernet.mac(buf, index + 2);
            }
            index += units * 8;
        }
        return -1;
    }

    /** True if the IPv6 address {@code hi}:{@code lo} is one a host may own: not ::, not multicast (ff00::/8). */
    public static boolean isHostAddress(long hi, long lo) {
        return (hi >>> 56) != 0xFF && (hi | lo) != 0;
    }
}
