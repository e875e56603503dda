package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.OuterHeader;
import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Outer TOS and TTL inherited from the inner packet, seen on the underlay by tcpdump: {@code ping -Q 0xb8} (DSCP EF)
 * from a host behind vtep4j leaves in VXLAN packets whose outer TOS is 0xb8, {@code ping -t 9} in packets whose outer
 * TTL is 9, and both reach a kernel vxlan peer. Per-packet outer fields travel as sendmmsg control messages: the
 * direct I/O path only.
 */
class OuterHeaderIT {

    private static final int VNI = 5060;
    private static final String OURS = "10.99.6.1";
    private static final String THEIRS = "10.99.6.2";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping", "tcpdump");
    }

    @Test
    void tosAndTtlInheritShowOnTheOuterHeader() throws Exception {
        try (Lab lab = new Lab("outer")) {
            Namespace k1 = Hosts.linkedToSelf(lab, "k1", THEIRS + "/24", "u-k1", OURS + "/24");
            KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .dstPort(4789)
                    .local(THEIRS)
                    .remote(OURS)
                    .mac("02:00:00:00:06:02")
                    .overlay("10.50.6.2/24")
                    .create();
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.6.1/24", "02:00:00:00:06:01", "pc-h1");
            Namespace.SELF.assertRoute(THEIRS, "u-k1");
            h1.assertRoute("10.50.6.2", "eth0");
            k1.assertRoute("10.50.6.1", "vx0");

            OuterHeader inherit =
                    OuterHeader.builder().inheritTos().inheritTtl().build();
            try (Vtep vtep = Vtep.builder()
                            .localAddress(OURS)
                            .directIo(true)
                            .outerHeader(inherit)
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(THEIRS), "pc-h1");
                    Capture ef = Capture.start(k1, "u0", "udp dst port 4789 and ip[1] == 0xb8");
                    Capture ttl9 = Capture.start(k1, "u0", "udp dst port 4789 and ip[8] == 9")) {
                assertEquals(inherit, vtep.segment(VNI).outerHeader());
                Cmd.Result plain = h1.ping("10.50.6.2", 2);
                assertTrue(plain.ok(), () -> plain.describe() + "\n" + vtep.stats());
                assertEquals(0, ef.count(), () -> String.join("\n", ef.lines()));

                Cmd.Result marked = h1.run(
                        Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-w", "8", "-Q", "0xb8", "10.50.6.2");
                assertTrue(marked.ok(), () -> marked.describe() + "\n" + vtep.stats());
                Await.until(Duration.ofSeconds(5), () -> ef.count() >= 3, () -> ef.lines() + "\n" + ef.errors());

                Cmd.Result lowTtl = h1.run(
                        Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-w", "8", "-t", "9", "10.50.6.2");
                assertTrue(lowTtl.ok(), () -> lowTtl.describe() + "\n" + vtep.stats());
                Await.until(Duration.ofSeconds(5), () -> ttl9.count() >= 3, () -> ttl9.lines() + "\n" + ttl9.errors());
            }
        }
    }
}
