package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;

/**
 * Static accessors over an Ethernet frame carrying IPv4 and UDP, as the UDP underlay's AF_XDP path reads and writes
 * them in UMEM chunks: no object per frame, network byte order, unsigned widening spelled out.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-------------------------------+-------------------------------+
 * |  destination MAC (6) | source MAC (6) | EtherType 0x0800 (2)  |  0..13
 * +-------+-------+---------------+-------------------------------+
 * |Ver=4  |IHL=5  |      TOS      |         Total Length          |  14
 * |        Identification         |Flags|    Fragment Offset      |  18
 * |      TTL      | Protocol = 17 |        Header Checksum        |  22
 * |                       Source Address                          |  26
 * |                    Destination Address                        |  30
 * +-------------------------------+-------------------------------+
 * |          Source Port          |       Destination Port        |  34
 * |            Length             |           Checksum            |  38
 * +-------------------------------+-------------------------------+
 * |                 payload (tunnel header, inner frame)          |  42
 * </pre>
 *
 * Stateless, thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc791#section-3.1">RFC 791 §3.1</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc768">RFC 768</a>
 */
final class UdpFrame {
    static final int ETHERTYPE_OFFSET = 12;
    static final int IP_OFFSET = 14;
    static final int TOS_OFFSET = IP_OFFSET + 1;
    static final int TOTAL_LENGTH_OFFSET = IP_OFFSET + 2;
    static final int ID_OFFSET = IP_OFFSET + 4;
    static final int FRAGMENT_OFFSET = IP_OFFSET + 6;
    static final int TTL_OFFSET = IP_OFFSET + 8;
    static final int PROTOCOL_OFFSET = IP_OFFSET + 9;
    static final int IP_CHECKSUM_OFFSET = IP_OFFSET + 10;
    static final int SOURCE_OFFSET = IP_OFFSET + 12;
    static final int DESTINATION_OFFSET = IP_OFFSET + 16;
    static final int IP_LENGTH = 20;
    static final int UDP_OFFSET = IP_OFFSET + IP_LENGTH;
    static final int SOURCE_PORT_OFFSET = UDP_OFFSET;
    static final int DESTINATION_PORT_OFFSET = UDP_OFFSET + 2;
    static final int UDP_LENGTH_OFFSET = UDP_OFFSET + 4;
    static final int UDP_CHECKSUM_OFFSET = UDP_OFFSET + 6;
    static final int UDP_HEADER_LENGTH = 8;
    /** Where the UDP payload starts: 14 + 20 + 8. */
    static final int PAYLOAD_OFFSET = UDP_OFFSET + UDP_HEADER_LENGTH;

    static final int ETHERTYPE_IPV4 = 0x0800;
    static final int PROTOCOL_UDP = 17;
    static final int DF_FLAG = 0x4000;
    /** MF flag and fragment offset. */
    static final int FRAGMENT_MASK = 0x3FFF;

    private UdpFrame() {}

    /**
     * Checks the frame of {@code length} bytes at {@code at} in {@code buf} as a datagram to {@code localAddress},
     * port {@code port}, sent to {@code localMac} (a non-zero UDP checksum is verified, RFC 7348 §5 "MAY"; see
     * {@link #udpChecksumOk} for offloaded ones): null if it is one (read the payload with {@link #payloadLength}),
     * else why it is dropped. Reads nothing beyond {@code length}.
     */
    static DropReason check(ByteBuf buf, int at, int length, long localMac, int localAddress, int port) {
        if (length < PAYLOAD_OFFSET || buf.getUnsignedShort(at + ETHERTYPE_OFFSET) != ETHERTYPE_IPV4) {
            return DropReason.OUTER_ETHERNET_MALFORMED;
        }
        if (mac(buf, at) != localMac) {
            return DropReason.WRONG_DESTINATION; // another host's frame (promiscuous) or a broadcast
        }
        int totalLength = buf.getUnsignedShort(at + TOTAL_LENGTH_OFFSET);
        if (buf.getUnsignedByte(at + IP_OFFSET) != 0x45 // RFC 791: version 4; the program lets IHL 5 only through
                || totalLength < IP_LENGTH + UDP_HEADER_LENGTH
                || totalLength > length - IP_OFFSET // shorter than it says (longer: Ethernet padding)
                || buf.getUnsignedByte(at + PROTOCOL_OFFSET) != PROTOCOL_UDP) {
            return DropReason.OUTER_IPV4_MALFORMED;
        }
        if ((buf.getUnsignedShort(at + FRAGMENT_OFFSET) & FRAGMENT_MASK) != 0) {
            return DropReason.OUTER_IPV4_FRAGMENT; // RFC 7348 §4.3: a VTEP does not reassemble
        }
        if (fold(sum(buf, at + IP_OFFSET, IP_LENGTH)) != 0xFFFF) {
            return DropReason.OUTER_IPV4_CHECKSUM_BAD;
        }
        if (buf.getInt(at + DESTINATION_OFFSET) != localAddress
                || buf.getUnsignedShort(at + DESTINATION_PORT_OFFSET) != port) {
            return DropReason.WRONG_DESTINATION;
        }
        int source = buf.getInt(at + SOURCE_OFFSET);
        if (!plausibleSource(source) || source == localAddress) {
            return DropReason.OUTER_SOURCE_INVALID;
        }
        int udpLength = buf.getUnsignedShort(at + UDP_LENGTH_OFFSET);
        if (udpLength < UDP_HEADER_LENGTH || udpLength > totalLength - IP_LENGTH) {
            return DropReason.OUTER_UDP_MALFORMED;
        }
        if (buf.getUnsignedShort(at + UDP_CHECKSUM_OFFSET) != 0 && !udpChecksumOk(buf, at, udpLength)) {
            return DropReason.OUTER_UDP_CHECKSUM_BAD; // RFC 768: zero means none (RFC 7348 §5 allows it)
        }
        return null;
    }

    /** Bytes of UDP payload of a frame {@link #check} accepted. */
    static int payloadLength(ByteBuf buf, int at) {
        return buf.getUnsignedShort(at + UDP_LENGTH_OFFSET) - UDP_HEADER_LENGTH;
    }

    /** The outer TOS byte. */
    static int tos(ByteBuf buf, int at) {
        return buf.getUnsignedByte(at + TOS_OFFSET);
    }

    /** The outer source address, network order in the int. */
    static int source(ByteBuf buf, int at) {
        return buf.getInt(at + SOURCE_OFFSET);
    }

    /**
     * A source no host sends from: "this network" 0/8, loopback 127/8, multicast 224/4, reserved 240/4 and the
     * limited broadcast (RFC 1122 §3.2.1.3; Linux drops these as martians).
     */
    static boolean plausibleSource(int address) {
        int first = address >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    /** The 48-bit MAC at {@code at}. */
    static long mac(ByteBuf buf, int at) {
        return (long) buf.getUnsignedShort(at) << 32 | buf.getUnsignedInt(at + 2);
    }

    /**
     * Writes the Ethernet, IPv4 and UDP headers for a payload of {@code payloadLength} bytes at
     * {@code at + PAYLOAD_OFFSET}: IPv4 header checksum computed, UDP checksum 0 (RFC 7348 §5 allows it over IPv4).
     *
     * @param outer {@code tos << 8 | ttl}
     */
    static void writeHeaders(
            ByteBuf buf,
            int at,
            long destinationMac,
            long sourceMac,
            int source,
            int destination,
            int sourcePort,
            int destinationPort,
            int payloadLength,
            int outer,
            boolean dontFragment,
            int id) {
        buf.setShort(at, (int) (destinationMac >>> 32));
        buf.setInt(at + 2, (int) destinationMac);
        buf.setShort(at + 6, (int) (sourceMac >>> 32));
        buf.setInt(at + 8, (int) sourceMac);
        buf.setShort(at + ETHERTYPE_OFFSET, ETHERTYPE_IPV4);
        int ip = at + IP_OFFSET;
        buf.setShort(ip, 0x4500 | (outer >>> 8 & 0xFF));
        buf.setShort(ip + 2, IP_LENGTH + UDP_HEADER_LENGTH + payloadLength);
        buf.setShort(ip + 4, id);
        buf.setShort(ip + 6, dontFragment ? DF_FLAG : 0);
        buf.setShort(ip + 8, (outer & 0xFF) << 8 | PROTOCOL_UDP);
        buf.setShort(ip + 10, 0);
        buf.setInt(ip + 12, source);
        buf.setInt(ip + 16, destination);
        buf.setShort(ip + 10, ~fold(sum(buf, ip, IP_LENGTH)));
        int udp = at + UDP_OFFSET;
        buf.setShort(udp, sourcePort);
        buf.setShort(udp + 2, destinationPort);
        buf.setShort(udp + 4, UDP_HEADER_LENGTH + payloadLength);
        buf.setShort(udp + 6, 0);
    }

    /**
     * Whether the UDP checksum (over the pseudo header, the UDP header and payload) of a frame adds up, or holds what
     * a sender's checksum offload leaves there before the device completes it: the folded sum of the pseudo header
     * alone. A frame from a veth (or other virtual link) whose peer offloads checksums arrives that way, marked for
     * the kernel as needing no check; AF_XDP copy mode does not pass that mark on, so this pattern is accepted as the
     * kernel's UDP receive accepts it (a corrupted frame matches it by chance once in 65536).
     */
    private static boolean udpChecksumOk(ByteBuf buf, int at, int udpLength) {
        long pseudo = sum(buf, at + SOURCE_OFFSET, 8) + PROTOCOL_UDP + udpLength;
        if (fold(pseudo + sum(buf, at + UDP_OFFSET, udpLength)) == 0xFFFF) {
            return true;
        }
        return buf.getUnsignedShort(at + UDP_CHECKSUM_OFFSET) == fold(pseudo);
    }

    /** The one's-complement sum of {@code length} bytes from {@code from} (an odd last byte padded with zero). */
    static long sum(ByteBuf buf, int from, int length) {
        long sum = 0;
        int i = 0;
        for (; i + 4 <= length; i += 4) {
            sum += buf.getUnsignedInt(from + i);
        }
        if (i + 2 <= length) {
            sum += buf.getUnsignedShort(from + i);
            i += 2;
        }
        if (i < length) {
            sum += buf.getUnsignedByte(from + i) << 8;
        }
        return sum;
    }

    /** Folds a sum of 16-bit words (and 32-bit words: their halves add the same) to 16 bits, carries added back. */
    static int fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int) sum;
    }
}
