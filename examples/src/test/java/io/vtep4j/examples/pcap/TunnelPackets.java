package io.vtep4j.examples.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.encap.UdpHeader;
import io.vtep4j.learning.MacAddress;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/** Builds tunnel packets for tests: inner frames with headroom, and outer UDP / IPv4 / Ethernet written in front. */
final class TunnelPackets {
    static final int HEADROOM = 128;
    static final long OUTER_SRC_MAC = 0x0200_0000_0a01L;
    static final long OUTER_DST_MAC = 0x0200_0000_0b01L;

    private TunnelPackets() {}

    static ByteBuf innerFrame(int i) {
        ByteBuf frame = ByteBufAllocator.DEFAULT.buffer(HEADROOM + 128);
        frame.writerIndex(HEADROOM).readerIndex(HEADROOM);
        int start = frame.writerIndex();
        frame.writeZero(Ethernet.HEADER_LENGTH);
        Ethernet.setMac(frame, start, MacAddress.parse(innerDst(i)));
        Ethernet.setMac(frame, start + Ethernet.SOURCE_OFFSET, MacAddress.parse(innerSrc(i)));
        frame.setShort(start + Ethernet.ETHER_TYPE_OFFSET, Ethernet.TYPE_IPV4);
        Ipv4Header.builder()
                .source(0x0a320001 + i)
                .destination(0x0a320002)
                .protocol(Ipv4Header.PROTOCOL_UDP)
                .build()
                .write(frame, UdpHeader.LENGTH + 4, i);
        UdpHeader.write(frame, 40000 + i, 7, 4);
        frame.writeInt(0xC0FFEE00 | i);
        return frame;
    }

    static String innerSrc(int i) {
        return String.format("02:00:00:00:aa:%02x", i);
    }

    static String innerDst(int i) {
        return String.format("02:00:00:00:bb:%02x", i);
    }

    /** Prepends UDP, IPv4 and Ethernet headers in the headroom of {@code payload}; returns it. */
    static ByteBuf ipv4Udp(ByteBuf payload, Ipv4Header ip, int sourcePort, int destinationPort) {
        int udp = payload.readerIndex() - UdpHeader.LENGTH;
        UdpHeader.set(payload, udp, sourcePort, destinationPort, payload.readableBytes());
        payload.readerIndex(udp);
        return ipv4(payload, ip);
    }

    static ByteBuf ipv4(ByteBuf payload, Ipv4Header ip) {
        int start = payload.readerIndex() - Ipv4Header.MIN_LENGTH;
        ip.set(payload, start, payload.readableBytes(), 0x1234);
        return ethernet(payload, start, Ethernet.TYPE_IPV4);
    }

    static ByteBuf ethernet(ByteBuf packet, int ipStart, int etherType) {
        int start = ipStart - Ethernet.HEADER_LENGTH;
        Ethernet.setMac(packet, start, OUTER_DST_MAC);
        Ethernet.setMac(packet, start + Ethernet.SOURCE_OFFSET, OUTER_SRC_MAC);
        packet.setShort(start + Ethernet.ETHER_TYPE_OFFSET, etherType);
        packet.readerIndex(start);
        return packet;
    }

    /** An outer IPv4 header from {@code source} to {@code destination} carrying {@code protocol}. */
    static Ipv4Header outerIpv4(String source, String destination, int protocol) throws Exception {
        return Ipv4Header.builder()
                .source(v4(source))
                .destination(v4(destination))
                .protocol(protocol)
                .build();
    }

    static Inet4Address v4(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }

    static Inet6Address v6(String address) throws Exception {
        return (Inet6Address) InetAddress.getByName(address);
    }
}
