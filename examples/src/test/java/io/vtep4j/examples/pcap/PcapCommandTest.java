package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command's contract: JSON keys and values, text lines, exit codes and one-line errors. */
class PcapCommandTest {
    private static final List<String> REQUIRED_KEYS = List.of(
            "n", "encap", "vni", "flow_id", "inner_src", "inner_dst", "inner_type", "vlan", "verdict", "reason");

    @Test
    void jsonPrintsTenCorrectLinesForTcpdumpsVxlanCapture() throws Exception {
        CommandRun run = CommandRun.vtep4j(
                "pcap", "--json", Prerequisites.capture("tcpdump/vxlan.pcap").toString());
        assertEquals(0, run.exitCode, run.err);
        List<Map<String, Object>> packets = run.json();
        assertEquals(10, packets.size());
        for (int i = 0; i < packets.size(); i++) {
            Map<String, Object> p = packets.get(i);
            assertTrue(p.keySet().containsAll(REQUIRED_KEYS), p.keySet().toString());
            assertEquals((long) i + 1, p.get("n"));
            assertEquals("vxlan", p.get("encap"));
            assertEquals(100L, p.get("vni"));
            assertEquals(null, p.get("flow_id"));
            assertEquals(null, p.get("vlan"));
            assertEquals("ok", p.get("verdict"));
            assertEquals(null, p.get("reason"));
            assertEquals(4789L, p.get("outer_dst_port"));
        }
        // Packet 2 (tcpdump: "00:30:88:01:00:02 > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806)").
        assertEquals("00:30:88:01:00:02", packets.get(1).get("inner_src"));
        assertEquals("ff:ff:ff:ff:ff:ff", packets.get(1).get("inner_dst"));
        assertEquals("0x0806", packets.get(1).get("inner_type"));
        assertEquals("192.168.202.1", packets.get(1).get("outer_src"));
        assertEquals("0x0800", packets.get(0).get("inner_type"));
    }

    @Test
    void withoutTheExtraPortThe8472CaptureIsNotTunnelTraffic() throws Exception {
        String file = Prerequisites.capture("tcpdump/vxlan_port_8472.pcap").toString();
        List<Map<String, Object>> plain =
                CommandRun.vtep4j("pcap", "--json", file).json();
        assertTrue(plain.stream().allMatch(p -> "not-tunnel".equals(p.get("verdict")) && p.get("encap") == null));
        List<Map<String, Object>> withPort = CommandRun.vtep4j("pcap", "--json", "--vxlan-port", "8472", file)
                .json();
        assertTrue(withPort.stream().allMatch(p -> "ok".equals(p.get("verdict")) && "vxlan".equals(p.get("encap"))));
    }

    @Test
    void textModePrintsOneLinePerPacket() {
        CommandRun run = CommandRun.vtep4j(
                "pcap",
                Prerequisites.capture("peers/ovs-nvgre-vsid123456-flow01.pcap").toString());
        assertEquals(0, run.exitCode);
        assertEquals(5, run.lines.size());
        assertEquals(
                "    1  10.97.0.1 > 10.97.0.2  nvgre vsid 1193046 (0x123456) flow 0x01  "
                        + "aa:75:18:a0:5a:47 > 33:33:00:00:00:16 type 0x86dd  ok",
                run.lines.get(0));
    }

    @Test
    void missingFileExitsTwoWithOneLine(@TempDir Path dir) {
        CommandRun run = CommandRun.vtep4j("pcap", dir.resolve("nope.pcap").toString());
        assertEquals(2, run.exitCode);
        assertTrue(run.lines.isEmpty());
        assertEquals("vtep4j pcap: cannot read " + dir.resolve("nope.pcap") + ": no such file\n", run.err);
    }

    @Test
    void aDirectoryIsNotReadableAsACapture(@TempDir Path dir) {
        CommandRun run = CommandRun.vtep4j("pcap", dir.toString());
        assertEquals(2, run.exitCode);
        assertEquals("vtep4j pcap: cannot read " + dir + ": not a readable regular file\n", run.err);
    }

    @Test
    void aFileThatIsNotACaptureExitsTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path text = Files.writeString(dir.resolve("notes.pcap"), "this is not a capture\n");
        CommandRun run = CommandRun.vtep4j("pcap", "--json", text.toString());
        assertEquals(2, run.exitCode);
        assertTrue(run.lines.isEmpty());
        assertTrue(run.err.startsWith("vtep4j pcap: " + text + " is not a pcap or pcapng capture (libpcap: "), run.err);
        assertEquals(1, run.err.lines().count());
    }

    @Test
    void anUnsupportedLinkTypeExitsTwoWithOneLine(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("user0.pcap");
        ByteBuf packet = ByteBufAllocator.DEFAULT.buffer().writeZero(60);
        try {
            PcapFiles.write(file, 147, List.of(packet)); // LINKTYPE_USER0
        } finally {
            packet.release();
        }
        CommandRun run = CommandRun.vtep4j("pcap", file.toString());
        assertEquals(2, run.exitCode);
        assertTrue(run.err.startsWith("vtep4j pcap: " + file + ": unsupported link type 147"), run.err);
        assertEquals(1, run.err.lines().count());
    }

    @Test
    void aBadPortIsAUsageError() {
        CommandRun run = CommandRun.vtep4j("pcap", "--vxlan-port", "70000", "x.pcap");
        assertEquals(2, run.exitCode);
        assertEquals("vtep4j pcap: --vxlan-port 70000 (expected: 1..65535)\n", run.err);
    }

    @Test
    void readsPcapngAsWellAsPcap(@TempDir Path dir) throws Exception {
        Path ng = dir.resolve("vxlan.pcapng");
        Process editcap = new ProcessBuilder(
                        "editcap",
                        "-F",
                        "pcapng",
                        Prerequisites.capture("tcpdump/vxlan.pcap").toString(),
                        ng.toString())
                .redirectErrorStream(true)
                .start();
        editcap.getInputStream().readAllBytes();
        if (!editcap.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || editcap.exitValue() != 0) {
            Prerequisites.tshark(); // editcap ships with tshark: report the same missing prerequisite
        }
        assertEquals(
                0x0A0D0D0A,
                java.nio.ByteBuffer.wrap(Files.readAllBytes(ng), 0, 4).getInt(),
                "pcapng magic");
        CommandRun run = CommandRun.vtep4j("pcap", "--json", ng.toString());
        assertEquals(0, run.exitCode, run.err);
        assertEquals(
                CommandRun.vtep4j(
                                "pcap",
                                "--json",
                                Prerequisites.capture("tcpdump/vxlan.pcap").toString())
                        .lines,
                run.lines);
    }
}
