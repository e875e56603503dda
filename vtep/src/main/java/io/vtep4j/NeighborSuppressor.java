package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Arp;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.Ndp;
import io.vtep4j.encap.NeighborReplies;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborTable;

/**
 * ARP and ND suppression on the data path (RFC 9161 §3, RFC 7432 §10): snoops IP to MAC bindings from the ARP
 * packets and IPv6 Neighbor Solicitations and Advertisements that cross a segment, in both directions, and answers a
 * local port's broadcast ARP request or multicast solicitation itself when the {@link NeighborTable} resolves the
 * address to a MAC at a remote VTEP. Everything else passes on unchanged and is forwarded or flooded as before.
 *
 * <p>Rules: a binding is taken only from a packet whose Ethernet source is the MAC it announces (ARP sender, NS
 * source link-layer option, NA target link-layer option) and only for a host address (no 0.0.0.0 probes, no DAD
 * solicitations from ::, no multicast); ND packets must pass RFC 4861's checks, checksum included. Only requests to a
 * group MAC are answered: a unicast request (a host checking that its neighbour still lives) reaches the host. Never
 * an answer for a MAC on a local port, the asking one included: the table answers only for remote MACs.
 *
 * <p>Stateless apart from the table; thread-safe. Never takes ownership of a frame; allocates only the answer.
 */
final class NeighborSuppressor {

    private final NeighborTable table;

    NeighborSuppressor(NeighborTable table) {
        this.table = table;
    }

    /**
     * Snoops a frame from a local port and returns the answer to send back out of that port (the caller owns it and
     * drops the request), or null to forward the frame as before. {@code offset}: the frame's first byte.
     */
    ByteBuf fromPort(int vni, ByteBuf frame, int offset, Location port) {
        return inspect(vni, frame, offset, port, true);
    }

    /** Snoops a frame that arrived from the underlay (decapsulated); never answers. */
    void fromUnderlay(int vni, ByteBuf frame, int offset, Location remote) {
        inspect(vni, frame, offset, remote, false);
    }

    private ByteBuf inspect(int vni, ByteBuf frame, int offset, Location where, boolean answer) {
        if (offset + Ethernet.HEADER_LENGTH > frame.writerIndex()) {
            return null;
        }
        int type = frame.getUnsignedShort(offset + Ethernet.ETHER_TYPE_OFFSET);
        if (type == Ethernet.TYPE_ARP) {
            return arp(vni, frame, offset, where, answer);
        }
        if (type == Ethernet.TYPE_IPV6 && neighborDiscovery(frame, offset)) {
            return nd(vni, frame, offset, where, answer);
        }
        return null;
    }

    /** Cheap pre-check before the checksum: ICMPv6 right after the IPv6 header, type 135 or 136. */
    private static boolean neighborDiscovery(ByteBuf frame, int offset) {
        int ip = offset + Ethernet.HEADER_LENGTH;
        if (ip + 41 > frame.writerIndex() || frame.getUnsignedByte(ip + 6) != Ndp.ICMPV6) {
            return false;
        }
        int t = frame.getUnsignedByte(ip + 40);
        return t == Ndp.NEIGHBOR_SOLICITATION || t == Ndp.NEIGHBOR_ADVERTISEMENT;
    }

    private ByteBuf arp(int vni, ByteBuf frame, int offset, Location where, boolean answer) {
        int arp = offset + Ethernet.HEADER_LENGTH;
        int op = Arp.operation(frame, arp);
        if (op != Arp.REQUEST && op != Arp.REPLY) {
            return null;
        }
        long source = Ethernet.sourceMac(frame, offset);
        long senderMac = Arp.senderMac(frame, arp);
        long senderIp = Arp.senderIp(frame, arp);
        if (senderMac != source || !Arp.isHostAddress(senderIp)) {
            return null; // a probe (0.0.0.0), a proxy or a forgery: neither learned from nor answered
        }
        table.snoop(vni, false, 0, senderIp, senderMac, where); // requests, replies and gratuitous ARP alike
        if (!answer || op != Arp.REQUEST || !Ethernet.isGroup(Ethernet.destinationMac(frame, offset))) {
            return null;
        }
        long targetIp = Arp.targetIp(frame, arp);
        if (targetIp == senderIp || !Arp.isHostAddress(targetIp)) {
            return null; // gratuitous ARP announces, asks nothing
        }
        long mac = table.resolve(vni, false, 0, targetIp);
        return mac < 0 ? null : NeighborReplies.arpReply(frame.alloc(), frame, offset, mac);
    }

    private ByteBuf nd(int vni, ByteBuf frame, int offset, Location where, boolean answer) {
        int ip = offset + Ethernet.HEADER_LENGTH;
        int type = Ndp.type(frame, ip);
        if (type < 0) {
            return null;
        }
        long source = Ethernet.sourceMac(frame, offset);
        int target = ip + 40 + Ndp.TARGET_OFFSET;
        long targetHi = frame.getLong(target);
        long targetLo = frame.getLong(target + 8);
        if (type == Ndp.NEIGHBOR_ADVERTISEMENT) {
            if (Ndp.isHostAddress(targetHi, targetLo)
                    && Ndp.linkLayerOption(frame, ip, Ndp.TARGET_LINK_LAYER_ADDRESS) == source) {
                table.snoop(vni, true, targetHi, targetLo, source, where);
            }
            return null;
        }
        long sourceHi = frame.getLong(ip + 8);
        long sourceLo = frame.getLong(ip + 16);
        if ((sourceHi | sourceLo) == 0) {
            return null; // duplicate address detection (RFC 4862 §5.4.2): the owner must answer
        }
        if (Ndp.isHostAddress(sourceHi, sourceLo)
                && Ndp.linkLayerOption(frame, ip, Ndp.SOURCE_LINK_LAYER_ADDRESS) == source) {
            table.snoop(vni, true, sourceHi, sourceLo, source, where);
        }
        if (!answer
                || !Ethernet.isGroup(Ethernet.destinationMac(frame, offset))
                || !Ndp.isHostAddress(sourceHi, sourceLo)
                || !Ndp.isHostAddress(targetHi, targetLo)) {
            return null;
        }
        long mac = table.resolve(vni, true, targetHi, targetLo);
        return mac < 0 ? null : NeighborReplies.neighborAdvertisement(frame.alloc(), frame, offset, mac);
    }
}
