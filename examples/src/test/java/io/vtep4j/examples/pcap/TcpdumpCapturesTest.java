package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The tcpdump project's captures, decoded by vtep4j and compared with tcpdump's own reference decode. */
class TcpdumpCapturesTest {

    @Test
    void vxlanCaptureMatchesTcpdumpPacketByPacket() throws Exception {
        assertMatchesTcpdump("tcpdump/vxlan", 10);
    }

    @Test
    void port8472CaptureMatchesTcpdumpWhenThePortIsConfigured() throws Exception {
        assertMatchesTcpdump("tcpdump/vxlan_port_8472", 10, "--vxlan-port", "8472");
    }

    @Test
    void gsoCaptureMatchesTcpdump() throws Exception {
        assertMatchesTcpdump("tcpdump/gso-ipv4-vxlan-ipv4", 1);
    }

    @Test
    void greThatIsNotNvgreIsRecognisedAsSuch() throws Exception {
        List<Integer> gre =
                TcpdumpReference.packetsContaining(Prerequisites.capture("tcpdump/various_gre.out"), "GREv0");
        assertFalse(gre.isEmpty());
        List<Map<String, Object>> packets = run("tcpdump/various_gre");
        for (Map<String, Object> p : packets) {
            int n = ((Long) p.get("n")).intValue();
            if (gre.contains(n)) {
                assertEquals("nvgre", p.get("encap"), "packet " + n + " went to the GRE decoder");
                assertEquals("drop", p.get("verdict"), "packet " + n + " is GRE but not NVGRE");
                assertEquals("gre-protocol-not-teb", p.get("reason"), "packet " + n);
                assertEquals(null, p.get("vni"), "no VSID is claimed for GRE that is not NVGRE");
            } else {
                assertEquals("not-tunnel", p.get("verdict"), "packet " + n);
            }
        }
        assertEquals(
                gre,
                packets.stream()
                        .filter(p -> "nvgre".equals(p.get("encap")))
                        .map(p -> ((Long) p.get("n")).intValue())
                        .collect(Collectors.toList()));
    }

    @Test
    void greHeapOverflowCapturesAreReadWithoutACrash() throws Exception {
        for (String name : List.of("tcpdump/gre-heapoverflow-1", "tcpdump/gre-heapoverflow-2")) {
            CommandRun run = CommandRun.vtep4j(
                    "pcap", "--json", Prerequisites.capture(name + ".pcap").toString());
            assertEquals(0, run.exitCode, name + ": " + run.err);
            List<Map<String, Object>> packets = run.json();
            assertEquals(2, packets.size(), name);
            assertEquals("not-tunnel", packets.get(0).get("verdict"), name + ": EtherType 0x3030");
            // tcpdump: "IP [version 0 != 4] (invalid)" and "bad cksum 3030 (->697f)!": never a tunnel packet.
            assertEquals("drop", packets.get(1).get("verdict"), name);
            assertEquals("outer-ipv4-malformed", packets.get(1).get("reason"), name);
            assertEquals(null, packets.get(1).get("encap"), name);
        }
    }

    private static void assertMatchesTcpdump(String name, int expected, String... options) throws Exception {
        List<TcpdumpReference.Packet> reference = TcpdumpReference.vxlan(Prerequisites.capture(name + ".out"));
        List<Map<String, Object>> ours = run(name, options);
        assertEquals(expected, reference.size(), "tcpdump's VXLAN packets in " + name + ".out");
        assertEquals(expected, ours.size());
        for (TcpdumpReference.Packet want : reference) {
            Map<String, Object> got = ours.get(want.n - 1);
            String where = name + " packet " + want.n;
            assertEquals((long) want.n, got.get("n"), where);
            assertEquals("vxlan", got.get("encap"), where);
            assertEquals("ok", got.get("verdict"), where);
            assertEquals((long) want.vni, got.get("vni"), where);
            assertEquals(want.outerSrc, got.get("outer_src"), where);
            assertEquals((long) want.outerSrcPort, got.get("outer_src_port"), where);
            assertEquals(want.outerDst, got.get("outer_dst"), where);
            assertEquals((long) want.outerDstPort, got.get("outer_dst_port"), where);
            assertTrue(want.innerType != null, where + ": tcpdump printed the inner layer");
            assertEquals(want.innerType, got.get("inner_type"), where);
            if (want.innerSrc != null) {
                assertEquals(want.innerSrc, got.get("inner_src"), where);
                assertEquals(want.innerDst, got.get("inner_dst"), where);
            }
        }
    }

    private static List<Map<String, Object>> run(String name, String... options) throws Exception {
        String[] args = new String[options.length + 3];
        args[0] = "pcap";
        args[1] = "--json";
        System.arraycopy(options, 0, args, 2, options.length);
        args[args.length - 1] = Prerequisites.capture(name + ".pcap").toString();
        CommandRun run = CommandRun.vtep4j(args);
        assertEquals(0, run.exitCode, run.err);
        return run.json();
    }
}
