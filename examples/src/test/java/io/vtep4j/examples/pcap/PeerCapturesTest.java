package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Captures made by the Linux kernel and Open vSwitch decode to exactly what tshark reports, packet by packet. */
class PeerCapturesTest {
    /** The tshark fields {@link #assertPacket} reads, in this order; other tests append theirs behind them. */
    static final String[] FIELDS = {
        "frame.number",
        "vxlan.vni",
        "gre.key",
        "gre.proto",
        "eth.src",
        "eth.dst",
        "eth.type",
        "ip.src",
        "ip.dst",
        "udp.srcport",
        "udp.dstport"
    };

    @Test
    void kernelVxlanCaptureMatchesTshark() throws Exception {
        assertMatchesTshark(Prerequisites.capture("peers/kernel-vxlan-vni5000.pcap"), 19);
    }

    @Test
    void ovsNvgreCaptureMatchesTshark() throws Exception {
        assertMatchesTshark(Prerequisites.capture("peers/ovs-nvgre-vsid123456-flow01.pcap"), 5);
    }

    static void assertMatchesTshark(Path file, int expectedPackets) throws Exception {
        List<String[]> tshark = Tshark.fields(file, List.of(), FIELDS);
        CommandRun run = CommandRun.vtep4j("pcap", "--json", file.toString());
        assertEquals(0, run.exitCode, run.err);
        List<Map<String, Object>> ours = run.json();
        assertEquals(expectedPackets, tshark.size());
        assertEquals(tshark.size(), ours.size());
        for (int i = 0; i < ours.size(); i++) {
            assertPacket(file.getFileName() + " packet " + (i + 1), tshark.get(i), ours.get(i));
        }
    }

    /** One packet: tshark's row (fields as {@link #FIELDS}) against our JSON object. */
    static void assertPacket(String where, String[] t, Map<String, Object> got) {
        assertEquals(Long.parseLong(t[0]), got.get("n"), where);
        String vni = t[1];
        String key = Tshark.last(t[2]);
        if (vni.isEmpty() && key.isEmpty()) {
            assertEquals("not-tunnel", got.get("verdict"), where + ": tshark sees no tunnel");
            return;
        }
        assertEquals("ok", got.get("verdict"), where);
        assertEquals(Tshark.last(t[5]), got.get("inner_dst"), where);
        assertEquals(Tshark.last(t[4]), got.get("inner_src"), where);
        assertEquals(Tshark.last(t[6]), got.get("inner_type"), where);
        assertEquals(t[7].split(",")[0], got.get("outer_src"), where);
        assertEquals(t[8].split(",")[0], got.get("outer_dst"), where);
        if (!vni.isEmpty()) {
            assertEquals("vxlan", got.get("encap"), where);
            assertEquals(Long.parseLong(vni), got.get("vni"), where);
            assertEquals(null, got.get("flow_id"), where);
            assertEquals(Long.parseLong(t[9].split(",")[0]), got.get("outer_src_port"), where);
            assertEquals(Long.parseLong(t[10].split(",")[0]), got.get("outer_dst_port"), where);
        } else {
            assertEquals("0x6558", Tshark.last(t[3]), where + ": NVGRE carries Transparent Ethernet Bridging");
            long gre = Long.decode(key);
            assertEquals(got.get("outer_dst_port") == null ? "nvgre" : "gre-udp", got.get("encap"), where);
            assertEquals(gre >>> 8, got.get("vni"), where + ": VSID = key >> 8");
            assertEquals(gre & 0xFF, got.get("flow_id"), where + ": FlowID = key & 0xff");
        }
    }
}
