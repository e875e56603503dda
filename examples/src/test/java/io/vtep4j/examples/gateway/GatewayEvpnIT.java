package io.vtep4j.examples.gateway;

import static io.vtep4j.examples.gateway.E2e.START;
import static io.vtep4j.examples.gateway.E2e.STOP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.evpn.interop.FrrRack;
import io.vtep4j.evpn.interop.Gobgpd;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Hosts;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code vtep4j gateway --evpn} with a gobgpd, against FRR driving a kernel vxlan device ({@code nolearning}) in a
 * bridge: no {@code --flood}, the flood lists and remote MACs come from BGP on both sides.
 *
 * <pre>
 *   h1 --untagged trunk-- gateway + gobgpd (10.99.3.1) ==underlay== (10.99.3.2) kernel vx100 + FRR -- h2
 * </pre>
 */
class GatewayEvpnIT {

    private static final Duration WAIT = Duration.ofSeconds(40);
    private static final String OURS = "10.99.3.1";
    private static final String THEIRS = "10.99.3.2";
    private static final String H1_MAC = "02:00:00:00:e1:01";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(FrrRack.TOOLS);
    }

    @Test
    void hostsPingThroughBgpLearnedPathsAndAStopWithdraws() throws Exception {
        try (Lab lab = new Lab("gwevpn")) {
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.0.1/24", H1_MAC, "gw-trunk");
            try (FrrRack rack = new FrrRack(lab, "gw-u", OURS, THEIRS, 100);
                    Gobgpd gobgpd = new Gobgpd(
                            Namespace.SELF, OURS, 65000, List.<String[]>of(new String[] {THEIRS, "65000"}))) {
                gobgpd.start();
                try (GatewayProcess gw = GatewayProcess.start(List.of(
                        "--local",
                        OURS,
                        "--port",
                        "gw-trunk",
                        "--untagged",
                        "100",
                        "--evpn",
                        gobgpd.api(),
                        "--evpn-asn",
                        "65000",
                        "--arp-suppress",
                        "--stats-interval",
                        "1s"))) {
                    assertTrue(gw.awaitOutput("running", START), gw::describe);
                    assertTrue(gw.awaitOutput("bgp connected", WAIT), gw::describe);
                    Await.until(WAIT, () -> rack.floodsTo(OURS), () -> rack.fdb() + gw.describe());

                    Cmd.Result ping = h1.ping("10.50.0.2", 3);
                    assertTrue(ping.ok(), () -> ping.describe() + "\n" + rack.fdb() + gw.describe());
                    Await.until(WAIT, () -> rack.holdsFromBgp(H1_MAC, OURS), () -> rack.fdb() + gw.describe());
                    // With --arp-suppress, h1's address (snooped from its ARP) reaches FRR with h1's MAC.
                    Await.until(
                            WAIT,
                            () -> rack.frr
                                    .vtysh("show bgp l2vpn evpn route type macip")
                                    .stdout()
                                    .contains("[" + H1_MAC + "]:[32]:[10.50.0.1]"),
                            () -> rack.frr
                                            .vtysh("show bgp l2vpn evpn route type macip")
                                            .stdout()
                                    + gw.describe());

                    // The table dump marks FRR's host as installed from BGP.
                    gw.signal("USR2");
                    Await.until(
                            WAIT,
                            () -> gw.stdout()
                                    .lines()
                                    .anyMatch(l -> l.contains(FrrRack.H2_MAC)
                                            && l.contains(" evpn ")
                                            && l.contains("dst " + THEIRS)),
                            gw::describe);

                    gw.signal("TERM");
                    assertEquals(0, gw.awaitExit(STOP), gw::describe);
                    Await.until(WAIT, () -> !rack.holdsFromBgp(H1_MAC, OURS) && !rack.floodsTo(OURS), rack::fdb);
                }
            }
        }
    }
}
