package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.KernelVxlan;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import io.vtep4j.interop.OvsPeer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, as root: {@code vtep4j gateway} (a child JVM in the test JVM's isolated namespace) between Open
 * vSwitch's userspace datapath acting as the 802.1Q access switch and Linux kernel VXLAN peers.
 *
 * <pre>
 *  h1 10.10.0.1 --[access tag=100]--+                                  +-- k1: vxlan 10100, 10.10.0.2 (10.99.0.2)
 *                                   OVS br-vlan --[trunk]-- gateway --fabric
 *  h2 10.10.0.3 --[access tag=200]--+          gw-trunk    10.99.0.1   +-- k2: vxlan 10200, 10.10.0.4 (10.99.0.3)
 * </pre>
 * Both pairs share one IP subnet on purpose: any leak between VLAN 100/VNI 10100 and VLAN 200/VNI 10200 would
 * answer a ping that must fail.
 */
class GatewayVlanIT {
    private static final Duration START = E2e.START;
    private static final Duration STOP = E2e.STOP;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(
                "ip",
                "ethtool",
                "ping",
                "bridge",
                "ovs-vsctl",
                "ovsdb-server",
                "ovs-vswitchd",
                "ovsdb-tool",
                "tshark",
                "kill");
    }

    @Test
    void vlansBridgeToTheirVnisAndNothingCrosses(@TempDir Path tmp) throws Exception {
        Path pcap = tmp.resolve("underlay.pcap");
        try (Lab lab = new Lab("gwvlan")) {
            Namespace k1 = lab.namespace("k1");
            Namespace k2 = lab.namespace("k2");
            Lab.Fabric fabric = lab.fabric();
            fabric.attach(Namespace.SELF, "gw-u", "10.99.0.1/24");
            fabric.attach(k1, "k1-u", "10.99.0.2/24");
            fabric.attach(k2, "k2-u", "10.99.0.3/24");
            KernelVxlan vx1 = KernelVxlan.in(k1, "vx0")
                    .vni(10100)
                    .dstPort(4789)
                    .local("10.99.0.2")
                    .remote("10.99.0.1")
                    .overlay("10.10.0.2/24")
                    .create();
            KernelVxlan vx2 = KernelVxlan.in(k2, "vx0")
                    .vni(10200)
                    .dstPort(4789)
                    .local("10.99.0.3")
                    .remote("10.99.0.1")
                    .overlay("10.10.0.4/24")
                    .create();
            // Safety rule: the gateway's underlay traffic can only go to our own fabric.
            Namespace.SELF.assertRoute("10.99.0.2", "gw-u").assertRoute("10.99.0.3", "gw-u");

            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab)) {
                Namespace h1 = access.h1();
                Namespace h2 = access.h2();
                OvsPeer ovs = access.ovs();
                try (GatewayProcess gw = GatewayProcess.start(List.of(
                        "--local",
                        "10.99.0.1",
                        "--port",
                        "gw-trunk",
                        "--vlan",
                        "100:10100",
                        "--vlan",
                        "200:10200",
                        "--flood",
                        "10100=10.99.0.2",
                        "--flood",
                        "10200=10.99.0.3",
                        "--stats-interval",
                        "1s",
                        "--pcap-out",
                        pcap.toString()))) {
                    assertTrue(gw.awaitOutput("running", START), gw::describe);

                    E2e.assertPing(h1, "10.10.0.2", gw, ovs); // VLAN 100 -> VNI 10100
                    E2e.assertPing(h2, "10.10.0.4", gw, ovs); // VLAN 200 -> VNI 10200
                    E2e.assertPing(k1, "10.10.0.1", gw, ovs); // VNI 10100 -> VLAN 100
                    E2e.assertPing(k2, "10.10.0.3", gw, ovs); // VNI 10200 -> VLAN 200

                    // isolation: same subnet, other pair - no answer, and the kernel peers never heard the
                    // other VLAN's host
                    assertFalse(h1.ping("10.10.0.4", 2).ok(), "VLAN 100 reached VNI 10200");
                    assertFalse(h2.ping("10.10.0.2", 2).ok(), "VLAN 200 reached VNI 10100");
                    String h1Mac = h1.macOf("h1-eth");
                    String h2Mac = h2.macOf("h2-eth");
                    assertTrue(vx1.learned(h1Mac, "10.99.0.1"), vx1.fdb());
                    assertTrue(vx2.learned(h2Mac, "10.99.0.1"), vx2.fdb());
                    assertFalse(vx1.fdb().contains(h2Mac), "k1 (VNI 10100) learned VLAN 200's host: " + vx1.fdb());
                    assertFalse(vx2.fdb().contains(h1Mac), "k2 (VNI 10200) learned VLAN 100's host: " + vx2.fdb());

                    // VLAN 300 is on the trunk but mapped to nothing: its frames are dropped and counted
                    assertFalse(access.h3().ping("10.10.0.2", 2).ok(), "unmapped VLAN 300 reached a VNI");
                    assertTrue(gw.awaitOutput("unmapped-vlan", START), gw::describe);

                    // operations: forwarding table on SIGUSR2, periodic status, graceful SIGTERM
                    gw.signal("USR2");
                    assertTrue(gw.awaitOutput("forwarding table:", START), gw::describe);
                    assertTrue(
                            fdbRow(gw.stdout(), h1Mac).matches("\\s*100\\s+10100\\s+.*trunk \\(vlan100\\).*"),
                            gw::describe);
                    assertTrue(fdbRow(gw.stdout(), vx2.macAddress()).contains("dst 10.99.0.3"), gw::describe);
                    assertTrue(gw.awaitOutput("| MACs ", START), gw::describe);

                    gw.signal("TERM");
                    assertEquals(0, gw.awaitExit(STOP), gw::describe);
                    assertTrue(gw.stdout().contains("summary after"), gw::describe);
                    assertFalse(gw.stderr().contains("Exception"), gw::describe);
                    System.out.println(gw.describe());
                }
            }
            // --pcap-out, read back by an independent decoder
            Cmd.Result tshark =
                    Cmd.run(Duration.ofSeconds(60), "tshark", "-r", pcap.toString(), "-T", "fields", "-e", "vxlan.vni");
            assertTrue(tshark.ok(), tshark::describe);
            Set<String> vnis = new TreeSet<>(
                    tshark.stdout().lines().filter(l -> !l.isBlank()).toList());
            assertEquals(Set.of("10100", "10200"), vnis, tshark::describe);
        }
    }

    @Test
    void anUntaggedHostReachesAKernelVxlanPeer() throws Exception {
        try (Lab lab = new Lab("gwuntag")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            Namespace h3 = untagged.h3();
            Namespace k3 = untagged.k3();
            KernelVxlan vx3 = untagged.vx3();

            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs())) {
                assertTrue(gw.awaitOutput("running", START), gw::describe);

                E2e.assertPing(h3, "10.30.0.2", gw, null);
                E2e.assertPing(k3, "10.30.0.1", gw, null);
                assertTrue(vx3.learned(h3.macOf("h3-eth"), "10.99.0.1"), vx3.fdb());

                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(STOP), gw::describe);
                assertTrue(gw.stdout().contains("summary after"), gw::describe);
            }
        }
    }

    @Test
    void floodsThroughAMulticastGroupToKernelPeers() throws Exception {
        try (Lab lab = new Lab("gwmcast")) {
            Namespace h3 = lab.namespace("h3");
            lab.veth(h3, "h3-eth", "10.30.0.1/24", Namespace.SELF, "gw-edge", null);
            Namespace k3 = lab.namespace("k3");
            Namespace k4 = lab.namespace("k4");
            Lab.Fabric fabric = lab.fabric();
            fabric.attach(Namespace.SELF, "gw-u", "10.99.0.1/24");
            fabric.attach(k3, "k3-u", "10.99.0.2/24");
            fabric.attach(k4, "k4-u", "10.99.0.3/24");
            KernelVxlan.in(k3, "vx0")
                    .vni(10300)
                    .dstPort(4789)
                    .local("10.99.0.2")
                    .group("239.1.1.30", "k3-u")
                    .overlay("10.30.0.2/24")
                    .create();
            KernelVxlan.in(k4, "vx0")
                    .vni(10300)
                    .dstPort(4789)
                    .local("10.99.0.3")
                    .group("239.1.1.30", "k4-u")
                    .overlay("10.30.0.3/24")
                    .create();
            // Safety rule: the group is only reachable through our own fabric.
            Namespace.SELF.ok("ip", "route", "add", "239.1.1.30/32", "dev", "gw-u");
            Namespace.SELF.assertRoute("239.1.1.30", "gw-u").assertRoute("10.99.0.2", "gw-u");

            // no --flood list: broadcasts reach the kernel VTEPs only through the group
            try (GatewayProcess gw = GatewayProcess.start(List.of(
                    "--local",
                    "10.99.0.1",
                    "--port",
                    "gw-edge",
                    "--untagged",
                    "10300",
                    "--group",
                    "10300=239.1.1.30",
                    "--group-dev",
                    "gw-u"))) {
                assertTrue(gw.awaitOutput("running", START), gw::describe);

                E2e.assertPing(h3, "10.30.0.2", gw, null);
                E2e.assertPing(h3, "10.30.0.3", gw, null);

                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(STOP), gw::describe);
            }
        }
    }

    @Test
    void withoutCapNetRawTheGatewaySaysSoAndExitsTwo() throws Exception {
        try (Lab lab = new Lab("gwperm")) {
            Namespace h = lab.namespace("h");
            lab.veth(h, "h-eth", "10.30.0.1/24", Namespace.SELF, "gw-noperm", null);
            List<String> argv = new ArrayList<>(List.of(
                    "setpriv",
                    "--bounding-set",
                    "-net_raw,-net_admin",
                    "--inh-caps",
                    "-net_raw,-net_admin",
                    "--",
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    System.getProperty("java.class.path"),
                    io.vtep4j.examples.Main.class.getName(),
                    "gateway",
                    "--local",
                    "127.0.0.1",
                    "--port",
                    "gw-noperm",
                    "--untagged",
                    "10300",
                    "--dst-port",
                    "47891"));
            Cmd.Result result = Cmd.run(Duration.ofSeconds(60), argv.toArray(String[]::new));

            assertEquals(GatewayCommand.EXIT_CONFIG, result.exitCode(), result::describe);
            assertEquals(1, result.stderr().strip().lines().count(), result::describe);
            assertTrue(
                    result.stderr().contains("--port gw-noperm: ")
                            && result.stderr().contains("CAP_NET_RAW"),
                    result::describe);
            assertEquals("", result.stdout(), result::describe);
        }
    }

    /** The gateway's fdb row for {@code mac}, or "" if it printed none. */
    private static String fdbRow(String stdout, String mac) {
        return stdout.lines()
                .filter(l -> l.contains(mac.toLowerCase()))
                .reduce((a, b) -> b)
                .orElse("");
    }
}
