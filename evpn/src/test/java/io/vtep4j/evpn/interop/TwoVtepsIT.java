package io.vtep4j.evpn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.EvpnAgent;
import io.vtep4j.evpn.EvpnStatus;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Frames;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import io.vtep4j.learning.Encapsulation;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two vtep4j VTEPs, each with its own EVPN agent and its own gobgpd, the two gobgpds peered: the control plane alone
 * fills flood lists and tables, and the data plane then forwards by them.
 */
class TwoVtepsIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int VNI = 100;
    private static final String VTEP_A = "10.99.1.1";
    private static final String VTEP_B = "10.99.1.2";
    private static final String MAC_A = "02:00:00:00:0a:01";
    private static final String MAC_B = "02:00:00:00:0b:01";

    private Lab lab;
    private Gobgpd bgpA;
    private Gobgpd bgpB;
    private Side a;
    private Side b;

    /** One VTEP, its agent and one local host port that records what it receives. */
    private static final class Side implements AutoCloseable {
        final Vtep vtep;
        final EvpnAgent agent;
        final List<String> received = new CopyOnWriteArrayList<>();
        LocalPort host;

        Side(String address, Gobgpd bgp, Duration ageing) {
            agent = EvpnAgent.builder()
                    .gobgp(bgp.api())
                    .vni(VNI)
                    .gracePeriod(Duration.ofSeconds(30))
                    .retry(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .build();
            vtep = Vtep.builder()
                    .localAddress(address)
                    .ageing(ageing)
                    .sweepInterval(Duration.ofMillis(100))
                    .fdbListener(agent.fdbListener())
                    .build();
            agent.start(vtep);
            host = vtep.segment(VNI).attach("host", frame -> {
                try {
                    received.add(Frames.source(frame));
                } finally {
                    frame.release();
                }
            });
        }

        boolean floodsTo(String address) {
            try {
                return Arrays.asList(vtep.segment(VNI).floodList().remotes()).contains(InetAddress.getByName(address));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(address, e);
            }
        }

        Location at(String mac) {
            return vtep.forwardingTable().lookup(VNI, MacAddress.parse(mac));
        }

        @Override
        public void close() {
            try {
                agent.close();
            } finally {
                vtep.close();
            }
        }
    }

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("gobgpd", "gobgp");
    }

    @BeforeEach
    void up() {
        lab = new Lab("evpn2");
        Namespace bgp = lab.namespace("bgp");
        lab.veth(Namespace.SELF, "u-bgp2", "10.98.0.1/24", bgp, "bgp2-u", "10.98.0.2/24");
        bgp.address("bgp2-u", "10.98.0.3/24");
        Namespace.SELF.ok("ip", "addr", "add", VTEP_A + "/32", "dev", "lo");
        Namespace.SELF.ok("ip", "addr", "add", VTEP_B + "/32", "dev", "lo");
        bgpA = new Gobgpd(bgp, "10.98.0.2", 65000, List.<String[]>of(new String[] {"10.98.0.3", "65000"}));
        bgpB = new Gobgpd(bgp, "10.98.0.3", 65000, List.<String[]>of(new String[] {"10.98.0.2", "65000"}));
        bgpA.start();
        bgpB.start();
        Await.until(
                WAIT,
                () -> bgpA.established("10.98.0.3"),
                () -> bgpA.cli("neighbor").stdout());
    }

    /** Starts both VTEPs; B ages its data-plane entries after {@code ageingB}. */
    private void vteps(Duration ageingB) {
        a = new Side(VTEP_A, bgpA, Duration.ofMinutes(5));
        b = new Side(VTEP_B, bgpB, ageingB);
    }

    @AfterEach
    void down() {
        try {
            closeAll(a, b);
        } finally {
            try {
                closeAll(bgpA, bgpB);
            } finally {
                Cmd.run("ip", "addr", "del", VTEP_A + "/32", "dev", "lo");
                Cmd.run("ip", "addr", "del", VTEP_B + "/32", "dev", "lo");
                lab.close();
            }
        }
    }

    private static void closeAll(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                System.err.println("teardown: " + e);
            }
        }
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
        a.host.send(Frames.arpRequest(MAC_A, "10.50.0.1", "10.50.0.2"));
        Await.until(WAIT, () -> b.received.contains(MAC_A), () -> "b received " + b.received);

        // Type 2: B holds A's host from BGP, and keeps it past several of B's data-plane ageing times (1 s).
        Location atA = Location.remote(InetAddress.getByName(VTEP_A), Encapsulation.VXLAN);
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
        b.host.send(Frames.arpRequest(MAC_B, "10.50.0.2", "10.50.0.1"));
        Location atB = Location.remote(InetAddress.getByName(VTEP_B), Encapsulation.VXLAN);
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
    void aGobgpdRestartIsReconciled() throws Exception {
        vteps(Duration.ofMinutes(5));
        a.host.send(Frames.arpRequest(MAC_A, "10.50.0.1", "10.50.0.2"));
        b.host.send(Frames.arpRequest(MAC_B, "10.50.0.2", "10.50.0.1"));
        Location atA = Location.remote(InetAddress.getByName(VTEP_A), Encapsulation.VXLAN);
        Location atB = Location.remote(InetAddress.getByName(VTEP_B), Encapsulation.VXLAN);
        Await.until(
                WAIT,
                () -> a.agent.installed(VNI, MacAddress.parse(MAC_B), atB)
                        && b.agent.installed(VNI, MacAddress.parse(MAC_A), atA),
                () -> a.agent.status() + " / " + b.agent.status());

        bgpA.kill();
        Await.until(
                WAIT,
                () -> a.agent.status().state() == EvpnStatus.State.DISCONNECTED,
                () -> a.agent.status().toString());
        // Within the grace period A keeps what it had.
        assertEquals(atB, a.at(MAC_B));
        bgpA.start();
        Await.until(
                WAIT,
                () -> a.agent.status().state() == EvpnStatus.State.CONNECTED,
                () -> a.agent.status().toString());
        assertTrue(a.agent.status().connects() >= 2, () -> a.agent.status().toString());
        // A re-advertised into the fresh gobgpd: B learns A's host again; A holds B's host from the new session.
        Await.until(WAIT, () -> bgpB.evpnRib().contains("[mac:" + MAC_A + "]"), bgpB::evpnRib);
        Await.until(WAIT, () -> bgpA.evpnRib().contains("[mac:" + MAC_B + "]"), bgpA::evpnRib);
        Await.until(
                WAIT,
                () -> a.agent.installed(VNI, MacAddress.parse(MAC_B), atB)
                        && b.agent.installed(VNI, MacAddress.parse(MAC_A), atA),
                () -> a.agent.status() + " / " + b.agent.status());
        assertTrue(a.floodsTo(VTEP_B) && b.floodsTo(VTEP_A));
    }
}
