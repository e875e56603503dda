package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.InternetChecksum;
import io.vtep4j.encap.Ipv4Header;

/**
 * Builds the ICMP answer to a frame too big for the tunnel: ICMP "destination unreachable, fragmentation needed and
 * DF set" (type 3 code 4, RFC 792 and RFC 1191 §4) for IPv4, ICMPv6 "packet too big" (type 2 code 0, RFC 4443 §3.2)
 * for IPv6. The answer is an Ethernet frame addressed back to the sender, from the frame's destination MAC and IP
 * address, as a bridged Linux vxlan device answers (it pretends to be the router at the end of the too-small link).
 *
 * <pre>
 * IPv4 answer                                  IPv6 answer
 * Ethernet  dst = frame src, src = frame dst   Ethernet  (same, tags copied)
 * IPv4      20 bytes, TOS 0xC0, TTL 64,        IPv6      40 bytes, hop limit 64, next header 58
 *           proto 1, src = inner dst,                    src = inner dst, dst = inner src
 *           dst = inner src
 * ICMP      type 3, code 4, checksum,          ICMPv6    type 2, code 0, checksum (pseudo-header),
 *           unused (16), next-hop MTU (16)               MTU (32)
 * quote     the inner packet, cut so that      quote     the inner packet, cut so that the answer
 *           the answer is at most 576 bytes              is at most 1280 bytes (RFC 4443 §2.4 c)
 *           (RFC 1812 §4.3.2.3)
 * </pre>
 *
 * <p>No answer (null) where the RFCs forbid one: IPv4 without DF or a non-first fragment; a sender address that is
 * not unicast (0.0.0.0, broadcast, multicast, loopback; ::, multicast); a destination that is not unicast (we would
 * answer from it); an ICMP error about an ICMP error (RFC 1122 §3.2.2, RFC 4443 §2.4 e); a truncated or malformed
 * header. Stateless and thread-safe; allocates only the answer, which the caller owns; never moves the frame's
 * indices.
 */
final class PacketTooBig {

    /** RFC 1812 §4.3.2.3: an ICMPv4 error SHOULD quote as much as fits in 576 bytes. */
    static final int IPV4_MAX_ANSWER = 576;
    /** RFC 4443 §2.4 (c): as much as fits without exceeding the IPv6 minimum MTU. */
    static final int IPV6_MAX_ANSWER = 1280;
    /** RFC 791: the smallest MTU every IPv4 link has; never announce less. */
    static final int IPV4_MIN_MTU = 68;

    static final int ICMP_HEADER_LENGTH = 8;
    static final int IPV6_HEADER_LENGTH = 40;
    static final int ICMP_DEST_UNREACHABLE = 3;
    static final int ICMP_FRAGMENTATION_NEEDED = 4;
    static final int ICMPV6_PACKET_TOO_BIG = 2;
    static final int PROTOCOL_ICMP = 1;
    static final int NEXT_HEADER_ICMPV6 = 58;
    /** RFC 1812 §5.3.2 / Linux: ICMP errors leave with precedence "internetwork control". */
    static final int IPV4_TOS_INTERNETWORK_CONTROL = 0xC0;

    static final int TTL = 64;

    private PacketTooBig() {}

    /**
     * The answer to the frame of {@code length} bytes at {@code offset} in {@code frame}, when the largest frame that
     * fits the tunnel is {@code maxFrame} bytes: the announced MTU is that minus the frame's Ethernet header (and
     * tags), the largest IP packet that fits. Null if no answer is due (see the class comment). Allocates the answer
     * from {@code allocator}; the caller owns it.
     */
    static ByteBuf answer(ByteBufAllocator allocator, ByteBuf frame, int offset, int length, int maxFrame) {
        int end = offset + length;
        if (length < Ethernet.HEADER_LENGTH || end > frame.writerIndex()) {
            return null;
        }
        long srcMac = Ethernet.sourceMac(frame, offset);
        long dstMac = Ethernet.destinationMac(frame, offset);
        if (Ethernet.isGroup(srcMac) || Ethernet.isGroup(dstMac)) {
            return null;
        }
        int l3 = Ethernet.payloadOffset(frame, offset);
        if (l3 < 0 || l3 > end) {
            return null;
        }
        int type = frame.getUnsignedShort(l3 - 2);
        int mtu = maxFrame - (l3 - offset);
        if (type == Ethernet.TYPE_IPV4) {
            return ipv4(allocator, frame, offset, l3, end, mtu);
        }
        if (type == Ethernet.TYPE_IPV6) {
            return ipv6(allocator, frame, offset, l3, end, mtu);
        }
        return null;
    }

    private static ByteBuf ipv4(ByteBufAllocator allocator, ByteBuf frame, int offset, int ip, int end, int mtu) {
        if (end - ip < Ipv4Header.MIN_LENGTH || Ipv4Header.version(frame, ip) != 4) {
            return null;
        }
        int ihl = Ipv4Header.headerLength(frame, ip);
        int total = Ipv4Header.totalLength(frame, ip);
        if (ihl < Ipv4Header.MIN_LENGTH || total < ihl || ip + ihl > end) {
            return null;
        }
        int fragment = frame.getUnsignedShort(ip + Ipv4Header.FRAGMENT_OFFSET);
        // RFC 1191 §4: only a packet with DF asks for this; RFC 1122 §3.2.2: never about a non-first fragment.
        if ((fragment & Ipv4Header.DF_FLAG) == 0 || (fragment & Ipv4Header.FRAGMENT_OFFSET_MASK) != 0) {
            return null;
        }
        int src = Ipv4Header.source(frame, ip);
        int dst = Ipv4Header.destination(frame, ip);
        if (!unicast4(src) || !unicast4(dst)) {
            return null;
        }
        if (Ipv4Header.protocol(frame, ip) == PROTOCOL_ICMP && isIcmpError(frame, ip + ihl, end)) {
            return null;
        }
        int quote = Math.min(Math.min(total, end - ip), IPV4_MAX_ANSWER - Ipv4Header.MIN_LENGTH - ICMP_HEADER_LENGTH);
        int l2 = ip - offset;
        int icmpLength = ICMP_HEADER_LENGTH + quote;
        ByteBuf out = allocator.buffer(l2 + Ipv4Header.MIN_LENGTH + icmpLength);
        writeEthernet(out, frame, offset, l2);
        int h = out.writerIndex();
        out.writeByte(0x45); // version 4, IHL 5
        out.writeByte(IPV4_TOS_INTERNETWORK_CONTROL);
        out.writeShort(Ipv4Header.MIN_LENGTH + icmpLength);
        out.writeShort(0); // identification
        out.writeShort(0); // no flags, offset 0
        out.writeByte(TTL);
        out.writeByte(PROTOCOL_ICMP);
        out.writeShort(0); // checksum, below
        out.writeInt(dst); // from the address the packet was for
        out.writeInt(src);
        out.setShort(h + Ipv4Header.CHECKSUM_OFFSET, InternetChecksum.of(out, h, Ipv4Header.MIN_LENGTH));
        int icmp = out.writerIndex();
        out.writeByte(ICMP_DEST_UNREACHABLE);
        out.writeByte(ICMP_FRAGMENTATION_NEEDED);
        out.writeShort(0); // checksum, below
        out.writeShort(0); // unused (RFC 1191 §4)
        out.writeShort(Math.max(IPV4_MIN_MTU, Math.min(mtu, 0xFFFF))); // next-hop MTU
        out.writeBytes(frame, ip, quote);
        out.setShort(icmp + 2, InternetChecksum.of(out, icmp, icmpLength));
        return out;
    }

    private static ByteBuf ipv6(ByteBufAllocator allocator, ByteBuf frame, int offset, int ip, int end, int mtu) {
        if (end - ip < IPV6_HEADER_LENGTH || frame.getUnsignedByte(ip) >>> 4 != 6) {
            return null;
        }
        int src = ip + 8;
        int dst = ip + 24;
        if (!unicast6(frame, src) || !unicast6(frame, dst)) {
            return null;
        }
        // RFC 4443 §2.4 (e): never about an ICMPv6 error (types 0..127). Only a directly following ICMPv6 header is
        // looked at; one behind extension headers is answered (its sender still limits what it sends back).
        if (frame.getUnsignedByte(ip + 6) == NEXT_HEADER_ICMPV6
                && (ip + IPV6_HEADER_LENGTH >= end || frame.getUnsignedByte(ip + IPV6_HEADER_LENGTH) < 128)) {
            return null;
        }
        int packet = IPV6_HEADER_LENGTH + frame.getUnsignedShort(ip + 4);
        int quote = Math.min(Math.min(packet, end - ip), IPV6_MAX_ANSWER - IPV6_HEADER_LENGTH - ICMP_HEADER_LENGTH);
        int l2 = ip - offset;
        int icmpLength = ICMP_HEADER_LENGTH + quote;
        ByteBuf out = allocator.buffer(l2 + IPV6_HEADER_LENGTH + icmpLength);
        writeEthernet(out, frame, offset, l2);
        int h = out.writerIndex();
        out.writeInt(6 << 28); // version 6, traffic class 0, flow label 0
        out.writeShort(icmpLength);
        out.writeByte(NEXT_HEADER_ICMPV6);
        out.writeByte(TTL);
        out.writeBytes(frame, dst, 16); // from the address the packet was for
        out.writeBytes(frame, src, 16);
        int icmp = out.writerIndex();
        out.writeByte(ICMPV6_PACKET_TOO_BIG);
        out.writeByte(0); // code
        out.writeShort(0); // checksum, below
        out.writeInt(mtu);
        out.writeBytes(frame, ip, quote);
        // RFC 4443 §2.3: the checksum covers the RFC 8200 §8.1 pseudo-header (addresses, length, next header).
        long sum = InternetChecksum.add(0, out, h + 8, 32);
        sum += icmpLength + NEXT_HEADER_ICMPV6;
        sum = InternetChecksum.add(sum, out, icmp, icmpLength);
        out.setShort(icmp + 2, InternetChecksum.finish(sum));
        return out;
    }

    /** Destination MAC = the frame's source, source MAC = the frame's destination, tags and EtherType as they were. */
    private static void writeEthernet(ByteBuf out, ByteBuf frame, int offset, int l2) {
        out.writeBytes(frame, offset + Ethernet.SOURCE_OFFSET, 6);
        out.writeBytes(frame, offset + Ethernet.DESTINATION_OFFSET, 6);
        out.writeBytes(frame, offset + Ethernet.ETHER_TYPE_OFFSET, l2 - Ethernet.ETHER_TYPE_OFFSET);
    }

    /** An ICMP error message type (RFC 1122 §3.2.2: 3, 4, 5, 11, 12); a truncated ICMP header counts as one. */
    private static boolean isIcmpError(ByteBuf frame, int icmp, int end) {
        if (icmp >= end) {
            return true;
        }
        int type = frame.getUnsignedByte(icmp);
        return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
    }

    /**
     * Whether the frame at {@code offset} may be due an answer at all (IPv4 with DF, or IPv6): the cheap test made
     * before a rate-limit token is spent.
     */
    static boolean mayAnswer(ByteBuf frame, int offset, int length) {
        int end = offset + length;
        if (length < Ethernet.HEADER_LENGTH || end > frame.writerIndex()) {
            return false;
        }
        int l3 = Ethernet.payloadOffset(frame, offset);
        if (l3 < 0 || l3 + Ipv4Header.MIN_LENGTH > end) {
            return false;
        }
        int type = frame.getUnsignedShort(l3 - 2);
        return type == Ethernet.TYPE_IPV6
                || (type == Ethernet.TYPE_IPV4
                        && (frame.getUnsignedShort(l3 + Ipv4Header.FRAGMENT_OFFSET) & Ipv4Header.DF_FLAG) != 0);
    }

    /** Not 0.0.0.0/8, not loopback 127/8, not multicast or class E (224/3), not the limited broadcast. */
    static boolean unicast4(int address) {
        int first = address >>> 24;
        return first != 0 && first != 127 && first < 224;
    }

    /** Not :: and not multicast ff00::/8 (the 16 bytes at {@code index}). */
    private static boolean unicast6(ByteBuf buf, int index) {
        if (buf.getUnsignedByte(index) == 0xFF) {
            return false;
        }
        return buf.getLong(index) != 0 || buf.getLong(index + 8) != 0;
    }
}
