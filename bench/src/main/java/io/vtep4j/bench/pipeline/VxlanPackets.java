package io.vtep4j.bench.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.VxlanHeader;

/** The VXLAN packet the pipeline benchmarks forward over and over. Stateless. */
final class VxlanPackets {

    private VxlanPackets() {}

    /**
     * A pooled direct VXLAN packet for {@code vni}: the 8-byte header, then a {@code size}-byte Ethernet frame from
     * {@code source} to {@code destination} carrying IPv4 UDP 192.0.2.1:10000 > 192.0.2.2:9, zero payload. The caller
     * releases it.
     */
    static ByteBuf ipv4Udp(int vni, long destination, long source, int size) {
        ByteBuf packet = PooledByteBufAllocator.DEFAULT.directBuffer(VxlanHeader.LENGTH + size);
        packet.writeInt(0x0800_0000).writeInt(vni << 8); // RFC 7348 §5: I flag, VNI
        Ethernet.setMac(packet, VxlanHeader.LENGTH, destination);
        packet.writerIndex(VxlanHeader.LENGTH + 6);
        packet.writeLong(source << 16 | Ethernet.TYPE_IPV4); // 6-byte source + ethertype
        packet.writerIndex(VxlanHeader.LENGTH + Ethernet.HEADER_LENGTH);
        packet.writeShort(0x4500)
                .writeShort(size - Ethernet.HEADER_LENGTH)
                .writeInt(0)
                .writeShort(0x4011)
                .writeShort(0)
                .writeInt(0xC0000201)
                .writeInt(0xC0000202); // inner IPv4 UDP 192.0.2.1 > .2
        packet.writeShort(10000)
                .writeShort(9)
                .writeShort(size - Ethernet.HEADER_LENGTH - 20)
                .writeShort(0);
        packet.writeZero(VxlanHeader.LENGTH + size - packet.writerIndex());
        return packet;
    }
}
