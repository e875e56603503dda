package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import io.vtep4j.interop.OvsPeer;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end, as root: {@code vtep4j gateway --encap nvgre} (raw IP protocol 47) between Open vSwitch as the 802.1Q
 * access switch and a second Open vSwitch whose {@code type=gre} port is the NVGRE peer.
 *
 * <pre>
 *  h1 10.10.0.1 --[tag=100]--+                                  NVGRE VSID 0x012345
 *                            OVS br-vlan --[trunk]-- gateway ======================== OVS o1: br-int 10.10.0.2
 *  h2 10.10.0.3 --[tag=200]--+                       10.99.0.1   (VLAN 200 = VSID 0x012346: OVS admits only 0x012345)
 * </pre>
 * OVS o1 receives with {@code in_key=flow} and one OpenFlow rule admitting VSID 0x012345 whatever the FlowID (RFC
 * 7637 §3.2: the FlowID is per-flow entropy), and sends VSID 0x012345 with FlowID 0x01.
 */
class GatewayNvgreIT {
    private static final int VSID_100 = 0x012345;
    private static final int VSID_200 = 0x012346;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(
                "ip",
                "ethtool",
                "ping",
                "ovs-vsctl",
                "ovs-ofctl",
                "ovsdb-server",
                "ovs-vswitchd",
                "ovsdb-tool",
                "kill");
    }

    @Test
    void vlanBridgesToAnOpenVswitchNvgrePeerAndTheOtherVsidDoesNotCross() throws Exception {
        try (Lab lab = new Lab("gwnvgre")) {
            Namespace o1 = lab.namespace("o1");
            lab.veth(Namespace.SELF, "gw-u", "10.99.0.1/24", o1, "u0", null);

            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    OvsPeer gre = OvsPeer.start(o1)) {
                Namespace h1 = access.h1();
                Namespace h2 = access.h2();
                gre.underlay("u0", "10.99.0.3/24")
                        .tunnel("tun0", "gre", "10.99.0.1", "in_key=flow", "out_key=0x01234501")
                        .overlayAddress("10.10.0.2/24");
                gre.ofctl(
                        "add-flow",
                        OvsPeer.BR_INT,
                        "priority=100,in_port=tun0,tun_id=0x01234500/0xffffff00," + "actions=NORMAL");
                gre.ofctl("add-flow", OvsPeer.BR_INT, "priority=90,in_port=tun0,actions=drop");
                // Safety rule: the gateway's underlay traffic stays on our own link.
                Namespace.SELF.assertRoute("10.99.0.3", "gw-u");
                o1.assertRoute("10.99.0.1", OvsPeer.BR_PHY);

                try (GatewayProcess gw = GatewayProcess.start(List.of(
                        "--encap",
                        "nvgre",
                        "--local",
                        "10.99.0.1",
                        "--port",
                        "gw-trunk",
                        "--vlan",
                        "100:" + VSID_100,
                        "--vlan",
                        "200:" + VSID_200,
                        "--flood",
                        VSID_100 + "=10.99.0.3",
                        "--flood",
                        VSID_200 + "=10.99.0.3"))) {
                    assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);

                    E2e.assertPing(h1, "10.10.0.2", gw, gre); // VLAN 100 -> VSID 0x012345 -> OVS
                    E2e.assertPing(o1, "10.10.0.1", gw, gre); // and back
                    assertFalse(h2.ping("10.10.0.2", 2).ok(), "VLAN 200 (VSID 0x012346) reached VSID 0x012345");
                    String flows = gre.ofctl("dump-flows", OvsPeer.BR_INT);
                    assertTrue(
                            flows.matches("(?s).*n_packets=[1-9][0-9]*,.*tun_id=0x1234500/0xffffff00.*")
                                    || flows.matches("(?s).*n_packets=[1-9][0-9]*,.*tun_id=0x01234500/0xffffff00.*"),
                            () -> "OVS never matched VSID 0x012345: " + flows);

                    gw.signal("TERM");
                    assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                    assertTrue(gw.stdout().contains("summary after"), gw::describe);
                    System.out.println(gw.describe());
                }
            }
        }
    }
}
