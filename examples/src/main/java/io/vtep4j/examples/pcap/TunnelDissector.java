package io.vtep4j.examples.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.GreHeader;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.encap.Ipv6Header;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.UdpHeader;
import io.vtep4j.encap.VxlanCodec;
import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.examples.pcap.PacketSummary.Verdict;
import java.util.Set;

/**
 * Walks one captured packet: link layer (Ethernet with VLAN tags, Linux cooked, raw IP) → outer IPv4/IPv6 → UDP to
 * a VXLAN port, UDP 4754 (GRE-in-UDP) or 4790 (VXLAN-GPE, refused), or IP protocol 47 (NVGRE) → the vtep4j codec →
 * inner Ethernet. Immutable, thread-safe; allocates freely (a tool, not the data path).
 *
 * <p>{@code encap} names the decoder that judged the packet, chosen by UDP destination port or IP protocol; the
 * verdict says whether that decoder accepted it. So GRE that is not NVGRE (e.g. protocol 0x8909) is {@code
 * "nvgre"}, {@code "drop"}, {@code "gre-protocol-not-teb"}, and VXLAN-GPE is {@code "vxlan"}, {@code "drop"},
 * {@code "vxlan-gpe-unsupported"}. A packet whose outer IP header is malformed is {@code "drop"} with {@code encap}
 * null (the tunnel cannot be told), as is a non-first fragment; bytes missing from the capture give reason
 * {@value #CAPTURE_TRUNCATED}.
 */
final class TunnelDissector {
    /** Reason when the capture holds fewer bytes than the headers need (snap length, damaged file). */
    static final String CAPTURE_TRUNCATED = "capture-truncated";
    /** UDP port of VXLAN-GPE. */
    private static final int GPE_PORT = VxlanHeader.GPE_PORT;

    private static final int SLL_HEADER = 16;
    private static final int SLL2_HEADER = 20;

    private final Set<Integer> vxlanPorts;
    private final VxlanCodec vxlan = VxlanCodec.DEFAULT;
    private final NvgreCodec nvgre = NvgreCodec.DEFAULT;

    /** A dissector treating UDP to any of {@code vxlanPorts} as VXLAN. */
    TunnelDissector(Set<Integer> vxlanPorts) {
        this.vxlanPorts = Set.copyOf(vxlanPorts);
    }

    /** Dissects packet number {@code n} (1-based) of {@code linkType}; never throws on packet content. */
    PacketSummary dissect(int n, byte[] data, int originalLength, LinkType linkType) {
        PacketSummary.Builder summary = new PacketSummary.Builder(n);
        ByteBuf buf = Unpooled.wrappedBuffer(data);
        try {
            network(summary, buf, Math.max(originalLength, data.length), linkType);
        } catch (IndexOutOfBoundsException e) {
            // Only our own header walking can read past the captured bytes; the codecs check lengths themselves.
            summary.verdict(Verdict.DROP, CAPTURE_TRUNCATED);
        } finally {
            buf.release();
        }
        return summary.build();
    }

    private void network(PacketSummary.Builder summary, ByteBuf buf, int wireLength, LinkType linkType) {
        int offset;
        int etherType;
        switch (linkType) {
            case ETHERNET:
                offset = Ethernet.payloadOffset(buf, 0);
                etherType = Ethernet.etherType(buf, 0);
                break;
            case LINUX_SLL:
                offset = SLL_HEADER;
                etherType = buf.getUnsignedShort(14);
                break;
            case LINUX_SLL2:
                offset = SLL2_HEADER;
                etherType = buf.getUnsignedShort(0);
                break;
            default: // raw IP: the version nibble says which
                offset = 0;
                int version = buf.getUnsignedByte(0) >>> 4;
                etherType = version == 4 ? Ethernet.TYPE_IPV4 : version == 6 ? Ethernet.TYPE_IPV6 : -1;
        }
        if (offset < 0 || etherType < 0) {
            summary.verdict(Verdict.DROP, CAPTURE_TRUNCATED);
        } else if (etherType == Ethernet.TYPE_IPV4) {
            ipv4(summary, buf, offset, wireLength - offset);
        } else if (etherType == Ethernet.TYPE_IPV6) {
            ipv6(summary, buf, offset, wireLength - offset);
        }
    }

    private void ipv4(PacketSummary.Builder summary, ByteBuf buf, int offset, int length) {
        summary.outer(
                Ipv4Header.toString(Ipv4Header.source(buf, offset)),
                Ipv4Header.toString(Ipv4Header.destination(buf, offset)));
        int protocol = Ipv4Header.protocol(buf, offset);
        int headerLength = Ipv4Header.validate(buf, offset, length, true);
        if (headerLength == DropReason.OUTER_IPV4_FRAGMENT.code()) {
            fragment(
                    summary,
                    buf,
                    offset + Ipv4Header.headerLength(buf, offset),
                    protocol,
                    (buf.getUnsignedShort(offset + Ipv4Header.FRAGMENT_OFFSET) & Ipv4Header.FRAGMENT_OFFSET_MASK) == 0,
                    DropReason.OUTER_IPV4_FRAGMENT);
        } else if (headerLength < 0) {
            summary.verdict(Verdict.DROP, DropReason.fromCode(headerLength).label());
        } else {
            transport(
                    summary, buf, protocol, offset + headerLength, Ipv4Header.totalLength(buf, offset) - headerLength);
        }
    }

    private void ipv6(PacketSummary.Builder summary, ByteBuf buf, int offset, int length) {
        summary.outer(
                Ipv6Header.address(buf, offset + Ipv6Header.SOURCE_OFFSET).getHostAddress(),
                Ipv6Header.address(buf, offset + Ipv6Header.DESTINATION_OFFSET).getHostAddress());
        int parsed = Ipv6Header.validate(buf, offset, Math.min(length, buf.writerIndex() - offset));
        if (parsed == DropReason.OUTER_IPV6_FRAGMENT.code()) {
            // Where the fragment header sits is not worth the walk for a tool: the tunnel cannot be told.
            summary.verdict(Verdict.DROP, DropReason.OUTER_IPV6_FRAGMENT.label());
        } else if (parsed < 0) {
            summary.verdict(Verdict.DROP, DropReason.fromCode(parsed).label());
        } else {
            int headerLength = Ipv6Header.headerLengthOf(parsed);
            transport(
                    summary,
                    buf,
                    Ipv6Header.protocolOf(parsed),
                    offset + headerLength,
                    Ipv6Header.LENGTH + Ipv6Header.payloadLength(buf, offset) - headerLength);
        }
    }

    /** An outer fragment: a drop if it could be tunnel traffic, else not a tunnel packet. */
    private void fragment(
            PacketSummary.Builder summary, ByteBuf buf, int l4, int protocol, boolean first, DropReason reason) {
        if (protocol == GreHeader.IP_PROTOCOL) {
            summary.encap("nvgre").verdict(Verdict.DROP, reason.label());
        } else if (protocol == Ipv4Header.PROTOCOL_UDP && first) {
            String encap = udpEncap(UdpHeader.destinationPort(buf, l4));
            summary.ports(UdpHeader.sourcePort(buf, l4), UdpHeader.destinationPort(buf, l4));
            if (encap != null) {
                summary.encap(encap).verdict(Verdict.DROP, reason.label());
            }
        } else if (protocol == Ipv4Header.PROTOCOL_UDP) {
            summary.verdict(Verdict.DROP, reason.label()); // a later fragment: no ports to tell
        }
    }

    private void transport(PacketSummary.Builder summary, ByteBuf buf, int protocol, int l4, int l4Length) {
        int captured = Math.min(l4Length, buf.writerIndex() - l4);
        if (protocol == GreHeader.IP_PROTOCOL) {
            summary.encap("nvgre");
            nvgre(summary, buf.slice(l4, Math.max(0, captured)));
            return;
        }
        if (protocol != Ipv4Header.PROTOCOL_UDP) {
            return;
        }
        int dstPort = UdpHeader.destinationPort(buf, l4);
        summary.ports(UdpHeader.sourcePort(buf, l4), dstPort);
        String encap = udpEncap(dstPort);
        if (encap == null) {
            return;
        }
        summary.encap(encap);
        int udpLength = UdpHeader.validate(buf, l4, l4Length);
        if (udpLength < 0) {
            summary.verdict(Verdict.DROP, DropReason.fromCode(udpLength).label());
            return;
        }
        if (captured < UdpHeader.LENGTH) {
            // The IP length promises a UDP header that the capture cut short (snap length): nothing to slice.
            summary.verdict(Verdict.DROP, CAPTURE_TRUNCATED);
            return;
        }
        ByteBuf payload = buf.slice(l4 + UdpHeader.LENGTH, Math.min(udpLength, captured) - UdpHeader.LENGTH);
        if (dstPort == GPE_PORT && !vxlanPorts.contains(GPE_PORT)) {
            summary.verdict(Verdict.DROP, DropReason.VXLAN_GPE_UNSUPPORTED.label());
        } else if ("vxlan".equals(encap)) {
            vxlan(summary, payload);
        } else {
            nvgre(summary, payload);
        }
    }

    private String udpEncap(int dstPort) {
        if (vxlanPorts.contains(dstPort) || dstPort == GPE_PORT) {
            return "vxlan";
        }
        return dstPort == GreHeader.GRE_IN_UDP_PORT ? "gre-udp" : null;
    }

    private void vxlan(PacketSummary.Builder summary, ByteBuf payload) {
        int start = payload.readerIndex();
        int result = vxlan.decapsulate(payload);
        if (result >= 0) {
            summary.vni(result).verdict(Verdict.OK, null);
            inner(summary, payload, payload.readerIndex());
            return;
        }
        summary.verdict(Verdict.DROP, DropReason.fromCode(result).label());
        int flags = payload.readableBytes() >= VxlanHeader.LENGTH ? VxlanHeader.flags(payload, start) : 0;
        if ((flags & VxlanHeader.I_FLAG) != 0 && (flags & VxlanHeader.GPE_P_FLAG) == 0) {
            // A valid VXLAN header with a refused inner frame: show what it carried.
            summary.vni(VxlanHeader.vni(payload, start));
            inner(summary, payload, start + VxlanHeader.LENGTH);
        }
    }

    private void nvgre(PacketSummary.Builder summary, ByteBuf payload) {
        int start = payload.readerIndex();
        long result = nvgre.decapsulate(payload);
        if (result >= 0) {
            summary.vni((int) (result >>> 8)).flowId((int) (result & 0xFF)).verdict(Verdict.OK, null);
            inner(summary, payload, payload.readerIndex());
            return;
        }
        summary.verdict(Verdict.DROP, DropReason.fromCodeOrNull(result).label());
        if (payload.readableBytes() >= GreHeader.NVGRE_LENGTH
                && GreHeader.flags(payload, start) == GreHeader.K_FLAG
                && GreHeader.protocol(payload, start) == GreHeader.PROTOCOL_TEB) {
            // An NVGRE-shaped header refused for its VSID or inner frame: show what it carried.
            summary.vni(GreHeader.vsid(payload, start)).flowId(GreHeader.flowId(payload, start));
            inner(summary, payload, start + GreHeader.NVGRE_LENGTH);
        }
    }

    private static void inner(PacketSummary.Builder summary, ByteBuf frame, int offset) {
        if (frame.writerIndex() - offset < Ethernet.HEADER_LENGTH) {
            return;
        }
        int type = Ethernet.etherType(frame, offset);
        int vlan = Ethernet.vlanId(frame, offset);
        summary.inner(
                Ethernet.sourceMac(frame, offset),
                Ethernet.destinationMac(frame, offset),
                type < 0 ? null : type,
                vlan < 0 ? null : vlan);
    }
}
