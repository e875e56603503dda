package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Path MTU discovery through vtep4j: a Linux host behind vtep4j pings a host behind a kernel vxlan device with DF
 * set and a packet too big for the tunnel; vtep4j's ICMP "fragmentation needed" teaches the host's kernel a path MTU
 * of 1450 (1500 minus 50 bytes of VXLAN over IPv4), after which a 1450-byte packet with DF crosses both ways.
 */
class KernelVxlanPmtuIT {

    private static final int VNI = 5050;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping");
    }

    @Test
    void aHostBehindVtep4jLearnsThePathMtuFromOurIcmpAndThenGetsThrough() throws Exception {
        try (Lab lab = new Lab("pmtu")) {
            KernelPeerPair pair = KernelPeerPair.create(lab, 5, VNI);
            Namespace h1 = pair.host();

            try (Vtep vtep = Vtep.builder().localAddress(pair.ours()).build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(pair.theirs()), "pc-h1")) {
                // Both sides know each other first: the big ping then goes unicast to the kernel VTEP.
                Cmd.Result warm = h1.ping("10.50.5.2", 2);
                assertTrue(warm.ok(), () -> warm.describe() + "\n" + vtep.stats());

                // 1472 + 8 (ICMP) + 20 (IP) = a 1500-byte packet with DF: 1550 bytes on the underlay.
                Cmd.Result big = h1.run(
                        Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", "10.50.5.2");
                assertFalse(big.ok(), big::describe);
                assertTrue(big.stdout().contains("mtu = 1450"), () -> big.describe() + "\n" + vtep.stats());
                assertEquals(1, vtep.stats().segment(VNI).dropped(DropReason.MTU_EXCEEDED), vtep.stats()::toString);
                // The kernel of h1 now holds the learned path MTU for the destination.
                Await.until(
                        Duration.ofSeconds(5),
                        () -> h1.run("ip", "route", "get", "10.50.5.2").stdout().contains("mtu 1450"),
                        () -> h1.run("ip", "route", "get", "10.50.5.2").describe());
                // The next one is refused by h1 itself, before it reaches the wire.
                Cmd.Result again = h1.run(
                        Duration.ofSeconds(10), "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", "10.50.5.2");
                assertFalse(again.ok(), again::describe);
                assertEquals(1, vtep.stats().segment(VNI).dropped(DropReason.MTU_EXCEEDED), vtep.stats()::toString);

                // 1422 + 28 = 1450: fits exactly, both ways.
                Cmd.Result fits = h1.run(
                        Duration.ofSeconds(10), "ping", "-c", "2", "-W", "2", "-M", "do", "-s", "1422", "10.50.5.2");
                assertTrue(fits.ok(), () -> fits.describe() + "\n" + vtep.stats());
            }
        }
    }
}
