package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.VtepStats;
import io.vtep4j.encap.DropReason;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.LeakDetectorExtension;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed VXLAN built with scapy, sent at the running VTEP from a peer namespace: every packet is counted under
 * its {@link DropReason}, nothing reaches the host behind vtep4j, nothing is learned, nothing leaks, and a kernel
 * peer still pings through afterwards.
 */
class MalformedVxlanIT {

    private static final String PYTHON = "/usr/bin/python3";
    private static final int VNI = 5004;
    private static final int UNKNOWN_VNI = 4242;
    private static final int COPIES = 3;
    private static final String ATTACKER_MAC = "02:00:00:00:04:66";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping", PYTHON);
        Cmd.Result scapy = Cmd.run(PYTHON, "-c", "import scapy.all");
        if (!scapy.ok()) {
            // A missing prerequisite: requireIsolated's rule (skip loudly, fail under CI) applies.
            Netns.requireIsolated("python3-scapy-for-" + PYTHON);
        }
    }

    @Test
    void malformedPacketsAreCountedByReasonAndNothingIsDelivered() throws IOException {
        Path script = Files.createTempFile("malformed_vxlan", ".py");
        try (InputStream in = MalformedVxlanIT.class.getResourceAsStream("malformed_vxlan.py");
                Lab lab = new Lab("bad")) {
            Files.write(script, in.readAllBytes());
            Namespace k1 = Hosts.linkedToSelf(lab, "k1", "10.99.4.2/24", "u-bad", "10.99.4.1/24");
            KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .local("10.99.4.2")
                    .remote("10.99.4.1")
                    .mac("02:00:00:00:04:02")
                    .overlay("10.50.4.2/24")
                    .create();
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.4.1/24", "02:00:00:00:04:01", "pc-bad");
            Namespace.SELF.assertRoute("10.99.4.2", "u-bad");
            k1.assertRoute("10.99.4.1", "u0");

            try (Vtep vtep = Vtep.builder().localAddress("10.99.4.1").build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo("10.99.4.2"), "pc-bad")) {
                long injected = port.framesInjected();
                long hostRx = h1.counter("eth0", "rx_packets");

                Cmd.Result sent = k1.run(
                        Duration.ofSeconds(60),
                        PYTHON,
                        script.toString(),
                        "10.99.4.1",
                        Integer.toString(VNI),
                        Integer.toString(UNKNOWN_VNI),
                        ATTACKER_MAC,
                        Integer.toString(COPIES));
                assertTrue(sent.ok(), sent::describe);

                Map<DropReason, Long> expected = Map.of(
                        DropReason.VXLAN_TRUNCATED, 2L * COPIES,
                        DropReason.VXLAN_I_FLAG_NOT_SET, (long) COPIES,
                        DropReason.VXLAN_GPE_UNSUPPORTED, (long) COPIES,
                        DropReason.INNER_FRAME_TOO_SHORT, (long) COPIES,
                        DropReason.INNER_VLAN_TAGGED, (long) COPIES,
                        DropReason.UNKNOWN_VNI, (long) COPIES);
                Await.until(
                        Duration.ofSeconds(5),
                        () -> expected.entrySet().stream()
                                .allMatch(e -> vtep.stats().dropped(e.getKey()) >= e.getValue()),
                        () -> vtep.stats().toString());
                VtepStats stats = vtep.stats();
                expected.forEach(
                        (reason, count) -> assertEquals(count, stats.dropped(reason), () -> reason + " in " + stats));
                assertEquals(
                        expected.values().stream().mapToLong(Long::longValue).sum(),
                        stats.totalDrops(),
                        stats::toString);
                assertEquals(0, stats.segment(VNI).framesToPorts(), stats::toString);
                assertEquals(injected, port.framesInjected(), "a malformed packet reached the host");
                assertEquals(hostRx, h1.counter("eth0", "rx_packets"), "the host behind vtep4j received something");
                assertNull(vtep.forwardingTable().lookup(VNI, MacAddress.parse(ATTACKER_MAC)), "learned from junk");
                assertEquals(java.util.List.of(), LeakDetectorExtension.drainLeaks());

                // The VTEP keeps forwarding.
                Cmd.Result ping = h1.ping("10.50.4.2", 3);
                assertTrue(ping.ok(), () -> ping.describe() + "\n" + vtep.stats());
            }
        } finally {
            Files.deleteIfExists(script);
        }
    }
}
