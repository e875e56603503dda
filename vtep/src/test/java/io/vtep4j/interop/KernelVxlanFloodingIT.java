package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.learning.MacAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flood-and-learn against two kernel VTEPs in vtep4j's head-end-replication list (RFC 7348 §4.1, §4.2): a
 * broadcast reaches both, a learned unicast only its owner, and once the MAC has aged out, the next frame to it
 * floods again. Frames are counted with the kernel vxlan devices' rx counters; IPv6 is off to keep them quiet.
 */
class KernelVxlanFloodingIT {

    private static final int VNI = 5002;
    private static final String H1_MAC = "02:00:00:00:02:01";
    private static final String K1_MAC = "02:00:00:00:02:02";
    private static final String K2_MAC = "02:00:00:00:02:03";

    private Lab lab;
    private Namespace h1;
    private KernelVxlan vx1;
    private KernelVxlan vx2;
    private Vtep vtep;
    private PcapPort port;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping");
    }

    private void start(Duration ageing) {
        lab = new Lab("flood");
        Lab.Fabric fabric = lab.fabric();
        fabric.attach(Namespace.SELF, "u-fl", "10.99.2.1/24");
        Namespace k1 = lab.namespace("k1");
        Namespace k2 = lab.namespace("k2");
        fabric.attach(k1, "u0", "10.99.2.2/24");
        fabric.attach(k2, "u0", "10.99.2.3/24");
        vx1 = KernelVxlan.in(k1, "vx0")
                .vni(VNI)
                .local("10.99.2.2")
                .remote("10.99.2.1")
                .mac(K1_MAC)
                .overlay("10.50.2.2/24")
                .create();
        vx2 = KernelVxlan.in(k2, "vx0")
                .vni(VNI)
                .local("10.99.2.3")
                .remote("10.99.2.1")
                .mac(K2_MAC)
                .overlay("10.50.2.3/24")
                .create();
        h1 = Hosts.behindPcap(lab, "h1", "10.50.2.1/24", H1_MAC, "pc-fl");
        Namespace.SELF.assertRoute("10.99.2.2", "u-fl").assertRoute("10.99.2.3", "u-fl");
        h1.assertRoute("10.50.2.2", "eth0");
        vtep = Vtep.builder()
                .localAddress("10.99.2.1")
                .ageing(ageing)
                .sweepInterval(Duration.ofMillis(200))
                .build();
        port = PcapPort.open(vtep.segment(VNI).floodTo("10.99.2.2").floodTo("10.99.2.3"), "pc-fl");
    }

    @AfterEach
    void stop() {
        try {
            if (port != null) {
                port.close();
            }
        } finally {
            try {
                if (vtep != null) {
                    vtep.close();
                }
            } finally {
                if (lab != null) {
                    lab.close();
                }
            }
        }
    }

    private long rx(KernelVxlan vx) {
        return vx.namespace().counter(vx.dev(), "rx_packets");
    }

    @Test
    void arpBroadcastReachesBothKernelVteps() {
        start(Duration.ofMinutes(5));
        long k1 = rx(vx1);
        long k2 = rx(vx2);
        Cmd.Result ping = h1.ping("10.50.2.3", 1); // ARP "who has 10.50.2.3" first: a broadcast
        assertTrue(ping.ok(), () -> ping.describe() + "\n" + vtep.stats());
        assertTrue(rx(vx1) > k1, "k1 never saw the broadcast ARP request");
        assertTrue(rx(vx2) > k2, "k2 never received anything");
        assertTrue(vtep.stats().segment(VNI).floods() >= 1, () -> vtep.stats().toString());
    }

    @Test
    void learnedUnicastReachesOnlyItsOwnerVtep() {
        start(Duration.ofMinutes(5));
        Cmd.Result warm = h1.ping("10.50.2.2", 1);
        assertTrue(warm.ok(), warm::describe);
        assertNotNull(vtep.forwardingTable().lookup(VNI, MacAddress.parse(K1_MAC)), "k1's host not learned");
        // No more ARP from here on: whatever crosses the overlay is the pings.
        h1.neighbour("eth0", "10.50.2.2", K1_MAC);
        vx1.namespace().neighbour("vx0", "10.50.2.1", H1_MAC);
        long k1 = rx(vx1);
        long k2 = rx(vx2);
        long floods = vtep.stats().segment(VNI).floods();
        Cmd.Result ping = h1.ping("10.50.2.2", 5);
        assertTrue(ping.ok(), ping::describe);
        int replies = Namespace.received(ping);
        assertTrue(
                rx(vx1) - k1 >= replies,
                () -> "k1 got " + (rx(vx1) - k1) + " packets (expected: >= " + replies
                        + ", one per answered echo request)");
        assertEquals(0, rx(vx2) - k2, "unicast to a learned MAC leaked to k2");
        assertEquals(
                floods, vtep.stats().segment(VNI).floods(), () -> vtep.stats().toString());
    }

    @Test
    void idleMacAgesOutAndTheNextFrameToItFloods() {
        start(Duration.ofSeconds(2));
        Cmd.Result warm = h1.ping("10.50.2.2", 1);
        assertTrue(warm.ok(), warm::describe);
        long k1Mac = MacAddress.parse(K1_MAC);
        assertNotNull(vtep.forwardingTable().lookup(VNI, k1Mac), "k1's host not learned");
        h1.neighbour("eth0", "10.50.2.2", K1_MAC);
        vx1.namespace().neighbour("vx0", "10.50.2.1", H1_MAC);
        Await.until(
                Duration.ofSeconds(10),
                () -> vtep.forwardingTable().lookup(VNI, k1Mac) == null,
                () -> "still learned: " + vtep.forwardingTable().entries(VNI));
        long k2 = rx(vx2);
        long floods = vtep.stats().segment(VNI).floods();
        Cmd.Result ping = h1.ping("10.50.2.2", 1); // unicast to k1's MAC, which vtep4j no longer knows
        assertTrue(ping.ok(), ping::describe);
        assertTrue(rx(vx2) > k2, "the frame to the aged-out MAC did not flood to k2");
        assertTrue(
                vtep.stats().segment(VNI).floods() > floods, () -> vtep.stats().toString());
        // ...and the reply taught vtep4j where k1's host is again.
        assertNotNull(vtep.forwardingTable().lookup(VNI, k1Mac), "k1's host not learned again");
    }
}
