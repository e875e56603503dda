package io.vtep4j.examples.pcap;

import static io.vtep4j.examples.pcap.TunnelPackets.innerFrame;
import static io.vtep4j.examples.pcap.TunnelPackets.ipv4;
import static io.vtep4j.examples.pcap.TunnelPackets.ipv4Udp;
import static io.vtep4j.examples.pcap.TunnelPackets.outerIpv4;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.GreHeader;
import io.vtep4j.encap.InternetChecksum;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.encap.VxlanHeader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tunnel packets the dissector must refuse, each with the reason vtep4j would count and what it carried. */
class DissectorVerdictsTest {
    @TempDir
    Path dir;

    private final List<ByteBuf> packets = new ArrayList<>();

    @AfterEach
    void release() {
        packets.forEach(ByteBuf::release);
    }

    @Test
    void refusedTunnelPacketsShowTheirReasonAndWhatTheyCarried() throws Exception {
        Ipv4Header udp = outerIpv4("10.99.0.1", "10.99.0.2", Ipv4Header.PROTOCOL_UDP);
        Ipv4Header gre = outerIpv4("10.99.0.1", "10.99.0.2", GreHeader.IP_PROTOCOL);
        // 1: VXLAN-GPE on its own port (flags I|P, next protocol 3 = Ethernet).
        packets.add(ipv4Udp(header(innerFrame(1), 0x0C000003, 100 << 8), udp, 50000, VxlanHeader.GPE_PORT));
        // 2: the P bit on the VXLAN port: still GPE, never read as VXLAN.
        packets.add(ipv4Udp(header(innerFrame(2), 0x0C000003, 100 << 8), udp, 50000, VxlanHeader.DEFAULT_PORT));
        // 3: plain VXLAN whose inner frame carries 802.1Q VLAN 100 (RFC 7348 §6.1: dropped by default).
        packets.add(ipv4Udp(
                header(Ethernet.pushVlanTag(innerFrame(3), 100), 0x08000000, 5001 << 8),
                udp,
                50000,
                VxlanHeader.DEFAULT_PORT));
        // 4: NVGRE with reserved VSID 0x000100 (RFC 7637 §3.2).
        packets.add(ipv4(header(innerFrame(4), 0x20006558, 0x00010007), gre));
        // 5: GRE key present but checksum too (C=1): GRE that is not NVGRE.
        packets.add(ipv4(header(innerFrame(5), 0xA0006558, 0x12345601), gre));
        // 6: VXLAN header cut short inside the UDP payload (UDP length says so).
        ByteBuf cut = ipv4Udp(header(innerFrame(6), 0x08000000, 7 << 8), udp, 50000, VxlanHeader.DEFAULT_PORT);
        cut.writerIndex(cut.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + 8 + 5);
        cut.setShort(cut.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4Header.TOTAL_LENGTH_OFFSET, 20 + 8 + 5);
        cut.setShort(cut.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4Header.CHECKSUM_OFFSET, 0);
        cut.setShort(
                cut.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4Header.CHECKSUM_OFFSET,
                InternetChecksum.of(cut, cut.readerIndex() + Ethernet.HEADER_LENGTH, 20));
        cut.setShort(cut.readerIndex() + Ethernet.HEADER_LENGTH + Ipv4Header.MIN_LENGTH + 4, 8 + 5);
        packets.add(cut);

        Path file = dir.resolve("refused.pcap");
        PcapFiles.write(file, PcapFiles.LINKTYPE_ETHERNET, packets);
        CommandRun run = CommandRun.vtep4j("pcap", "--json", file.toString());
        assertEquals(0, run.exitCode, run.err);
        List<Map<String, Object>> p = run.json();

        assertVerdict(p.get(0), "vxlan", "drop", "vxlan-gpe-unsupported");
        assertEquals(null, p.get(0).get("vni"), "GPE is not read as VXLAN");
        assertVerdict(p.get(1), "vxlan", "drop", "vxlan-gpe-unsupported");
        assertEquals(null, p.get(1).get("vni"));
        assertVerdict(p.get(2), "vxlan", "drop", "inner-vlan-tagged");
        assertEquals(5001L, p.get(2).get("vni"));
        assertEquals(100L, p.get(2).get("vlan"));
        assertEquals("0x0800", p.get(2).get("inner_type"), "EtherType after the tag");
        assertEquals(TunnelPackets.innerSrc(3), p.get(2).get("inner_src"));
        assertVerdict(p.get(3), "nvgre", "drop", "nvgre-reserved-vsid");
        assertEquals(0x000100L, p.get(3).get("vni"));
        assertEquals(7L, p.get(3).get("flow_id"));
        assertVerdict(p.get(4), "nvgre", "drop", "gre-checksum-or-sequence-present");
        assertEquals(null, p.get(4).get("vni"));
        assertVerdict(p.get(5), "vxlan", "drop", "vxlan-truncated");
    }

    @Test
    void aPacketCutByTheSnapLengthIsReportedAsCaptureTruncated() throws Exception {
        Ipv4Header udp = outerIpv4("10.99.0.1", "10.99.0.2", Ipv4Header.PROTOCOL_UDP);
        packets.add(ipv4Udp(header(innerFrame(1), 0x08000000, 7 << 8), udp, 50000, VxlanHeader.DEFAULT_PORT));
        Path file = dir.resolve("snapped.pcap");
        PcapFiles.write(file, PcapFiles.LINKTYPE_ETHERNET, packets, Ethernet.HEADER_LENGTH + 20 + 4);
        CommandRun run = CommandRun.vtep4j("pcap", "--json", file.toString());
        assertEquals(0, run.exitCode, run.err);
        Map<String, Object> p = run.json().get(0);
        assertVerdict(p, "vxlan", "drop", TunnelDissector.CAPTURE_TRUNCATED);
        assertEquals(4789L, p.get("outer_dst_port"), "what the capture kept is still shown");
    }

    /** Writes an 8-byte header (two words) in front of {@code frame}, in its headroom. */
    private static ByteBuf header(ByteBuf frame, int first, int second) {
        int start = frame.readerIndex() - 8;
        frame.setInt(start, first);
        frame.setInt(start + 4, second);
        frame.readerIndex(start);
        return frame;
    }

    private static void assertVerdict(Map<String, Object> p, String encap, String verdict, String reason) {
        assertEquals(encap, p.get("encap"), p.toString());
        assertEquals(verdict, p.get("verdict"), p.toString());
        assertEquals(reason, p.get("reason"), p.toString());
    }
}
