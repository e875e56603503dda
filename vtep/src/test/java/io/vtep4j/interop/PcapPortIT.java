package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PcapPort as a local port of a segment: two real hosts on two PcapPorts of one segment ping each other through
 * vtep4j's local switching (underlay on loopback, no peer); closing detaches cleanly; misuse fails at once.
 */
class PcapPortIT {

    private static final int VNI = 5005;
    private static final String A_MAC = "02:00:00:00:05:01";
    private static final String B_MAC = "02:00:00:00:05:02";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "ping");
    }

    @Test
    void twoHostsOnTwoPortsOfOneSegmentPingEachOther() {
        try (Lab lab = new Lab("port")) {
            Namespace a = Hosts.behindPcap(lab, "a", "10.50.5.1/24", A_MAC, "pc-a");
            Hosts.behindPcap(lab, "b", "10.50.5.2/24", B_MAC, "pc-b");
            a.assertRoute("10.50.5.2", "eth0");
            try (Vtep vtep = Vtep.builder().localAddress("127.0.0.1").build()) {
                Segment segment = vtep.segment(VNI);
                PcapPort portA = PcapPort.open(segment, "pc-a");
                PcapPort portB = PcapPort.builder("pc-b").name("host-b").open(segment);
                try (portA;
                        portB) {
                    Cmd.Result ping = a.ping("10.50.5.2", 3);
                    assertTrue(ping.ok(), () -> ping.describe() + "\n" + vtep.stats() + "\n" + portA + "\n" + portB);
                    Location b = vtep.forwardingTable().lookup(VNI, MacAddress.parse(B_MAC));
                    assertEquals(portB.localPort().id(), b.portId());
                    assertEquals("host-b", portB.localPort().name());
                    assertEquals("pcap:pc-a", portA.localPort().name());
                    assertTrue(portA.framesCaptured() >= 3 && portB.framesInjected() >= 3, portB::toString);
                }
                assertFalse(portA.isOpen());
                assertFalse(portA.localPort().isOpen());
                assertTrue(segment.ports().isEmpty(), () -> "ports left: " + segment.ports());
                assertTrue(
                        Thread.getAllStackTraces().keySet().stream()
                                .noneMatch(t -> t.getName().startsWith("vtep4j-pcap-pc-")),
                        "a receive thread survived");
            }
        }
    }

    @Test
    void misuseFailsAtOnceNamingTheValue() {
        try (Vtep vtep = Vtep.builder().localAddress("127.0.0.1").build()) {
            Segment segment = vtep.segment(VNI);
            IllegalArgumentException missing =
                    assertThrows(IllegalArgumentException.class, () -> PcapPort.open(segment, "nosuch0"));
            assertTrue(missing.getMessage().contains("nosuch0"), missing.getMessage());
            assertTrue(segment.ports().isEmpty(), "a failed open left a port attached");
            IllegalArgumentException tooLong =
                    assertThrows(IllegalArgumentException.class, () -> PcapPort.builder("a-name-too-long-0"));
            assertTrue(tooLong.getMessage().contains("a-name-too-long-0"), tooLong.getMessage());
        }
    }
}
