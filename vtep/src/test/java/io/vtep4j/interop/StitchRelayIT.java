package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.XdpMode;
import io.vtep4j.internal.xdp.StitchOffload;
import io.vtep4j.internal.xdp.StitchRelay;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A VNI stitch relayed in the kernel, between two Linux vxlan devices as the two domains' VTEPs: VTEP A (VNI 100)
 * and VTEP B (VNI 200) in the test's namespace hand each other's frames on through one local port each, and
 * {@link StitchOffload} runs on both underlay veths. Hosts behind the two kernel devices ping each other: the first
 * frames go through both VTEPs and teach them; once both tables agree, the program relays the echo requests and
 * replies in both directions, every ping is answered, and each kernel device learns the far host behind the VTEP
 * that faces it, which shows the relayed packets carry that VTEP's outer addresses and VNI.
 */
class StitchRelayIT {
    private static final String HOST_A = "02:00:00:00:0a:01";
    private static final String HOST_B = "02:00:00:00:0b:01";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping");
    }

    @Test
    void pingsAcrossTheStitchAreRelayedInTheKernelBothWays() throws Exception {
        try (Lab lab = new Lab("relay")) {
            Namespace ka = Hosts.linkedToSelf(lab, "ka", "10.99.1.2/24", "u-ka", "10.99.1.1/24");
            Namespace kb = Hosts.linkedToSelf(lab, "kb", "10.99.2.2/24", "u-kb", "10.99.2.1/24");
            KernelVxlan vxa = KernelVxlan.in(ka, "vx0")
                    .vni(100)
                    .local("10.99.1.2")
                    .remote("10.99.1.1")
                    .mac(HOST_A)
                    .overlay("10.50.7.1/24")
                    .create();
            KernelVxlan vxb = KernelVxlan.in(kb, "vx0")
                    .vni(200)
                    .local("10.99.2.2")
                    .remote("10.99.2.1")
                    .mac(HOST_B)
                    .overlay("10.50.7.2/24")
                    .create();
            // Safety rule: every sender's route goes through the test's own links.
            Namespace.SELF.assertRoute("10.99.1.2", "u-ka");
            Namespace.SELF.assertRoute("10.99.2.2", "u-kb");
            ka.assertRoute("10.50.7.2", "vx0");
            kb.assertRoute("10.50.7.1", "vx0");

            try (StitchRelay relay = new StitchRelay("stitch", "stitch");
                    Vtep a = Vtep.builder()
                            .localAddress("10.99.1.1")
                            .fdbListener(relay.listener(true))
                            .eventLoops(1)
                            .build();
                    Vtep b = Vtep.builder()
                            .localAddress("10.99.2.1")
                            .fdbListener(relay.listener(false))
                            .eventLoops(1)
                            .build()) {
                StitchOffload offload = StitchOffload.open(
                        new StitchOffload.Side(InetAddress.getByName("10.99.1.1"), 4789, 100),
                        new StitchOffload.Side(InetAddress.getByName("10.99.2.1"), 4789, 200),
                        1024,
                        XdpMode.AUTO);
                relay.start(offload, a.forwardingTable(), b.forwardingTable(), Duration.ofSeconds(1));
                assertTrue(
                        offload.describe().contains("u-ka")
                                && offload.describe().contains("u-kb"),
                        offload::describe);
                AtomicReference<LocalPort> onA = new AtomicReference<>();
                AtomicReference<LocalPort> onB = new AtomicReference<>();
                onA.set(a.segment(100).floodTo("10.99.1.2").attach("stitch", frame -> hand(onB, frame)));
                onB.set(b.segment(200).floodTo("10.99.2.2").attach("stitch", frame -> hand(onA, frame)));

                // Teaching: the first exchange goes through both VTEPs; then the maps follow their tables.
                Cmd.Result first = ka.ping("10.50.7.2", 2);
                assertTrue(first.ok(), () -> first.describe() + "\n" + a.stats() + "\n" + b.stats());
                assertTrue(relay.awaitApplied(Duration.ofSeconds(10)), "the tables' changes reach the maps");

                // Rounds of five pings each way until the program has relayed ten packets out of each side (a next
                // hop it could not resolve yet is looked up again every second); every ping answered throughout.
                for (int round = 0; round < 6 && (offload.frames(false) < 10 || offload.frames(true) < 10); round++) {
                    Cmd.Result there = ka.ping("10.50.7.2", 5);
                    assertTrue(there.ok(), () -> there.describe() + "\n" + a.stats() + "\n" + b.stats());
                    Cmd.Result back = kb.ping("10.50.7.1", 5);
                    assertTrue(back.ok(), () -> back.describe() + "\n" + a.stats() + "\n" + b.stats());
                }
                assertTrue(
                        offload.frames(false) >= 10 && offload.frames(true) >= 10,
                        () -> "relayed out of B " + offload.frames(false) + ", out of A " + offload.frames(true) + "\n"
                                + a.stats() + "\n" + b.stats());
                assertEquals(0, offload.refused());
                assertEquals(0, relay.failures());
                // Each kernel device holds the far host behind the VTEP facing it, as the relayed packets said.
                assertTrue(vxb.learned(HOST_A, "10.99.2.1"), vxb::fdb);
                assertTrue(vxa.learned(HOST_B, "10.99.1.1"), vxa::fdb);
                assertEquals(0, a.stats().totalDrops() + b.stats().totalDrops(), () -> a.stats() + "\n" + b.stats());
            }
        }
    }

    private static void hand(AtomicReference<LocalPort> to, ByteBuf frame) {
        LocalPort port = to.get();
        if (port == null) {
            frame.release();
            return;
        }
        port.send(frame);
    }
}
