package io.vtep4j.examples.pcap;

import static io.vtep4j.examples.pcap.TunnelPackets.ethernet;
import static io.vtep4j.examples.pcap.TunnelPackets.innerDst;
import static io.vtep4j.examples.pcap.TunnelPackets.innerFrame;
import static io.vtep4j.examples.pcap.TunnelPackets.innerSrc;
import static io.vtep4j.examples.pcap.TunnelPackets.ipv4;
import static io.vtep4j.examples.pcap.TunnelPackets.ipv4Udp;
import static io.vtep4j.examples.pcap.TunnelPackets.outerIpv4;
import static io.vtep4j.examples.pcap.TunnelPackets.v6;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.encap.GreHeader;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.encap.Ipv6Header;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.UdpHeader;
import io.vtep4j.encap.VxlanCodec;
import io.vtep4j.encap.VxlanHeader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * vtep4j's encoders write packets, a pcap file holds them, and tshark (an implementation we did not write)
 * dissects them field by field; our own {@code pcap} command must agree with tshark on the same file.
 */
class EncoderInteropTest {
    private static final int[] VNIS = {0, 1, 0x80, 0x8080, 0x808080, 0xFFFFFF};
    private static final int[][] VSIDS_AND_FLOWS = {{0x1000, 0}, {0x123456, 0x01}, {0x808080, 0x80}, {0xFFFFFE, 0xFF}};
    /** {@link PeerCapturesTest#FIELDS} (indices 0..10), then the header details only our encoders' tests check. */
    private static final String[] FIELDS = Stream.concat(
                    Arrays.stream(PeerCapturesTest.FIELDS),
                    Stream.of(
                            "vxlan.flags",
                            "vlan.id",
                            "ip.checksum.status",
                            "udp.checksum.status",
                            "ip.proto",
                            "ipv6.src",
                            "ipv6.dst",
                            "udp.checksum"))
            .toArray(String[]::new);

    private static final List<String> CHECK_CHECKSUMS =
            List.of("-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE");

    @TempDir
    Path dir;

    private final List<ByteBuf> packets = new ArrayList<>();

    @AfterEach
    void releasePackets() {
        packets.forEach(ByteBuf::release);
        packets.clear();
    }

    @Test
    void vxlanOverIpv4DissectsAsWeEncodedIt() throws Exception {
        Ipv4Header ip = outerIpv4("10.99.0.1", "10.99.0.2", Ipv4Header.PROTOCOL_UDP);
        List<Integer> sourcePorts = new ArrayList<>();
        for (int i = 0; i < VNIS.length; i++) {
            ByteBuf frame = innerFrame(i);
            if (i == 2) {
                frame = Ethernet.pushVlanTag(frame, 100); // the encoder must strip it (RFC 7348 §6.1)
            }
            int sourcePort = FlowHash.sourcePort(FlowHash.hash(frame));
            sourcePorts.add(sourcePort);
            ByteBuf payload = VxlanCodec.DEFAULT.encapsulate(frame, VNIS[i]);
            packets.add(ipv4Udp(payload, ip, sourcePort, VxlanHeader.DEFAULT_PORT));
        }
        List<String[]> rows = dissect("vxlan4.pcap", List.of());
        for (int i = 0; i < VNIS.length; i++) {
            String[] t = rows.get(i);
            String where = "packet " + (i + 1);
            assertEquals(Integer.toString(VNIS[i]), t[1], where + " vxlan.vni");
            assertEquals("0x0800", t[11], where + " vxlan.flags: I set, everything else zero");
            assertEquals(innerSrc(i) + "", t[4].split(",")[1], where + " inner eth.src");
            assertEquals(innerDst(i), t[5].split(",")[1], where + " inner eth.dst");
            assertEquals("0x0800,0x0800", t[6], where + " eth.type outer, inner");
            assertEquals("", t[12], where + " no 802.1Q tag anywhere");
            assertEquals("10.99.0.1", t[7].split(",")[0], where);
            assertEquals("10.99.0.2", t[8].split(",")[0], where);
            assertEquals(sourcePorts.get(i) + "", t[9].split(",")[0], where + " udp.srcport = flow hash");
            assertTrue(sourcePorts.get(i) >= 49152, where + " dynamic range");
            assertEquals("4789", t[10].split(",")[0], where);
            assertEquals("1", t[13].split(",")[0], where + " outer IPv4 header checksum good");
            assertEquals("0x0000", t[18].split(",")[0], where + " UDP checksum 0 over IPv4 (RFC 7348 §5)");
        }
    }

    @Test
    void nvgreOverIpProtocol47DissectsAsWeEncodedIt() throws Exception {
        Ipv4Header ip = outerIpv4("10.97.0.1", "10.97.0.2", GreHeader.IP_PROTOCOL);
        for (int i = 0; i < VSIDS_AND_FLOWS.length; i++) {
            ByteBuf frame = innerFrame(i);
            if (i == 1) {
                frame = Ethernet.pushVlanTag(frame, 200); // RFC 7637 §3.2: the encapsulator MUST remove it
            }
            ByteBuf gre = NvgreCodec.DEFAULT.encapsulate(frame, VSIDS_AND_FLOWS[i][0], VSIDS_AND_FLOWS[i][1]);
            packets.add(ipv4(gre, ip));
        }
        List<String[]> rows = dissect("nvgre.pcap", List.of());
        for (int i = 0; i < VSIDS_AND_FLOWS.length; i++) {
            String[] t = rows.get(i);
            String where = "packet " + (i + 1);
            long key = ((long) VSIDS_AND_FLOWS[i][0] << 8) | VSIDS_AND_FLOWS[i][1];
            assertEquals(String.format("0x%08x", key), t[2], where + " gre.key = VSID << 8 | FlowID");
            assertEquals("0x6558", t[3], where + " gre.proto");
            assertEquals("47", t[15].split(",")[0], where + " ip.proto");
            assertEquals(innerSrc(i), t[4].split(",")[1], where);
            assertEquals(innerDst(i), t[5].split(",")[1], where);
            assertEquals("", t[12], where + " no 802.1Q tag");
            assertEquals("1", t[13].split(",")[0], where + " outer IPv4 header checksum good");
        }
    }

    @Test
    void greInUdpDissectsAsWeEncodedIt() throws Exception {
        Ipv4Header ip = outerIpv4("10.96.0.1", "10.96.0.2", Ipv4Header.PROTOCOL_UDP);
        for (int i = 0; i < VSIDS_AND_FLOWS.length; i++) {
            ByteBuf frame = innerFrame(i);
            int hash = FlowHash.hash(frame);
            ByteBuf gre = NvgreCodec.DEFAULT.encapsulate(frame, VSIDS_AND_FLOWS[i][0], VSIDS_AND_FLOWS[i][1]);
            packets.add(ipv4Udp(gre, ip, FlowHash.sourcePort(hash), GreHeader.GRE_IN_UDP_PORT));
        }
        List<String[]> rows = dissect("gre-udp.pcap", List.of("-d", "udp.port==4754,gre"));
        for (int i = 0; i < VSIDS_AND_FLOWS.length; i++) {
            String[] t = rows.get(i);
            String where = "packet " + (i + 1);
            long key = ((long) VSIDS_AND_FLOWS[i][0] << 8) | VSIDS_AND_FLOWS[i][1];
            assertEquals(String.format("0x%08x", key), t[2], where + " gre.key");
            assertEquals("0x6558", t[3], where);
            assertEquals("4754", t[10].split(",")[0], where + " udp.dstport (RFC 8086)");
            assertEquals(innerSrc(i), t[4].split(",")[1], where);
        }
    }

    @Test
    void vxlanOverIpv6CarriesAValidUdpChecksum() throws Exception {
        Ipv6Header ip = Ipv6Header.builder()
                .source(v6("fd00:99::1"))
                .destination(v6("fd00:99::2"))
                .nextHeader(Ipv4Header.PROTOCOL_UDP)
                .build();
        for (int i = 0; i < 3; i++) {
            ByteBuf payload = VxlanCodec.DEFAULT.encapsulate(innerFrame(i), VNIS[i + 3]);
            int udpLength = UdpHeader.LENGTH + payload.readableBytes();
            int udp = payload.readerIndex() - UdpHeader.LENGTH;
            UdpHeader.set(payload, udp, 50000 + i, VxlanHeader.DEFAULT_PORT, payload.readableBytes());
            UdpHeader.setChecksumIpv6(payload, udp, udpLength, ip);
            int ipStart = udp - Ipv6Header.LENGTH;
            ip.set(payload, ipStart, udpLength);
            packets.add(ethernet(payload, ipStart, Ethernet.TYPE_IPV6));
        }
        List<String[]> rows = dissect("vxlan6.pcap", List.of());
        for (int i = 0; i < 3; i++) {
            String[] t = rows.get(i);
            String where = "packet " + (i + 1);
            assertEquals(Integer.toString(VNIS[i + 3]), t[1], where);
            assertEquals("fd00:99::1", t[16], where);
            assertEquals("fd00:99::2", t[17], where);
            assertEquals("1", t[14].split(",")[0], where + " udp.checksum.status good (RFC 8200 §8.1)");
        }
    }

    /** Writes {@link #packets} to a pcap, checks tshark and our dissector agree, and returns tshark's rows. */
    private List<String[]> dissect(String name, List<String> decodeAs) throws Exception {
        Path file = dir.resolve(name);
        PcapFiles.write(file, PcapFiles.LINKTYPE_ETHERNET, packets);
        List<String> options = new ArrayList<>(CHECK_CHECKSUMS);
        options.addAll(decodeAs);
        List<String[]> rows = Tshark.fields(file, options, FIELDS);
        assertEquals(packets.size(), rows.size(), "tshark saw every packet");
        CommandRun run = CommandRun.vtep4j("pcap", "--json", file.toString());
        assertEquals(0, run.exitCode, run.err);
        List<Map<String, Object>> ours = run.json();
        for (int i = 0; i < rows.size(); i++) {
            // Our own dissector and tshark read the same bytes the same way (IPv6 outers: VNI and MACs only).
            Map<String, Object> got = ours.get(i);
            assertEquals("ok", got.get("verdict"), name + " packet " + (i + 1));
            if (rows.get(i)[16].isEmpty()) {
                PeerCapturesTest.assertPacket(name + " packet " + (i + 1), rows.get(i), got);
            }
        }
        return rows;
    }
}
