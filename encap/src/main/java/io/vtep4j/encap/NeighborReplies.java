package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Builds the answers a VTEP gives in place of a remote host whose IP to MAC binding it knows (ARP and ND suppression,
 * RFC 9161 §3): an ARP reply (RFC 826) to an ARP request, a Neighbor Advertisement (RFC 4861 §4.4) to a Neighbor
 * Solicitation. The answer comes from the remote host's MAC and address, as if it had answered itself. Stateless,
 * thread-safe; each method returns a new buffer the caller owns.
 */
public final class NeighborReplies {

    /** Ethernet header + ARP for IPv4 over Ethernet. */
    public static final int ARP_REPLY_LENGTH = Ethernet.HEADER_LENGTH + Arp.LENGTH;

    /** Ethernet header + IPv6 header + NA (24) + target link-layer address option (8). */
    public static final int ADVERTISEMENT_LENGTH =
            Ethernet.HEADER_LENGTH + Ipv6Header.LENGTH + Ndp.MESSAGE_LENGTH + Ndp.LINK_LAYER_OPTION_LENGTH;

    private NeighborReplies() {}

    /**
     * The ARP reply to the request in the frame at {@code offset} (checked with {@link Arp#operation}), saying that
     * its target IP is at {@code mac}; sent to the requester's MAC and IP.
     */
    public static ByteBuf arpReply(ByteBufAllocator alloc, ByteBuf request, int offset, long mac) {
        int arp = offset + Ethernet.HEADER_LENGTH;
        long requesterMac = Arp.senderMac(request, arp);
        ByteBuf out = alloc.buffer(ARP_REPLY_LENGTH);
        writeMac(out, requesterMac);
        writeMac(out, mac);
        out.writeShort(Ethernet.TYPE_ARP);
        out.writeShort(Arp.HARDWARE_ETHERNET);
        out.writeShort(Ethernet.TYPE_IPV4);
        out.writeByte(6).writeByte(4);
        out.writeShort(Arp.REPLY);
        writeMac(out, mac); // sender: the host asked for
        out.writeInt((int) Arp.targetIp(request, arp));
        writeMac(out, requesterMac); // target: the requester
        out.writeInt((int) Arp.senderIp(request, arp));
        return out;
    }

    /**
     * The Neighbor Advertisement answering the solicitation in the frame at {@code offset} (checked with
     * {@link Ndp#type}), saying that its target is at {@code mac}: solicited and override set, router clear, a target
     * link-layer address option, hop limit 255; sent from the target address to the soliciting node's address and
     * MAC (RFC 4861 §7.2.4).
     */
    public static ByteBuf neighborAdvertisement(ByteBufAllocator alloc, ByteBuf solicitation, int offset, long mac) {
        int ip = offset + Ethernet.HEADER_LENGTH;
        int icmp = ip + Ipv6Header.LENGTH;
        ByteBuf out = alloc.buffer(ADVERTISEMENT_LENGTH);
        writeMac(out, Ethernet.sourceMac(solicitation, offset));
        writeMac(out, mac);
        out.writeShort(Ethernet.TYPE_IPV6);
        int outIp = out.writerIndex();
        out.writeInt(0x6000_0000); // version 6, traffic class 0, flow label 0
        out.writeShort(Ndp.MESSAGE_LENGTH + Ndp.LINK_LAYER_OPTION_LENGTH);
        out.writeByte(Ndp.ICMPV6);
        out.writeByte(Ndp.HOP_LIMIT);
        out.writeBytes(solicitation, icmp + Ndp.TARGET_OFFSET, Ipv6Header.ADDRESS_LENGTH); // from the target
        out.writeBytes(solicitation, ip + Ipv6Header.SOURCE_OFFSET, Ipv6Header.ADDRESS_LENGTH); // to the solicitor
        int outIcmp = out.writerIndex();
        out.writeByte(Ndp.NEIGHBOR_ADVERTISEMENT).writeByte(0).writeShort(0);
        out.writeInt(Ndp.SOLICITED_FLAG | Ndp.OVERRIDE_FLAG);
        out.writeBytes(solicitation, icmp + Ndp.TARGET_OFFSET, Ipv6Header.ADDRESS_LENGTH);
        out.writeByte(Ndp.TARGET_LINK_LAYER_ADDRESS).writeByte(1);
        writeMac(out, mac);
        out.setShort(outIcmp + 2, Ndp.checksum(out, outIp, out.writerIndex() - outIcmp));
        return out;
    }

    private static void writeMac(ByteBuf out, long mac) {
        out.writeShort((int) (mac >>> 32));
        out.writeInt((int) mac);
    }
}
