package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A congestion mark made on the path between a kernel vxlan peer and vtep4j reaches the inner packet (RFC 6040 §4.2).
 *
 * <p>The kernel's vxlan device copies the inner ECT codepoint onto the outer header but never sends an outer CE
 * itself; a router on the path would. Here an nftables rule in the peer's namespace plays that router: it sets CE on
 * every outgoing VXLAN packet ({@code udp dport 4789 ip ecn set ce}, checksum fixed by nftables). Then
 *
 * <ul>
 *   <li>an ECT(0) ping from the peer's overlay address ({@code ping -Q 0x02}) arrives at the host behind vtep4j marked
 *       CE (tcpdump on that host), and the host answers;
 *   <li>a Not-ECT ping, whose CE mark cannot be passed on, is dropped by vtep4j and counted as
 *       {@code ecn-ce-not-ect}; nothing of it reaches the host.
 * </ul>
 *
 * The outer TOS is read from IP_TOS control messages: the direct I/O path.
 */
class EcnDecapsulationIT {

    private static final int VNI = 5081;
    private static final int NET = 81;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping", "tcpdump", "nft");
    }

    @Test
    void aCeMarkOnTheOuterHeaderReachesTheInnerPacketOrDropsNotEct() throws Exception {
        try (Lab lab = new Lab("ecn")) {
            KernelPeerPair pair = KernelPeerPair.create(lab, NET, VNI);
            Namespace h1 = pair.host();
            Namespace k1 = pair.kernel();
            String hostAddress = "10.50." + NET + ".1";
            try (Vtep vtep = Vtep.builder()
                            .localAddress(pair.ours())
                            .directIo(true)
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(pair.theirs()), "pc-h1")) {
                // Before any mark: both sides resolve each other (ARP over the tunnel) and the path works.
                Cmd.Result warmUp = h1.ping("10.50." + NET + ".2", 2);
                assertTrue(warmUp.ok(), () -> warmUp.describe() + "\n" + vtep.stats());
                assertEquals(0, vtep.stats().dropped(DropReason.ECN_CE_NOT_ECT));

                // The "congested router": CE on every VXLAN packet the peer sends.
                k1.ok("nft", "add", "table", "ip", "cemark");
                k1.ok("nft", "add", "chain", "ip", "cemark", "post", "{ type filter hook postrouting priority 0; }");
                k1.ok("nft", "add", "rule", "ip", "cemark", "post", "udp", "dport", "4789", "ip", "ecn", "set", "ce");

                try (Capture outerCe = Capture.start(Namespace.SELF, "u-k1", "udp dst port 4789 and ip[1] & 3 == 3");
                        Capture innerCe = Capture.start(h1, "eth0", "icmp[0] == 8 and ip[1] & 3 == 3");
                        Capture innerAny = Capture.start(h1, "eth0", "icmp[0] == 8")) {
                    Cmd.Result ect = k1.run(
                            Duration.ofSeconds(15),
                            "ping",
                            "-c",
                            "3",
                            "-i",
                            "0.2",
                            "-w",
                            "8",
                            "-Q",
                            "0x02",
                            hostAddress);
                    assertTrue(ect.ok(), () -> ect.describe() + "\n" + vtep.stats());
                    Await.until(
                            Duration.ofSeconds(5),
                            () -> innerCe.count() >= 3,
                            () -> "inner CE at the host: " + innerCe.lines() + "\nall requests: " + innerAny.lines()
                                    + "\nouter CE: " + outerCe.lines() + "\n" + vtep.stats());
                    Await.until(
                            Duration.ofSeconds(5),
                            () -> outerCe.count() >= 3,
                            () -> "the peer's packets carried CE: " + outerCe.lines());
                    assertEquals(
                            0,
                            vtep.stats().dropped(DropReason.ECN_CE_NOT_ECT),
                            () -> vtep.stats().toString());

                    Await.until(
                            Duration.ofSeconds(5),
                            () -> innerAny.count() >= 3,
                            () -> innerAny.lines().toString());
                    int requestsSoFar = innerAny.count();
                    Cmd.Result notEct =
                            k1.run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-w", "3", hostAddress);
                    assertEquals(0, Namespace.received(notEct), notEct::describe);
                    Await.until(
                            Duration.ofSeconds(5),
                            () -> vtep.stats().dropped(DropReason.ECN_CE_NOT_ECT) >= 3,
                            () -> vtep.stats().toString());
                    assertEquals(
                            requestsSoFar,
                            innerAny.count(),
                            () -> "no Not-ECT request reached the host: " + innerAny.lines());
                    assertTrue(vtep.stats().segment(VNI).dropped(DropReason.ECN_CE_NOT_ECT) >= 3);
                }
            }
        }
    }
}
