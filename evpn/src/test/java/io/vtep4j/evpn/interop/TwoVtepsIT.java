package io.vtep4j.evpn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.LocalPort;
import io.vtep4j.evpn.EvpnStatus;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two vtep4j VTEPs, each with its own EVPN agent and its own gobgpd, the two gobgpds peered: the control plane alone
 * fills flood lists and tables, and the data plane then forwards by them.
 */
class TwoVtepsIT {

    private static final Duration WAIT = EvpnRacks.WAIT;
    private static final int VNI = EvpnRacks.VNI;
    private static final String VTEP_A = EvpnRacks.VTEP_A;
    private static final String VTEP_B = EvpnRacks.VTEP_B;
    private static final String MAC_A = "02:00:00:00:0a:01";
    private static final String MAC_B = "02:00:00:00:0b:01";

    private EvpnRacks racks;
    private EvpnRacks.Side a;
    private EvpnRacks.Side b;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("gobgpd", "gobgp");
    }

    @BeforeEach
    void up() {
        racks = new EvpnRacks("evpn2");
    }

    /** Starts both VTEPs; B ages its data-plane entries after {@code ageingB}. */
    private void vteps(Duration ageingB) {
        racks.vteps(Duration.ofMinutes(5), ageingB);
        a = racks.a;
        b = racks.b;
    }

    @AfterEach
    void down() {
        racks.close();
    }

    @Test
    void controlPlaneFillsFloodListsAndTablesAndTheDataPlaneUsesThem() throws Exception {
        vteps(Duration.ofSeconds(1));
        Namespace.SELF.assertRoute(VTEP_B, "lo");
        // Type 3 both ways: each flood list names the other VTEP, learned from BGP only.
        Await.until(
                WAIT,
                () -> a.floodsTo(VTEP_B) && b.floodsTo(VTEP_A),
                () -> a.vtep.segment(VNI) + " / " + b.vtep.segment(VNI));

        // The first ARP goes by head-end replication to the other VTEP's host.
        a.host.send(Frames.arpRequest(MacAddress.parse(MAC_A), "10.50.0.1", "10.50.0.2"));
        Await.until(WAIT, () -> b.received.contains(MAC_A), () -> "b received " + b.received);

        // Type 2: B holds A's host from BGP, and keeps it past several of B's data-plane ageing times (1 s).
        Location atA = Location.remote(InetAddress.getByName(VTEP_A));
        Await.until(
                WAIT,
                () -> b.agent.installed(VNI, MacAddress.parse(MAC_A), atA),
                () -> b.vtep.forwardingTable().show());
        long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < deadline) {
            assertEquals(atA, b.at(MAC_A), () -> b.vtep.forwardingTable().show());
            Thread.sleep(100);
        }

        // The reply is unicast by the BGP-installed entry; A then holds B's host from BGP too.
        b.host.send(Frames.arpRequest(MacAddress.parse(MAC_B), "10.50.0.2", "10.50.0.1"));
        Location atB = Location.remote(InetAddress.getByName(VTEP_B));
        Await.until(
                WAIT,
                () -> a.agent.installed(VNI, MacAddress.parse(MAC_B), atB),
                () -> a.vtep.forwardingTable().show());

        // A's host leaves (port detached): A withdraws, B removes the entry.
        a.host.close();
        Await.until(
                WAIT, () -> b.at(MAC_A) == null, () -> b.vtep.forwardingTable().show());
    }

    @Test
    void aMacMoveBumpsTheSequenceNumberAndTheOldSideWithdraws() throws Exception {
        vteps(Duration.ofMinutes(5));
        Location atA = Location.remote(InetAddress.getByName(VTEP_A));
        Location atB = Location.remote(InetAddress.getByName(VTEP_B));
        a.host.send(Frames.arpRequest(MacAddress.parse(MAC_A), "10.50.0.1", "10.50.0.2"));
        Await.until(
                WAIT,
                () -> b.agent.installed(VNI, MacAddress.parse(MAC_A), atA),
                () -> b.vtep.forwardingTable().show());

        // The host moves behind B: B's entry (from BGP) moves to the local port, B advertises sequence 1 (RFC 7432
        // §7.7), A sees a higher sequence than its own 0, withdraws its route and installs B's.
        LocalPort moved = b.vtep.segment(VNI).attach("moved", io.netty.buffer.ByteBuf::release);
        moved.send(Frames.arpRequest(MacAddress.parse(MAC_A), "10.50.0.1", "10.50.0.2"));
        Await.until(
                WAIT,
                () -> a.agent.installed(VNI, MacAddress.parse(MAC_A), atB),
                () -> a.vtep.forwardingTable().show() + racks.bgpA.evpnRib());
        Await.until(
                WAIT,
                () -> {
                    String rib = racks.bgpA
                            .cli("global", "rib", "-a", "evpn", "macadv")
                            .stdout();
                    return rib.contains("[rd:" + VTEP_B + ":" + VNI + "][etag:0][mac:" + MAC_A + "]")
                            && rib.contains("mac-mobility: 1")
                            && !rib.contains("[rd:" + VTEP_A + ":" + VNI + "][etag:0][mac:" + MAC_A + "]");
                },
                racks.bgpA::evpnRib);
        assertEquals(moved.id(), b.at(MAC_A).portId());
    }

    @Test
    void aGobgpdRestartIsReconciled() throws Exception {
        vteps(Duration.ofMinutes(5));
        a.host.send(Frames.arpRequest(MacAddress.parse(MAC_A), "10.50.0.1", "10.50.0.2"));
        b.host.send(Frames.arpRequest(MacAddress.parse(MAC_B), "10.50.0.2", "10.50.0.1"));
        Location atA = Location.remote(InetAddress.getByName(VTEP_A));
        Location atB = Location.remote(InetAddress.getByName(VTEP_B));
        Await.until(
                WAIT,
                () -> a.agent.installed(VNI, MacAddress.parse(MAC_B), atB)
                        && b.agent.installed(VNI, MacAddress.parse(MAC_A), atA),
                () -> a.agent.status() + " / " + b.agent.status());

        racks.bgpA.kill();
        Await.until(
                WAIT,
                () -> a.agent.status().state() == EvpnStatus.State.DISCONNECTED,
                () -> a.agent.status().toString());
        // Within the grace period A keeps what it had.
        assertEquals(atB, a.at(MAC_B));
        racks.bgpA.start();
        Await.until(
                WAIT,
                () -> a.agent.status().state() == EvpnStatus.State.CONNECTED,
                () -> a.agent.status().toString());
        assertTrue(a.agent.status().connects() >= 2, () -> a.agent.status().toString());
        // A re-advertised into the fresh gobgpd: B learns A's host again; A holds B's host from the new session.
        Await.until(WAIT, () -> racks.bgpB.evpnRib().contains("[mac:" + MAC_A + "]"), racks.bgpB::evpnRib);
        Await.until(WAIT, () -> racks.bgpA.evpnRib().contains("[mac:" + MAC_B + "]"), racks.bgpA::evpnRib);
        Await.until(
                WAIT,
                () -> a.agent.installed(VNI, MacAddress.parse(MAC_B), atB)
                        && b.agent.installed(VNI, MacAddress.parse(MAC_A), atA),
                () -> a.agent.status() + " / " + b.agent.status());
        assertTrue(a.floodsTo(VTEP_B) && b.floodsTo(VTEP_A));
    }
}
