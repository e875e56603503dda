package io.vtep4j.evpn.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.EvpnAgent;
import io.vtep4j.evpn.EvpnStatus;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Hosts;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.learning.NeighborEntry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j with its EVPN agent and a gobgpd, against FRR driving the Linux kernel's VXLAN (a {@code nolearning}
 * vxlan device in a bridge, {@code advertise-all-vni}): BGP alone tells each side where the other's host is, and
 * with its address (type-2 routes with MAC and IP): ARP suppression answers from what BGP brought.
 *
 * <pre>
 *   h1 --pcap-- vtep4j + gobgpd (10.99.2.1) ==underlay== (10.99.2.2) kernel vx100 + br100 + FRR -- h2
 * </pre>
 */
class FrrKernelIT {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final int VNI = 100;
    private static final String OURS = "10.99.2.1";
    private static final String THEIRS = "10.99.2.2";
    private static final String H1_MAC = "02:00:00:00:e1:01";
    private static final String H2_MAC = FrrRack.H2_MAC;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(FrrRack.TOOLS);
    }

    private static boolean boundFromBgp(Vtep vtep, InetAddress ip, long mac) {
        NeighborEntry e = vtep.neighborTable().get(VNI, ip);
        return e != null && e.mac() == mac && e.origin() == NeighborEntry.Origin.CONTROL;
    }

    @Test
    void hostsPingAndTheKernelFdbFollowsOurRoutes() throws Exception {
        try (Lab lab = new Lab("frr")) {
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.0.1/24", H1_MAC, "pc-h1");
            h1.assertRoute("10.50.0.2", "eth0");
            try (FrrRack rack = new FrrRack(lab, "u-frr", OURS, THEIRS, VNI);
                    Gobgpd gobgpd = new Gobgpd(
                            Namespace.SELF, OURS, 65000, List.<String[]>of(new String[] {THEIRS, "65000"}))) {
                Frr frr = rack.frr;
                gobgpd.start();
                EvpnAgent agent =
                        EvpnAgent.builder().gobgp(gobgpd.api()).vni(VNI).build();
                try (Vtep vtep = Vtep.builder()
                                .localAddress(OURS)
                                .fdbListener(agent.fdbListener())
                                .suppressNeighbors(true)
                                .neighborListener(agent.neighborListener())
                                .build();
                        PcapPort port = PcapPort.open(vtep.segment(VNI), "pc-h1")) {
                    agent.start(vtep);
                    Await.until(
                            WAIT,
                            () -> gobgpd.established(THEIRS),
                            () -> gobgpd.cli("neighbor").stdout() + frr.logs());
                    Await.until(
                            WAIT,
                            () -> agent.status().state() == EvpnStatus.State.CONNECTED,
                            () -> agent.status().toString());
                    // FRR's type 3 (with PMSI) puts the kernel VTEP in our flood list; ours gives the kernel its
                    // all-zeros flood entry toward us.
                    InetAddress theirs = InetAddress.getByName(THEIRS);
                    Await.until(
                            WAIT,
                            () -> vtep.segment(VNI).flooding().remotes().contains(theirs),
                            () -> agent.status() + "\n" + gobgpd.evpnRib()
                                    + frr.vtysh("show evpn vni " + VNI).stdout());
                    Await.until(
                            WAIT,
                            () -> rack.floodsTo(OURS),
                            () -> rack.fdb() + frr.vtysh("show bgp l2vpn evpn").stdout());

                    // FRR learns h2's address on the bridge's SVI and advertises h2 with MAC and IP: h2's address
                    // becomes a binding in our neighbour table, from which we answer h1's ARP request for it.
                    assertTrue(rack.announceH2("10.50.0.254/24"), "h2 reaches the SVI");
                    InetAddress h2 = InetAddress.getByName("10.50.0.2");
                    Await.until(
                            WAIT,
                            () -> boundFromBgp(vtep, h2, MacAddress.parse(H2_MAC)),
                            () -> vtep.neighborTable().show()
                                    + gobgpd.evpnRib()
                                    + frr.vtysh("show evpn arp-cache vni " + VNI)
                                            .stdout());

                    Cmd.Result ping = h1.ping("10.50.0.2", 3);
                    assertTrue(ping.ok(), () -> ping.describe() + "\n" + vtep.stats() + "\n" + rack.fdb());
                    assertTrue(
                            vtep.neighborTable().counters().answered() >= 1,
                            () -> "h1's ARP request answered here: "
                                    + vtep.neighborTable().counters());

                    // h1's address, snooped from its ARP, goes to FRR with h1's MAC.
                    Await.until(
                            WAIT,
                            () -> frr.vtysh("show bgp l2vpn evpn route type macip")
                                    .stdout()
                                    .contains("[" + H1_MAC + "]:[32]:[10.50.0.1]"),
                            () -> gobgpd.evpnRib()
                                    + frr.vtysh("show bgp l2vpn evpn route type macip")
                                            .stdout());

                    // The kernel holds our host from BGP (extern_learn, dst = our address) ...
                    Await.until(
                            WAIT,
                            () -> rack.fdb()
                                    .lines()
                                    .anyMatch(l -> l.startsWith(H1_MAC + " ")
                                            && l.contains("dst " + OURS)
                                            && l.contains("extern_learn")),
                            () -> rack.fdb());
                    // ... and we hold the kernel side's host from BGP.
                    Location there = Location.remote(theirs);
                    Await.until(
                            WAIT,
                            () -> agent.installed(VNI, MacAddress.parse(H2_MAC), there),
                            () -> vtep.forwardingTable().show() + gobgpd.evpnRib());

                    // A clean stop withdraws: the kernel forgets our host and its flood entry toward us.
                    agent.close();
                    Await.until(WAIT, () -> !rack.holdsFromBgp(H1_MAC, OURS) && !rack.floodsTo(OURS), () -> rack.fdb());
                    assertTrue(vtep.neighborTable().get(VNI, h2) == null, vtep.neighborTable()::show);
                } finally {
                    agent.close();
                }
            }
        }
    }
}
