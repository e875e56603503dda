package io.vtep4j.examples.demo;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.InternetChecksum;
import io.vtep4j.learning.MacAddress;

/**
 * Builders and readers for the few frames a simulated host speaks: Ethernet II carrying ARP (RFC 826) or IPv4
 * (RFC 791) with ICMP echo (RFC 792).
 *
 * <p>Off the fast path: tools and demo code. Builders return a new buffer the caller owns, with
 * {@link #HEADROOM} bytes reserved in front of the frame so the VTEP can write its tunnel header in place.
 * Readers take the frame at its reader index, never move indices and never release. Stateless, thread-safe.
 */
public final class Frames {
    /** Bytes kept free in front of every built frame: room for the VXLAN header (8) and an outer IPv4 + GRE. */
    public static final int HEADROOM = 64;
    /** Destination MAC (6) + source MAC (6) + EtherType (2). */
    public static final int ETHERNET_HEADER_LENGTH = Ethernet.HEADER_LENGTH;
    /** Shortest Ethernet frame without its FCS: shorter frames are padded with zeros. */
    public static final int MIN_FRAME_LENGTH = 60;
    /** EtherType of IPv4. */
    public static final int ETHERTYPE_IPV4 = Ethernet.TYPE_IPV4;
    /** EtherType of ARP. */
    public static final int ETHERTYPE_ARP = Ethernet.TYPE_ARP;
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST_MAC = MacAddress.BROADCAST;

    /** RFC 826 operation code of a request. */
    public static final int ARP_REQUEST = 1;
    /** RFC 826 operation code of a reply. */
    public static final int ARP_REPLY = 2;
    /** RFC 792 type of an echo reply. */
    public static final int ICMP_ECHO_REPLY = 0;
    /** RFC 792 type of an echo request. */
    public static final int ICMP_ECHO_REQUEST = 8;

    // RFC 826: htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4) = 28 bytes
    private static final int ARP_LENGTH = 28;
    private static final int ARP_OP_OFFSET = ETHERNET_HEADER_LENGTH + 6;
    private static final int ARP_SHA_OFFSET = ETHERNET_HEADER_LENGTH + 8;
    private static final int ARP_SPA_OFFSET = ETHERNET_HEADER_LENGTH + 14;
    private static final int ARP_TPA_OFFSET = ETHERNET_HEADER_LENGTH + 24;
    private static final int ARP_HTYPE_ETHERNET = 1;

    // RFC 791: a 20-byte header without options; RFC 792: type(1) code(1) checksum(2) id(2) seq(2)
    private static final int IPV4_HEADER_LENGTH = 20;
    private static final int IPV4_OFFSET = ETHERNET_HEADER_LENGTH;
    private static final int IPV4_PROTOCOL_OFFSET = IPV4_OFFSET + 9;
    private static final int IPV4_SOURCE_OFFSET = IPV4_OFFSET + 12;
    private static final int IPV4_DESTINATION_OFFSET = IPV4_OFFSET + 16;
    private static final int IPV4_PROTOCOL_ICMP = 1;
    private static final int IPV4_DEFAULT_TTL = 64;
    private static final int ICMP_OFFSET = IPV4_OFFSET + IPV4_HEADER_LENGTH;
    private static final int ICMP_ECHO_HEADER_LENGTH = 8;

    private Frames() {}

    /** An ARP request "who has {@code targetIp}, tell {@code senderIp}", sent to broadcast. Caller owns it. */
    public static ByteBuf arpRequest(ByteBufAllocator alloc, long senderMac, int senderIp, int targetIp) {
        return arp(alloc, BROADCAST_MAC, ARP_REQUEST, senderMac, senderIp, 0L, targetIp);
    }

    /** An ARP reply "{@code senderIp} is at {@code senderMac}", unicast to the asker. Caller owns it. */
    public static ByteBuf arpReply(ByteBufAllocator alloc, long senderMac, int senderIp, long targetMac, int targetIp) {
        return arp(alloc, targetMac, ARP_REPLY, senderMac, senderIp, targetMac, targetIp);
    }

    private static ByteBuf arp(
            ByteBufAllocator alloc,
            long destination,
            int op,
            long senderMac,
            int senderIp,
            long targetMac,
            int targetIp) {
        ByteBuf frame = start(alloc, destination, senderMac, ETHERTYPE_ARP);
        frame.writeShort(ARP_HTYPE_ETHERNET);
        frame.writeShort(ETHERTYPE_IPV4);
        frame.writeByte(6);
        frame.writeByte(4);
        frame.writeShort(op);
        writeMac(frame, senderMac).writeInt(senderIp);
        writeMac(frame, targetMac).writeInt(targetIp);
        return pad(frame);
    }

    /**
     * An ICMP echo request or reply inside IPv4 inside Ethernet, checksums filled in. Caller owns it.
     *
     * @param type {@link #ICMP_ECHO_REQUEST} or {@link #ICMP_ECHO_REPLY}
     */
    public static ByteBuf icmpEcho(
            ByteBufAllocator alloc,
            int type,
            long sourceMac,
            long destinationMac,
            int sourceIp,
            int destinationIp,
            int id,
            int sequence,
            ByteBuf data) {
        int icmpLength = ICMP_ECHO_HEADER_LENGTH + data.readableBytes();
        ByteBuf frame = start(alloc, destinationMac, sourceMac, ETHERTYPE_IPV4);
        int ip = frame.writerIndex();
        frame.writeByte(0x45); // version 4, IHL 5 words
        frame.writeByte(0); // DSCP/ECN
        frame.writeShort(IPV4_HEADER_LENGTH + icmpLength); // total length
        frame.writeShort(sequence); // identification
        frame.writeShort(0x4000); // DF, offset 0
        frame.writeByte(IPV4_DEFAULT_TTL);
        frame.writeByte(IPV4_PROTOCOL_ICMP);
        frame.writeShort(0); // checksum, filled in below
        frame.writeInt(sourceIp);
        frame.writeInt(destinationIp);
        frame.setShort(ip + 10, InternetChecksum.of(frame, ip, IPV4_HEADER_LENGTH));
        int icmp = frame.writerIndex();
        frame.writeByte(type);
        frame.writeByte(0);
        frame.writeShort(0);
        frame.writeShort(id);
        frame.writeShort(sequence);
        frame.writeBytes(data, data.readerIndex(), data.readableBytes());
        frame.setShort(icmp + 2, InternetChecksum.of(frame, icmp, icmpLength));
        return pad(frame);
    }

    private static ByteBuf start(ByteBufAllocator alloc, long destination, long source, int etherType) {
        ByteBuf frame = alloc.buffer(HEADROOM + 128);
        frame.writerIndex(HEADROOM).readerIndex(HEADROOM);
        writeMac(frame, destination);
        writeMac(frame, source);
        return frame.writeShort(etherType);
    }

    /** Appends the 48-bit {@code mac} at the writer index. */
    private static ByteBuf writeMac(ByteBuf frame, long mac) {
        frame.ensureWritable(MacAddress.LENGTH);
        Ethernet.setMac(frame, frame.writerIndex(), mac);
        return frame.writerIndex(frame.writerIndex() + MacAddress.LENGTH);
    }

    private static ByteBuf pad(ByteBuf frame) {
        int missing = MIN_FRAME_LENGTH - frame.readableBytes();
        if (missing > 0) {
            frame.writeZero(missing);
        }
        return frame;
    }

    // ---- readers: absolute offsets from the frame's reader index; no index moves ----

    /** Destination MAC of the frame. */
    public static long destinationMac(ByteBuf frame) {
        return Ethernet.destinationMac(frame, frame.readerIndex());
    }

    /** Source MAC of the frame. */
    public static long sourceMac(ByteBuf frame) {
        return Ethernet.sourceMac(frame, frame.readerIndex());
    }

    /** EtherType of an untagged frame, or -1 if the frame is too short to have one. */
    public static int etherType(ByteBuf frame) {
        return frame.readableBytes() < ETHERNET_HEADER_LENGTH
                ? -1
                : frame.getUnsignedShort(frame.readerIndex() + Ethernet.ETHER_TYPE_OFFSET);
    }

    /** True if the frame is a complete Ethernet/IPv4 ARP packet. */
    public static boolean isArp(ByteBuf frame) {
        return etherType(frame) == ETHERTYPE_ARP
                && frame.readableBytes() >= ETHERNET_HEADER_LENGTH + ARP_LENGTH
                && frame.getUnsignedShort(frame.readerIndex() + ETHERNET_HEADER_LENGTH) == ARP_HTYPE_ETHERNET
                && frame.getUnsignedShort(frame.readerIndex() + ETHERNET_HEADER_LENGTH + 2) == ETHERTYPE_IPV4;
    }

    /** ARP operation ({@link #ARP_REQUEST} or {@link #ARP_REPLY}); only valid if {@link #isArp}. */
    public static int arpOperation(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + ARP_OP_OFFSET);
    }

    /** ARP sender hardware address; only valid if {@link #isArp}. */
    public static long arpSenderMac(ByteBuf frame) {
        return Ethernet.mac(frame, frame.readerIndex() + ARP_SHA_OFFSET);
    }

    /** ARP sender protocol address; only valid if {@link #isArp}. */
    public static int arpSenderIp(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + ARP_SPA_OFFSET);
    }

    /** ARP target protocol address; only valid if {@link #isArp}. */
    public static int arpTargetIp(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + ARP_TPA_OFFSET);
    }

    /** True if the frame is IPv4 (20-byte header) carrying an ICMP echo request or reply with a valid checksum. */
    public static boolean isIcmpEcho(ByteBuf frame) {
        int r = frame.readerIndex();
        if (etherType(frame) != ETHERTYPE_IPV4
                || frame.readableBytes() < ICMP_OFFSET + ICMP_ECHO_HEADER_LENGTH
                || frame.getUnsignedByte(r + IPV4_OFFSET) != 0x45
                || frame.getUnsignedByte(r + IPV4_PROTOCOL_OFFSET) != IPV4_PROTOCOL_ICMP) {
            return false;
        }
        int icmpLength = frame.getUnsignedShort(r + IPV4_OFFSET + 2) - IPV4_HEADER_LENGTH;
        int type = icmpType(frame);
        return icmpLength >= ICMP_ECHO_HEADER_LENGTH
                && ICMP_OFFSET + icmpLength <= frame.readableBytes()
                && (type == ICMP_ECHO_REQUEST || type == ICMP_ECHO_REPLY)
                && InternetChecksum.of(frame, r + ICMP_OFFSET, icmpLength) == 0;
    }

    /** IPv4 source address; only valid if {@link #isIcmpEcho}. */
    public static int ipv4Source(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + IPV4_SOURCE_OFFSET);
    }

    /** IPv4 destination address; only valid if {@link #isIcmpEcho}. */
    public static int ipv4Destination(ByteBuf frame) {
        return frame.getInt(frame.readerIndex() + IPV4_DESTINATION_OFFSET);
    }

    /** ICMP type; only valid if {@link #isIcmpEcho}. */
    public static int icmpType(ByteBuf frame) {
        return frame.getUnsignedByte(frame.readerIndex() + ICMP_OFFSET);
    }

    /** ICMP echo identifier; only valid if {@link #isIcmpEcho}. */
    public static int icmpId(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + ICMP_OFFSET + 4);
    }

    /** ICMP echo sequence number; only valid if {@link #isIcmpEcho}. */
    public static int icmpSequence(ByteBuf frame) {
        return frame.getUnsignedShort(frame.readerIndex() + ICMP_OFFSET + 6);
    }

    /** A read-only slice of the echo data (no copy, not retained): valid while the frame is. */
    public static ByteBuf icmpData(ByteBuf frame) {
        int r = frame.readerIndex();
        int icmpLength = frame.getUnsignedShort(r + IPV4_OFFSET + 2) - IPV4_HEADER_LENGTH;
        return frame.slice(r + ICMP_OFFSET + ICMP_ECHO_HEADER_LENGTH, icmpLength - ICMP_ECHO_HEADER_LENGTH)
                .asReadOnly();
    }

    /** One line in the spirit of tcpdump: "ARP who-has 10.0.1.2 tell 10.0.1.1", "ICMP echo request ...". */
    public static String describe(ByteBuf frame) {
        if (isArp(frame)) {
            String sender = Addresses.ipv4(arpSenderIp(frame));
            return arpOperation(frame) == ARP_REQUEST
                    ? "ARP who-has " + Addresses.ipv4(arpTargetIp(frame)) + " tell " + sender
                    : "ARP " + sender + " is-at " + MacAddress.toString(arpSenderMac(frame));
        }
        if (isIcmpEcho(frame)) {
            return "ICMP echo " + (icmpType(frame) == ICMP_ECHO_REQUEST ? "request " : "reply ")
                    + Addresses.ipv4(ipv4Source(frame)) + " > " + Addresses.ipv4(ipv4Destination(frame))
                    + " seq " + icmpSequence(frame);
        }
        return String.format("ethertype 0x%04x, %d bytes", etherType(frame), frame.readableBytes());
    }
}
