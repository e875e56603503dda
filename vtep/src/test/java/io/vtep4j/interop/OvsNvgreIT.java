package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.learning.Encapsulation;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j's NVGRE (raw IP protocol 47) against Open vSwitch's userspace GRE port: a host behind vtep4j (PcapPort on
 * a veth) and OVS's own {@code br-int} address ping each other both ways over VSID 0x123456; tshark, independent of
 * both, checks every GRE key on the wire.
 *
 * <p>OVS side: {@code type=gre options:remote_ip=US options:in_key=flow options:out_key=0x12345601} and an OpenFlow
 * rule admitting only VSID 0x123456 from the tunnel ({@code tun_id=0x12345600/0xffffff00}). OVS therefore sends
 * VSID 0x123456 with FlowID 0x01 as configured, and accepts vtep4j's per-flow FlowIDs (RFC 7637 §3.2: the FlowID
 * carries per-flow entropy) only under that VSID; the rule's packet counter proves OVS matched the VSID.
 */
class OvsNvgreIT {

    private static final int VSID = 0x123456;
    private static final int OVS_FLOW_ID = 0x01;
    private static final String OUR_HOST_MAC = "02:00:00:00:02:01";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "ping", "tcpdump", "tshark", "ovsdb-server", "ovs-vswitchd",
                "ovs-vsctl", "ovs-ofctl", "ovs-appctl", "ovsdb-tool");
    }

    @Test
    void pingsOvsBothWaysWithTheVsidAndFlowIdOnTheWire() throws Exception {
        try (Lab lab = new Lab("ovsgre")) {
            Namespace o1 = lab.namespace("o1");
            lab.veth(Namespace.SELF, "u-o1", "10.99.2.1/24", o1, "u0", null); // tx offload off on both ends
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.2.1/24", OUR_HOST_MAC, "pc-h1");
            try (OvsPeer ovs = OvsPeer.start(o1)) {
                ovs.underlay("u0", "10.99.2.3/24")
                        .tunnel("gre0", "gre", "10.99.2.1", "in_key=flow", "out_key=0x12345601")
                        .overlayAddress("10.50.2.3/24");
                ovs.ofctl("add-flow", OvsPeer.BR_INT, "priority=100,in_port=gre0,tun_id=0x12345600/0xffffff00,"
                        + "actions=NORMAL");
                ovs.ofctl("add-flow", OvsPeer.BR_INT, "priority=90,in_port=gre0,actions=drop");
                // Safety rule: every sender's route stays on the test's own links.
                Namespace.SELF.assertRoute("10.99.2.3", "u-o1");
                h1.assertRoute("10.50.2.3", "eth0");
                o1.assertRoute("10.50.2.1", OvsPeer.BR_INT);
                o1.assertRoute("10.99.2.1", OvsPeer.BR_PHY);

                OvsWire wire = OvsWire.start(Namespace.SELF, "u-o1", "ip", "proto", "47");
                try (Vtep vtep = Vtep.builder().localAddress("10.99.2.1").encapsulation(Encapsulation.NVGRE).build();
                        PcapPort port = PcapPort.open(vtep.segment(VSID).floodTo("10.99.2.3"), "pc-h1")) {
                    Supplier<String> state = () -> vtep.stats() + "\n" + port + "\nOVS flows:\n"
                            + ovs.ofctl("dump-flows", OvsPeer.BR_INT) + "\nOVS log:\n" + ovs.logTail();
                    // OVS resolves its tunnel next hop on the first packets: allow a few bounded rounds.
                    Await.until(Duration.ofSeconds(30), () -> h1.ping("10.50.2.3", 2).ok(), state);
                    Cmd.Result there = h1.ping("10.50.2.3", 3);
                    assertTrue(there.ok(), () -> there.describe() + "\n" + state.get());
                    Cmd.Result back = o1.ping("10.50.2.1", 3);
                    assertTrue(back.ok(), () -> back.describe() + "\n" + state.get());

                    Location ovsHost = vtep.forwardingTable().lookup(VSID, MacAddress.parse(o1.macOf("br-int")));
                    assertNotNull(ovsHost, () -> "br-int's MAC not learned: " + vtep.forwardingTable().entries());
                    assertEquals(InetAddress.getByName("10.99.2.3"), ovsHost.address());
                    String flows = ovs.ofctl("dump-flows", OvsPeer.BR_INT);
                    assertTrue(flows.matches("(?s).*n_packets=[1-9][0-9]*,.*tun_id=0x12345600/0xffffff00.*"),
                            () -> "OVS never matched VSID 0x123456: " + flows);
                } finally {
                    wire.close();
                }
                try {
                    assertKeysOnTheWire(wire);
                } finally {
                    wire.delete();
                }
            }
        }
    }

    /** Every GRE packet on the wire carries VSID 0x123456; OVS's carry FlowID 0x01; both directions appear. */
    private static void assertKeysOnTheWire(OvsWire wire) {
        List<String[]> rows = wire.fields("gre", "ip.src", "ip.dst", "gre.key", "gre.proto", "ip.flags.df");
        int fromOvs = 0;
        int fromUs = 0;
        for (String[] row : rows) {
            long key = Long.decode(row[2]);
            assertEquals(VSID, key >>> 8, () -> "VSID of " + String.join(" ", row));
            assertEquals("0x6558", row[3].toLowerCase(java.util.Locale.ROOT), "GRE protocol TEB");
            if (row[0].equals("10.99.2.3")) {
                assertEquals(OVS_FLOW_ID, key & 0xFF, () -> "OVS FlowID in " + String.join(" ", row));
                fromOvs++;
            } else {
                assertEquals("10.99.2.1", row[0]);
                assertTrue(row[4].equals("1") || row[4].equalsIgnoreCase("true"), "DF set by vtep4j");
                fromUs++;
            }
        }
        assertTrue(fromOvs >= 3 && fromUs >= 3, "GRE packets from OVS: " + fromOvs + ", from vtep4j: " + fromUs);
        assertFalse(rows.isEmpty());
    }
}
