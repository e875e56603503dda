package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --decap-offload} end to end, between the kernel's vxlan driver and an OVS access switch on VLAN 100: the
 * program is attached to the underlay while the gateway runs and gone after; pings cross both ways; once the
 * kernel peer's MAC is learned, its packets are decapsulated in the kernel (the summary counts them) and arrive on
 * the access port with the right tag (OVS delivers them to VLAN 100's host only with it); the metrics count them.
 */
class GatewayDecapOffloadIT {
    /** A line of the metrics scrape: the sample of counter {@code name}, in group 1. */
    private static Pattern metric(String name) {
        return Pattern.compile("(?m)^" + name + " (\\S+)$");
    }

    private static final Pattern XDP = Pattern.compile("\\sxdp(generic|drv|offload|multi)?[\\s/]|prog/xdp");
    private static final Pattern OFFLOADED = Pattern.compile("decap offload (\\d+) frames (\\d+) bytes");

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping", "ovs-vsctl", "ovsdb-server", "ovs-vswitchd", "ovsdb-tool");
    }

    /** The gateway between the kernel peer on VNI 10100 and the access switch's VLAN 100, with {@code more}. */
    private static List<String> gatewayArgs(String... more) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "--local", "10.99.0.1", "--port", "gw-trunk", "--vlan", "100:10100", "--flood", "10100=10.99.0.2"));
        args.addAll(List.of(more));
        return args;
    }

    private static boolean xdpAttached(String device) {
        return XDP.matcher(Namespace.SELF.ok("ip", "link", "show", "dev", device))
                .find();
    }

    @Test
    void theKernelDecapsulatesLearnedSourcesAndPingsCrossBothWays() throws Exception {
        try (Lab lab = new Lab("gwdecap")) {
            Namespace k1 = E2e.kernelPeerOnVni10100(lab);
            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    GatewayProcess gw =
                            GatewayProcess.start(gatewayArgs("--decap-offload", "--metrics-port", "9464"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(
                        gw.stdout()
                                .contains("decap offload: VXLAN to 10.99.0.1:4789 on gw-u decapsulated in generic XDP, "
                                        + "to gw-trunk (VNI 10100 -> VLAN 100)"),
                        gw::describe);
                assertTrue(xdpAttached("gw-u"), gw::describe);
                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs()); // VLAN 100 -> VNI 10100 and back
                E2e.assertPing(k1, "10.10.0.1", gw, access.ovs()); // VNI 10100 -> VLAN 100 and back
                String scrape = AdversaryLab.scrape(
                        HttpClient.newBuilder()
                                .connectTimeout(Duration.ofSeconds(5))
                                .build(),
                        9464);
                Matcher metric = DECAP_FRAMES.matcher(scrape);
                assertTrue(metric.find(), scrape);
                assertTrue(Double.parseDouble(metric.group(1)) >= 5, scrape);
                for (String upkeep : new String[] {
                    "vtep4j_offload_relearned_total",
                    "vtep4j_offload_maps_refills_total",
                    "vtep4j_offload_maps_failures_total"
                }) {
                    // nothing aged, overflowed or failed in this short run: present, and zero
                    Matcher m = metric(upkeep).matcher(scrape);
                    assertTrue(m.find(), upkeep + "\n" + scrape);
                    assertEquals(0.0, Double.parseDouble(m.group(1)), upkeep);
                }
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                Matcher totals = OFFLOADED.matcher(gw.stdout());
                assertTrue(totals.find(), gw::describe);
                long frames = Long.parseLong(totals.group(1));
                // each ping run sends 5 echo requests or replies from k1 after the first exchange taught its MAC
                assertTrue(frames >= 5, "frames decapsulated in the kernel: " + frames + "\n" + gw.describe());
                // 98-byte ICMP frames from k1 plus their 4-byte tag
                assertEquals(frames * (98 + 4), Long.parseLong(totals.group(2)), gw::describe);
                assertFalse(gw.stderr().contains("Exception"), gw::describe);
            }
            assertFalse(xdpAttached("gw-u"), "the program outlived the gateway");
        }
    }

    /**
     * Both directions in the kernel ({@code --decap-offload --encap-offload}): pings cross both ways; once both MACs
     * are learned and the kernel has resolved the peer, the echo requests and replies are encapsulated on the trunk
     * and decapsulated on the underlay by the programs (the summary counts both), and the kernel peer answers the
     * packets the trunk's program built (so their headers are right); both programs are gone after the gateway stops.
     */
    @Test
    void bothDirectionsInTheKernelCarryPingsBothWays() throws Exception {
        try (Lab lab = new Lab("gwoffload")) {
            Namespace k1 = E2e.kernelPeerOnVni10100(lab);
            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    GatewayProcess gw = GatewayProcess.start(gatewayArgs("--decap-offload", "--encap-offload"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(
                        gw.stdout()
                                .contains("encap offload: frames on gw-trunk encapsulated in generic XDP, to gw-u from "
                                        + "10.99.0.1 port 4789 (VLAN 100 -> 10100; frames up to 1468 bytes tagged)"),
                        gw::describe);
                assertTrue(xdpAttached("gw-trunk"), gw::describe);
                assertTrue(xdpAttached("gw-u"), gw::describe);
                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs());
                E2e.assertPing(k1, "10.10.0.1", gw, access.ovs());
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                Matcher encap = Pattern.compile("encap offload (\\d+) frames (\\d+) bytes")
                        .matcher(gw.stdout());
                assertTrue(encap.find(), gw::describe);
                long frames = Long.parseLong(encap.group(1));
                assertTrue(frames >= 5, "frames encapsulated in the kernel: " + frames + "\n" + gw.describe());
                // 98-byte ICMP frames from h1 in 50 bytes of VXLAN over IPv4
                assertEquals(frames * (98 + 50), Long.parseLong(encap.group(2)), gw::describe);
                Matcher decap = OFFLOADED.matcher(gw.stdout());
                assertTrue(decap.find() && Long.parseLong(decap.group(1)) >= 5, gw::describe);
                assertFalse(gw.stderr().contains("Exception"), gw::describe);
            }
            assertFalse(xdpAttached("gw-trunk"), "the trunk's program outlived the gateway");
            assertFalse(xdpAttached("gw-u"), "the underlay's program outlived the gateway");
        }
    }

    private static final Pattern ENCAP_FRAMES = metric("vtep4j_encap_offload_frames_total");
    private static final Pattern REATTACHED = metric("vtep4j_encap_offload_reattached_total");

    /**
     * The trunk interface deleted and created again under the running gateway: the kernel detached the trunk's
     * program with the old interface; the gateway reopens its trunk socket and attaches the program to the new one,
     * which encapsulates the pings again (its frame counter moves after the reattachment).
     */
    @Test
    void aRecreatedTrunkGetsTheEncapsulatingProgramAgain() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Lab lab = new Lab("gwreattach")) {
            Namespace k1 = E2e.kernelPeerOnVni10100(lab);
            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    GatewayProcess gw = GatewayProcess.start(
                            gatewayArgs("--decap-offload", "--encap-offload", "--metrics-port", "9465"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs());
                assertEquals(0, AdversaryLab.sample(REATTACHED, AdversaryLab.scrape(http, 9465)));

                Namespace.SELF.ok("ip", "link", "del", "gw-trunk"); // both ends of the veth
                assertTrue(gw.awaitOutput("trunk gw-trunk lost", E2e.START), gw::describe);
                Namespace sw = access.ovs().namespace();
                lab.veth(Namespace.SELF, "gw-trunk", null, sw, "sw-trunk", null);
                // OVS's userspace datapath does not reopen a port whose interface came back: the switch is re-cabled
                // (in two transactions: in one, OVS keeps the port's old device)
                access.ovs().vsctl("del-port", "br-vlan", "sw-trunk");
                access.ovs().vsctl("add-port", "br-vlan", "sw-trunk", "trunks=100,200,300");
                assertTrue(gw.awaitOutput("trunk gw-trunk reopened", E2e.START), gw::describe);
                io.vtep4j.interop.Await.until(
                        Duration.ofSeconds(10),
                        () -> AdversaryLab.sample(REATTACHED, AdversaryLab.scrape(http, 9465)) == 1
                                && xdpAttached("gw-trunk"),
                        gw::describe);
                double before = AdversaryLab.sample(ENCAP_FRAMES, AdversaryLab.scrape(http, 9465));

                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs());
                E2e.assertPing(k1, "10.10.0.1", gw, access.ovs());
                io.vtep4j.interop.Await.until(
                        Duration.ofSeconds(10),
                        () -> AdversaryLab.sample(ENCAP_FRAMES, AdversaryLab.scrape(http, 9465)) >= before + 3,
                        () -> "encapsulated in the kernel since the reattachment: "
                                + (AdversaryLab.sample(ENCAP_FRAMES, AdversaryLab.scrape(http, 9465)) - before) + "\n"
                                + gw.describe());
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                assertTrue(gw.stdout().contains("(program attached again to a recreated trunk 1 times)"), gw::describe);
                assertFalse(gw.stderr().contains("Exception"), gw::describe);
            }
            assertFalse(xdpAttached("gw-trunk"), "the trunk's program outlived the gateway");
        }
    }

    /**
     * Pings both ways (h1 to the kernel peer and back) and waits until both programs' frame counters (metrics on
     * {@code port}) have moved by at least three frames each: the pings crossed in the kernel.
     */
    private static void assertPingsCrossBothPrograms(
            HttpClient http, int port, E2e.AccessSwitch access, Namespace k1, GatewayProcess gw) throws Exception {
        String scrape = AdversaryLab.scrape(http, port);
        double encapBefore = AdversaryLab.sample(ENCAP_FRAMES, scrape);
        double decapBefore = AdversaryLab.sample(DECAP_FRAMES, scrape);
        E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs());
        E2e.assertPing(k1, "10.10.0.1", gw, access.ovs());
        io.vtep4j.interop.Await.until(
                Duration.ofSeconds(10),
                () -> {
                    String s = AdversaryLab.scrape(http, port);
                    return AdversaryLab.sample(ENCAP_FRAMES, s) >= encapBefore + 3
                            && AdversaryLab.sample(DECAP_FRAMES, s) >= decapBefore + 3;
                },
                () -> "in the kernel since the change: encapsulated "
                        + (AdversaryLab.sample(ENCAP_FRAMES, AdversaryLab.scrape(http, port)) - encapBefore)
                        + ", decapsulated "
                        + (AdversaryLab.sample(DECAP_FRAMES, AdversaryLab.scrape(http, port)) - decapBefore)
                        + "\n" + gw.describe());
    }

    private static final Pattern DECAP_REBUILT = metric("vtep4j_decap_offload_rebuilt_total");
    private static final Pattern ENCAP_REBUILT = metric("vtep4j_encap_offload_rebuilt_total");

    /**
     * The trunk's and the underlay's MTU lowered under the running gateway, each interface staying: each program is
     * built again for the MTU it depends on (the trunk's for decapsulation, the underlay's for encapsulation) and
     * takes the old one's place, and both carry the pings again.
     */
    @Test
    void anMtuChangedInPlaceGetsBothProgramsRebuilt() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Lab lab = new Lab("gwmtu")) {
            Lab.Fabric fabric = lab.fabric();
            Namespace k1 = E2e.kernelPeerOnVni10100(lab, fabric);
            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    GatewayProcess gw = GatewayProcess.start(
                            gatewayArgs("--decap-offload", "--encap-offload", "--metrics-port", "9467"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs());
                E2e.assertPing(k1, "10.10.0.1", gw, access.ovs());

                Namespace.SELF.ok("ip", "link", "set", "gw-trunk", "mtu", "1400");
                Namespace.SELF.ok("ip", "link", "set", "gw-u", "mtu", "1450");
                io.vtep4j.interop.Await.until(
                        Duration.ofSeconds(10),
                        () -> {
                            String scrape = AdversaryLab.scrape(http, 9467);
                            return AdversaryLab.sample(DECAP_REBUILT, scrape) == 1
                                    && AdversaryLab.sample(ENCAP_REBUILT, scrape) == 1;
                        },
                        gw::describe);
                assertPingsCrossBothPrograms(http, 9467, access, k1, gw);
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                assertEquals(
                        2,
                        gw.stdout().split("\\(program rebuilt for a changed MAC or MTU 1 times\\)", -1).length - 1,
                        gw::describe);
                assertFalse(gw.stderr().contains("Exception"), gw::describe);
            }
        }
    }

    private static final Pattern DECAP_FRAMES = metric("vtep4j_decap_offload_frames_total");
    private static final Pattern DECAP_REATTACHED = metric("vtep4j_decap_offload_reattached_total");
    private static final Pattern UNDERLAY_FOLLOWED = metric("vtep4j_encap_offload_underlay_followed_total");

    /**
     * The underlay interface deleted and created again (another MAC, the same address) under the running gateway:
     * the kernel detached the underlay's program with the old interface; the gateway attaches a program built for
     * the new MAC to the new interface, and the trunk's program sends through it from the new MAC; both carry the
     * pings again (their frame counters move after the change).
     */
    @Test
    void aRecreatedUnderlayIsFollowedByBothPrograms() throws Exception {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Lab lab = new Lab("gwunderlay")) {
            Lab.Fabric fabric = lab.fabric();
            Namespace k1 = E2e.kernelPeerOnVni10100(lab, fabric);
            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    GatewayProcess gw = GatewayProcess.start(
                            gatewayArgs("--decap-offload", "--encap-offload", "--metrics-port", "9466"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs());
                E2e.assertPing(k1, "10.10.0.1", gw, access.ovs());
                String was = Namespace.SELF.ok("ip", "-o", "link", "show", "dev", "gw-u");

                Namespace.SELF.ok("ip", "link", "del", "gw-u"); // both ends of the veth
                fabric.attach(Namespace.SELF, "gw-u", "10.99.0.1/24");
                String now = Namespace.SELF.ok("ip", "-o", "link", "show", "dev", "gw-u");
                assertFalse(mac(was).equals(mac(now)), "another MAC: " + now);
                Namespace.SELF.assertRoute("10.99.0.2", "gw-u");
                k1.ok("ip", "neigh", "flush", "dev", "k1-u"); // the old MAC of 10.99.0.1
                io.vtep4j.interop.Await.until(
                        Duration.ofSeconds(10),
                        () -> {
                            String scrape = AdversaryLab.scrape(http, 9466);
                            return AdversaryLab.sample(DECAP_REATTACHED, scrape) == 1
                                    && AdversaryLab.sample(UNDERLAY_FOLLOWED, scrape) == 1
                                    && xdpAttached("gw-u");
                        },
                        gw::describe);
                assertPingsCrossBothPrograms(http, 9466, access, k1, gw);
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                assertTrue(
                        gw.stdout().contains("(program attached again to a recreated underlay 1 times)"), gw::describe);
                assertTrue(gw.stdout().contains("(a recreated underlay followed 1 times)"), gw::describe);
                assertFalse(gw.stderr().contains("Exception"), gw::describe);
            }
            assertFalse(xdpAttached("gw-trunk"), "the trunk's program outlived the gateway");
            assertFalse(xdpAttached("gw-u"), "the underlay's program outlived the gateway");
        }
    }

    /** The MAC in a line of {@code ip -o link show}. */
    private static String mac(String line) {
        Matcher m = Pattern.compile("link/ether (\\S+)").matcher(line);
        return m.find() ? m.group(1) : line;
    }
}
