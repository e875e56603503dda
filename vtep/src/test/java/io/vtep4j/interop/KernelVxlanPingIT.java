package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j against the Linux kernel's vxlan driver: a host behind vtep4j (PcapPort on a veth) and a host behind a
 * kernel vxlan device ping each other both ways, on UDP 4789, on the kernel's historic 8472 and over an IPv6
 * underlay; each side learns the other's MAC behind the right VTEP address.
 */
class KernelVxlanPingIT {

    private static final int VNI = 5000;
    private static final String OUR_HOST_MAC = "02:00:00:00:01:01";
    private static final String KERNEL_HOST_MAC = "02:00:00:00:01:02";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping");
    }

    @Test
    void pingsBothWaysAndBothSidesLearnOnPort4789() throws Exception {
        pingBothWays("p4789", 4789);
    }

    @Test
    void pingsBothWaysOnNonDefaultPort8472() throws Exception {
        pingBothWays("p8472", 8472);
    }

    @Test
    void pingsBothWaysOverAnIpv6Underlay() throws Exception {
        pingBothWays("v6", 4789, "fd99:1::1", "fd99:1::2");
    }

    private static void pingBothWays(String tag, int port) throws Exception {
        pingBothWays(tag, port, "10.99.1.1", "10.99.1.2");
    }

    private static void pingBothWays(String tag, int port, String ours, String theirs) throws Exception {
        boolean v6 = ours.contains(":");
        String prefix = v6 ? "/64" : "/24";
        try (Lab lab = new Lab(tag).ipv6(v6)) {
            Namespace k1 = Hosts.linkedToSelf(lab, "k1", theirs + prefix, "u-k1", ours + prefix);
            KernelVxlan vx = KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .dstPort(port)
                    .local(theirs)
                    .remote(ours)
                    .mac(KERNEL_HOST_MAC)
                    .overlay("10.50.1.2/24")
                    .create();
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.1.1/24", OUR_HOST_MAC, "pc-h1");
            // Safety rule: every sender's route goes through the test's own links.
            Namespace.SELF.assertRoute(theirs, "u-k1");
            h1.assertRoute("10.50.1.2", "eth0");
            k1.assertRoute("10.50.1.1", "vx0");
            k1.assertRoute(ours, "u0");

            try (Vtep vtep = Vtep.builder().localAddress(ours).port(port).build();
                    PcapPort port1 = PcapPort.open(vtep.segment(VNI).floodTo(theirs), "pc-h1")) {
                // Direct I/O is the default here; the interop-netty-io execution runs this class again with
                // -Dvtep4j.directIo=false: prove each run used the path it meant to.
                assertEquals(!"false".equals(System.getProperty("vtep4j.directIo")), vtep.directIo(), "I/O path");
                Cmd.Result there = h1.ping("10.50.1.2", 3);
                assertTrue(there.ok(), () -> there.describe() + "\n" + vtep.stats() + "\n" + port1);
                Cmd.Result back = k1.ping("10.50.1.1", 3);
                assertTrue(back.ok(), () -> back.describe() + "\n" + vtep.stats() + "\n" + port1);

                Location kernelHost = vtep.forwardingTable().lookup(VNI, MacAddress.parse(KERNEL_HOST_MAC));
                assertNotNull(
                        kernelHost,
                        () -> "vtep4j did not learn " + KERNEL_HOST_MAC + ": "
                                + vtep.forwardingTable().entries());
                assertTrue(kernelHost.isRemote(), kernelHost::toString);
                assertEquals(InetAddress.getByName(theirs), kernelHost.address());
                Location ourHost = vtep.forwardingTable().lookup(VNI, MacAddress.parse(OUR_HOST_MAC));
                assertNotNull(ourHost);
                assertEquals(port1.localPort().id(), ourHost.portId());
                // The kernel learned our host's MAC behind our underlay address.
                Await.until(Duration.ofSeconds(5), () -> vx.learned(OUR_HOST_MAC, ours), vx::fdb);
                // At least one echo request and one reply crossed the port each way.
                assertTrue(port1.framesCaptured() >= 2 && port1.framesInjected() >= 2, port1::toString);
                assertEquals(0, port1.injectErrors(), port1::toString);
            }
        }
    }
}
