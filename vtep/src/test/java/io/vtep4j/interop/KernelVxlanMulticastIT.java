package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Multicast flooding (RFC 7348 §4.2): vtep4j and two kernel VTEPs configured with {@code group 239.1.1.1} share a
 * segment through a bridge with multicast snooping off in a "fabric" namespace. Broadcast, unknown unicast and
 * multicast from the host behind vtep4j reach both kernel VTEPs through the group (vtep4j has no head-end list),
 * and the kernel's broadcasts reach vtep4j through the group it joined.
 */
class KernelVxlanMulticastIT {

    private static final int VNI = 5003;
    private static final String GROUP = "239.1.1.1";
    private static final String H1_MAC = "02:00:00:00:03:01";
    private static final String K1_MAC = "02:00:00:00:03:02";
    private static final String NOBODY_MAC = "02:00:00:00:03:99";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping", "tcpdump");
    }

    @Test
    void floodsReachBothKernelVtepsThroughTheGroupAndTheirsReachUs() throws Exception {
        try (Lab lab = new Lab("mcast")) {
            Lab.Fabric fabric = lab.fabric();
            fabric.attach(Namespace.SELF, "u-mc", "10.99.3.1/24");
            Namespace k1 = lab.namespace("k1");
            Namespace k2 = lab.namespace("k2");
            fabric.attach(k1, "u0", "10.99.3.2/24");
            fabric.attach(k2, "u0", "10.99.3.3/24");
            KernelVxlan vx1 = KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .local("10.99.3.2")
                    .group(GROUP, "u0")
                    .mac(K1_MAC)
                    .overlay("10.50.3.2/24")
                    .create();
            KernelVxlan vx2 = KernelVxlan.in(k2, "vx0")
                    .vni(VNI)
                    .local("10.99.3.3")
                    .group(GROUP, "u0")
                    .mac("02:00:00:00:03:03")
                    .overlay("10.50.3.3/24")
                    .create();
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.3.1/24", H1_MAC, "pc-mc");
            // Group traffic must leave through the fabric link only.
            Namespace.SELF.ok("ip", "route", "add", GROUP + "/32", "dev", "u-mc");
            Namespace.SELF.assertRoute(GROUP, "u-mc");
            h1.ok("ip", "route", "add", "224.0.0.0/4", "dev", "eth0");
            h1.assertRoute("224.0.0.1", "eth0").assertRoute("10.50.3.2", "eth0");

            try (Vtep vtep = Vtep.builder()
                            .localAddress("10.99.3.1")
                            .multicastInterface("u-mc")
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(GROUP), "pc-mc")) {
                assertEquals(
                        InetAddress.getByName(GROUP),
                        vtep.segment(VNI).flooding().group());

                // Broadcast: h1's ARP request for k1's host crosses the group; the ping completes both ways.
                try (Traffic broadcast = Traffic.watch(vx1, vx2, k2)) {
                    Cmd.Result ping = h1.ping("10.50.3.2", 2);
                    assertTrue(ping.ok(), () -> ping.describe() + "\n" + vtep.stats() + "\n" + port);
                    broadcast.assertReachedBoth("broadcast");
                }

                // Unknown unicast: a MAC nobody owns.
                h1.neighbour("eth0", "10.50.3.99", NOBODY_MAC);
                try (Traffic unknown = Traffic.watch(vx1, vx2, k2)) {
                    h1.probe("10.50.3.99"); // no answer expected; only the flood matters
                    unknown.assertReachedBoth("unknown unicast");
                }

                // Multicast: an IPv4 packet to 224.0.0.1 (MAC 01:00:5e:00:00:01).
                try (Traffic multicast = Traffic.watch(vx1, vx2, k2)) {
                    h1.probe("224.0.0.1");
                    multicast.assertReachedBoth("multicast");
                }

                // The other way: k2's ARP broadcast for h1 arrives through the group vtep4j joined.
                long delivered = port.framesInjected();
                Cmd.Result back = k2.ping("10.50.3.1", 2);
                assertTrue(back.ok(), () -> back.describe() + "\n" + vtep.stats());
                assertTrue(port.framesInjected() > delivered);
            }
        }
    }

    /** Watches both kernel VTEPs' rx counters and, with tcpdump, group-addressed VXLAN arriving at k2. */
    private record Traffic(KernelVxlan vx1, KernelVxlan vx2, long rx1, long rx2, Capture toGroup)
            implements AutoCloseable {

        static Traffic watch(KernelVxlan vx1, KernelVxlan vx2, Namespace k2) {
            Capture capture =
                    Capture.start(k2, "u0", "src host 10.99.3.1 and dst host " + GROUP + " and udp dst port 4789");
            return new Traffic(vx1, vx2, rx(vx1), rx(vx2), capture);
        }

        private static long rx(KernelVxlan vx) {
            return vx.namespace().counter(vx.dev(), "rx_packets");
        }

        void assertReachedBoth(String what) {
            Await.until(
                    Duration.ofSeconds(3),
                    () -> rx(vx1) > rx1 && rx(vx2) > rx2 && toGroup.count() > 0,
                    () -> what + ": k1 rx +" + (rx(vx1) - rx1) + ", k2 rx +" + (rx(vx2) - rx2)
                            + ", from vtep4j to the group at k2: " + toGroup.lines());
        }

        @Override
        public void close() {
            toGroup.close();
        }
    }
}
