package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.Vtep;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One segment across VXLAN and NVGRE: a host behind the Linux kernel's vxlan driver (VNI 5000) and a host behind an
 * Open vSwitch userspace GRE port (NVGRE VSID 5000, FlowID 0x01, key 0x138801) ping each other through vtep4j, which
 * runs both underlays at once and has no local port at all:
 *
 * <pre>
 *  k1: vx0 10.50.7.2 (VNI 5000) u0 10.98.7.2 ==veth== u-k1 10.98.7.1 [vtep4j @ 10.99.7.1] u-o1 ==veth== OVS 10.99.7.3
 *                                                                                           br-int 10.50.7.3 (gre)
 * </pre>
 *
 * Both peers learn the other's MAC behind vtep4j's address; tshark sees only VXLAN on the kernel's link and only
 * NVGRE on OVS's; a broadcast from either side reaches the other side exactly once and never comes back.
 */
class MixedEncapsulationIT {

    private static final int VNI = 5000;
    private static final int OVS_FLOW_ID = NvgreKeys.OVS_FLOW_ID;
    private static final String KERNEL_HOST_MAC = "02:00:00:00:07:02";
    private static final String KERNEL_UNDERLAY = "10.98.7.2";
    private static final String KERNEL_OVERLAY = "10.50.7.2";
    private static final String BROADCAST = "10.50.7.255";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(OvsOverlayLab.TOOLS);
        Netns.requireIsolated("bridge");
    }

    @Test
    void kernelVxlanAndOvsNvgreHostsPingEachOtherThroughVtep4j() throws Exception {
        try (OvsOverlayLab net =
                OvsOverlayLab.create("mix", 7, "gre", String.format("key=0x%x", VNI << 8 | OVS_FLOW_ID))) {
            Namespace k1 = Hosts.linkedToSelf(net.lab, "k1", KERNEL_UNDERLAY + "/24", "u-k1", "10.98.7.1/24");
            k1.ok("ip", "route", "add", net.ourUnderlay + "/32", "via", "10.98.7.1", "dev", "u0");
            KernelVxlan vx = KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .dstPort(4789)
                    .local(KERNEL_UNDERLAY)
                    .remote(net.ourUnderlay)
                    .mac(KERNEL_HOST_MAC)
                    .overlay(KERNEL_OVERLAY + "/24")
                    .create();
            // Safety rule: every sender's route stays on the test's own links.
            Namespace.SELF.assertRoute(KERNEL_UNDERLAY, "u-k1");
            k1.assertRoute(net.ourUnderlay, "u0");
            k1.assertRoute(net.ovsOverlay, "vx0");
            net.o1.assertRoute(KERNEL_OVERLAY, OvsPeer.BR_INT);

            OvsWire nvgreWire = OvsWire.start(Namespace.SELF, "u-o1", "ip", "proto", "47", "or", "udp");
            OvsWire vxlanWire = OvsWire.start(Namespace.SELF, "u-k1", "ip", "proto", "47", "or", "udp");
            try {
                try (Vtep vtep = Vtep.builder()
                        .localAddress(net.ourUnderlay)
                        .encapsulations(Encapsulation.VXLAN, Encapsulation.NVGRE)
                        .nvgreFlowId(OVS_FLOW_ID)
                        .build()) {
                    vtep.segment(VNI)
                            .floodTo(Encapsulation.VXLAN, KERNEL_UNDERLAY)
                            .floodTo(Encapsulation.NVGRE, net.ovsUnderlay);
                    pingBothWaysAndLearn(net, k1, vx, vtep);
                    broadcastsCrossOnce(net, k1);
                } finally {
                    nvgreWire.close();
                    vxlanWire.close();
                }
                assertOnlyNvgreTowardsOvs(nvgreWire, net);
                assertOnlyVxlanTowardsTheKernel(vxlanWire, net);
                assertEquals(
                        1, broadcasts(nvgreWire, "gre", net.ourUnderlay, KERNEL_OVERLAY), "k1's broadcast as NVGRE");
                assertEquals(0, broadcasts(vxlanWire, "vxlan", net.ourUnderlay, KERNEL_OVERLAY), "k1's came back");
                assertEquals(1, broadcasts(vxlanWire, "vxlan", net.ourUnderlay, net.ovsOverlay), "OVS's as VXLAN");
                assertEquals(0, broadcasts(nvgreWire, "gre", net.ourUnderlay, net.ovsOverlay), "OVS's came back");
            } finally {
                nvgreWire.delete();
                vxlanWire.delete();
            }
        }
    }

    private static void pingBothWaysAndLearn(OvsOverlayLab net, Namespace k1, KernelVxlan vx, Vtep vtep)
            throws Exception {
        Supplier<String> state =
                () -> vtep.stats() + "\n" + vtep.forwardingTable().entries() + "\nkernel fdb:\n"
                        + vx.fdb() + "\nOVS fdb:\n"
                        + net.ovs.appctl("fdb/show", OvsPeer.BR_INT).stdout()
                        + "\nOVS tunnel neighbours:\n"
                        + net.ovs.appctl("tnl/neigh/show").stdout() + "\nOVS log:\n"
                        + net.ovs.logTail();
        // Bounded warm-up while OVS resolves its tunnel next hop.
        Await.until(Duration.ofSeconds(30), () -> k1.ping(net.ovsOverlay, 2).ok(), state);
        Cmd.Result there = k1.ping(net.ovsOverlay, 3);
        assertTrue(there.ok(), () -> there.describe() + "\n" + state.get());
        Cmd.Result back = net.o1.ping(KERNEL_OVERLAY, 3);
        assertTrue(back.ok(), () -> back.describe() + "\n" + state.get());

        // vtep4j: each host behind its own peer, on the encapsulation it came from.
        Location kernelHost = vtep.forwardingTable().lookup(VNI, MacAddress.parse(KERNEL_HOST_MAC));
        assertNotNull(kernelHost, state);
        assertEquals(InetAddress.getByName(KERNEL_UNDERLAY), kernelHost.address());
        assertEquals(Encapsulation.VXLAN, vtep.encapsulations().get(kernelHost.transport()));
        String ovsMac = net.o1.macOf(OvsPeer.BR_INT);
        Location ovsHost = vtep.forwardingTable().lookup(VNI, MacAddress.parse(ovsMac));
        assertNotNull(ovsHost, state);
        assertEquals(InetAddress.getByName(net.ovsUnderlay), ovsHost.address());
        assertEquals(Encapsulation.NVGRE, vtep.encapsulations().get(ovsHost.transport()));

        // The peers: each learned the other's MAC behind vtep4j.
        assertTrue(vx.learned(ovsMac, net.ourUnderlay), () -> "kernel fdb:\n" + vx.fdb());
        String tunnelPort = net.ovs.vsctl("get", "Interface", "tun0", "ofport").strip();
        String ovsFdb = net.ovs.appctl("fdb/show", OvsPeer.BR_INT).stdout();
        assertTrue(
                ovsFdb.lines()
                        .anyMatch(line -> line.strip().startsWith(tunnelPort + " ")
                                && line.toLowerCase(Locale.ROOT).contains(KERNEL_HOST_MAC)),
                () -> "OVS did not learn " + KERNEL_HOST_MAC + " on tun0 (ofport " + tunnelPort + "):\n" + ovsFdb);
        assertTrue(vtep.stats().encapsulation(Encapsulation.NVGRE).framesCrossedIn() >= 3, state);
        assertTrue(vtep.stats().encapsulation(Encapsulation.VXLAN).framesCrossedIn() >= 3, state);
    }

    /** One broadcast ping from each side (no reply expected: hosts ignore broadcast echoes). */
    private static void broadcastsCrossOnce(OvsOverlayLab net, Namespace k1) {
        k1.run(Duration.ofSeconds(5), "ping", "-b", "-c", "1", "-W", "1", BROADCAST);
        net.o1.run(Duration.ofSeconds(5), "ping", "-b", "-c", "1", "-W", "1", BROADCAST);
    }

    /**
     * Tunnel packets of {@code protocol} sent by vtep4j ({@code ours}) carrying the broadcast echo request of
     * {@code sender}: outer source vtep4j, inner source the sender, inner destination the subnet broadcast.
     */
    private static int broadcasts(OvsWire wire, String protocol, String ours, String sender) {
        return wire.fields(
                        protocol + " && ip.src == " + ours + " && ip.src == " + sender + " && ip.dst == " + BROADCAST
                                + " && icmp.type == 8",
                        "frame.number")
                .size();
    }

    /** Towards OVS: only GRE, VSID 5000, TEB; vtep4j's with FlowID 0x01 and DF; at least 3 each way. */
    private static void assertOnlyNvgreTowardsOvs(OvsWire wire, OvsOverlayLab net) throws Exception {
        assertEquals(List.of(), wire.fields("vxlan", "frame.number"), "no VXLAN on OVS's link");
        NvgreKeys.assertOnTheWire(wire, net, false, VNI, OVS_FLOW_ID);
    }

    /** Towards the kernel: only VXLAN on 4789, VNI 5000; at least 3 each way. */
    private static void assertOnlyVxlanTowardsTheKernel(OvsWire wire, OvsOverlayLab net) throws Exception {
        assertEquals(List.of(), wire.fields("gre", "frame.number"), "no GRE on the kernel's link");
        List<String[]> rows = wire.fields("vxlan", "ip.src", "vxlan.vni", "udp.dstport");
        InetAddress us = InetAddress.getByName(net.ourUnderlay);
        int fromUs = 0;
        int fromKernel = 0;
        for (String[] row : rows) {
            String packet = String.join(" ", row);
            assertEquals(Integer.toString(VNI), row[1], () -> "VNI of " + packet);
            assertEquals("4789", row[2], () -> "port of " + packet);
            if (InetAddress.getByName(row[0]).equals(us)) {
                fromUs++;
            } else {
                fromKernel++;
            }
        }
        assertTrue(
                fromUs >= 3 && fromKernel >= 3,
                "VXLAN packets from vtep4j: " + fromUs + ", from the kernel: " + fromKernel);
    }
}
