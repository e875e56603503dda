package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.encap.VxlanCodec;
import io.vtep4j.encap.VxlanHeader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The same VXLAN packet decodes the same from Ethernet, raw-IP and Linux-cooked captures. */
class LinkTypesTest {
    private static final int LINKTYPE_RAW = 101;
    private static final int LINKTYPE_LINUX_SLL = 113;
    private static final int LINKTYPE_LINUX_SLL2 = 276;

    @Test
    void rawIpAndLinuxCookedCapturesDecodeLikeEthernet(@TempDir Path dir) throws Exception {
        Ipv4Header ip = TunnelPackets.outerIpv4("10.99.0.1", "10.99.0.2", Ipv4Header.PROTOCOL_UDP);
        ByteBuf ethernet = TunnelPackets.ipv4Udp(
                VxlanCodec.DEFAULT.encapsulate(TunnelPackets.innerFrame(3), 5001), ip, 50000, VxlanHeader.DEFAULT_PORT);
        ByteBuf raw = ethernet.slice(
                ethernet.readerIndex() + Ethernet.HEADER_LENGTH, ethernet.readableBytes() - Ethernet.HEADER_LENGTH);
        ByteBuf sll = ByteBufAllocator.DEFAULT.buffer();
        ByteBuf sll2 = ByteBufAllocator.DEFAULT.buffer();
        try {
            // SLL v1: packet type, ARPHRD_ETHER, address length, address (8), protocol.
            sll.writeShort(4)
                    .writeShort(1)
                    .writeShort(6)
                    .writeLong(TunnelPackets.OUTER_SRC_MAC << 16)
                    .writeShort(Ethernet.TYPE_IPV4)
                    .writeBytes(raw, raw.readerIndex(), raw.readableBytes());
            // SLL v2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, address length, address (8).
            sll2.writeShort(Ethernet.TYPE_IPV4)
                    .writeShort(0)
                    .writeInt(2)
                    .writeShort(1)
                    .writeByte(4)
                    .writeByte(6)
                    .writeLong(TunnelPackets.OUTER_SRC_MAC << 16)
                    .writeBytes(raw, raw.readerIndex(), raw.readableBytes());
            Map<String, Object> expected = decode(dir.resolve("ether.pcap"), PcapFiles.LINKTYPE_ETHERNET, ethernet);
            assertEquals("ok", expected.get("verdict"));
            assertEquals(5001L, expected.get("vni"));
            assertEquals(TunnelPackets.innerSrc(3), expected.get("inner_src"));
            assertEquals(expected, decode(dir.resolve("raw.pcap"), LINKTYPE_RAW, raw));
            assertEquals(expected, decode(dir.resolve("sll.pcap"), LINKTYPE_LINUX_SLL, sll));
            assertEquals(expected, decode(dir.resolve("sll2.pcap"), LINKTYPE_LINUX_SLL2, sll2));
        } finally {
            ethernet.release();
            sll.release();
            sll2.release();
        }
    }

    private static Map<String, Object> decode(Path file, int linkType, ByteBuf packet) throws Exception {
        PcapFiles.write(file, linkType, List.of(packet));
        CommandRun run = CommandRun.vtep4j("pcap", "--json", file.toString());
        assertEquals(0, run.exitCode, run.err);
        List<Map<String, Object>> packets = run.json();
        assertEquals(1, packets.size());
        return packets.get(0);
    }
}
