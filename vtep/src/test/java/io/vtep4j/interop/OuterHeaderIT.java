package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.OuterHeader;
import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import java.time.Duration;
import java.util.List;
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

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping", "tcpdump");
    }

    @Test
    void tosAndTtlInheritShowOnTheOuterHeader() throws Exception {
        try (Lab lab = new Lab("outer")) {
            KernelPeerPair pair = KernelPeerPair.create(lab, 6, VNI);
            Namespace h1 = pair.host();
            Namespace k1 = pair.kernel();

            OuterHeader inherit =
                    OuterHeader.builder().inheritTos().inheritTtl().build();
            try (Vtep vtep = Vtep.builder()
                            .localAddress(pair.ours())
                            .directIo(true)
                            .outerHeader(inherit)
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(pair.theirs()), "pc-h1");
                    // every packet we send, in the order sent: the outer header of each is one line
                    Capture out = Capture.verbose(k1, "u0", "src host " + pair.ours() + " and udp dst port 4789")) {
                assertEquals(inherit, vtep.segment(VNI).outerHeader());
                Cmd.Result plain = h1.ping("10.50.6.2", 2);
                assertTrue(plain.ok(), () -> plain.describe() + "\n" + vtep.stats());
                Await.until(
                        Duration.ofSeconds(5),
                        () -> out.lines().stream()
                                        .filter(l -> l.contains("ICMP echo request"))
                                        .count()
                                >= 2,
                        () -> out.lines() + out.errors());
                assertTrue(
                        outer(out).stream().noneMatch(l -> l.contains("tos 0xb8")),
                        () -> "an unmarked echo sent as EF: " + out.lines());

                Cmd.Result marked = h1.run(
                        Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-w", "8", "-Q", "0xb8", "10.50.6.2");
                assertTrue(marked.ok(), () -> marked.describe() + "\n" + vtep.stats());
                awaitOuter(out, "(tos 0xb8,", 3);

                Cmd.Result lowTtl = h1.run(
                        Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-w", "8", "-t", "9", "10.50.6.2");
                assertTrue(lowTtl.ok(), () -> lowTtl.describe() + "\n" + vtep.stats());
                awaitOuter(out, ", ttl 9,", 3);
            }
        }
    }

    /** Waits until {@code count} outer IPv4 headers of {@code out} have {@code field}. */
    private static void awaitOuter(Capture out, String field, int count) {
        Await.until(
                Duration.ofSeconds(5),
                () -> outer(out).stream().filter(l -> l.contains(field)).count() >= count,
                () -> out.lines() + "\n" + out.errors());
    }

    /** Of a {@link Capture#verbose} capture, the outer IPv4 header lines (the tunnel's UDP packets). */
    private static List<String> outer(Capture capture) {
        return capture.lines().stream()
                .filter(l -> l.contains("proto UDP (17)"))
                .toList();
    }
}
