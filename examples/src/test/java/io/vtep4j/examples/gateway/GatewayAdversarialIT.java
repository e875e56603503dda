package io.vtep4j.examples.gateway;

import static io.vtep4j.examples.gateway.AdversaryLab.ATTACKER;
import static io.vtep4j.examples.gateway.AdversaryLab.BROADCAST;
import static io.vtep4j.examples.gateway.AdversaryLab.LOCAL;
import static io.vtep4j.examples.gateway.AdversaryLab.SEND;
import static io.vtep4j.examples.gateway.AdversaryLab.VNI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Await;
import io.vtep4j.interop.Capture;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Namespace;
import io.vtep4j.learning.ForwardingTable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end, as root: the running {@code vtep4j gateway} attacked from the underlay by a host that can reach it
 * (namespace "a", {@code adversary.py}): VXLAN to another address of the gateway's host, a trunk host's MAC claimed
 * from two outer sources, 100,000 forged outer sources, our own address as outer source. Each test would fail
 * against the gateway before the corresponding hardening (see each test). Lab: {@link AdversaryLab}.
 */
class GatewayAdversarialIT {

    @BeforeAll
    static void isolated() {
        AdversaryLab.requireIsolated();
    }

    /**
     * With a group joined, the gateway holds a socket bound to the wildcard address; VXLAN sent to a second,
     * unconfigured address of its host must not come out of the trunk (it did, before destinations were checked),
     * while the same packets to {@code --local} do. The packets to the other address are sent first: once the later
     * ones reached the trunk host, the earlier ones have been handled.
     */
    @Test
    void vxlanToAnotherAddressOfTheHostIsDroppedAndTheSameToLocalIsDelivered() throws Exception {
        String toOther = "02:a1:00:00:00:09";
        String toLocal = "02:a1:00:00:00:01";
        try (AdversaryLab adv = AdversaryLab.start("advdst")) {
            Namespace.SELF.address("gw-u", "10.99.0.9/24");
            Namespace.SELF.ok("ip", "route", "add", "239.8.8.8/32", "dev", "gw-u");
            Namespace.SELF.assertRoute("239.8.8.8", "gw-u");
            try (GatewayProcess gw = GatewayProcess.start(
                            AdversaryLab.gatewayArgs("--group", VNI + "=239.8.8.8", "--group-dev", "gw-u"));
                    Capture other = Capture.start(adv.h, "h-eth", "ether src " + toOther);
                    Capture local = Capture.start(adv.h, "h-eth", "ether src " + toLocal)) {
                AdversaryLab.awaitRunning(gw);
                adv.send(adv.attacker, SEND, "vxlan", "10.99.0.9", "" + VNI, toOther, BROADCAST, "5");
                adv.send(adv.attacker, SEND, "vxlan", LOCAL, "" + VNI, toLocal, BROADCAST, "5");

                Await.until(E2e.SETTLE, () -> local.count() >= 5, gw::describe);
                Await.until(E2e.SETTLE, () -> adv.drops("wrong-destination") >= 5, adv::scrape);
                assertEquals(0, other.count(), () -> "delivered to the trunk: " + other.lines());
                assertEquals(5, adv.drops("wrong-destination"));
                assertEquals("", AdversaryLab.fdbRow(gw, toOther), "learned from a packet not addressed to us");
                assertTrue(AdversaryLab.fdbRow(gw, toLocal).contains("dst " + ATTACKER), gw::describe);
            }
        }
    }

    /**
     * "Local wins": twelve VXLAN packets from two outer sources claim the MAC of the trunk host h while h is using
     * it. Before the hold rule, the MAC moved to the underlay and duplicate detection froze it at a remote, so k1's
     * replies to h went nowhere; now the table keeps it on the trunk, counts the refusals, and h's pings flow on.
     */
    @Test
    void spoofedClaimsOnATrunkHostsMacNeitherTakeNorFreezeIt() throws Exception {
        try (AdversaryLab adv = AdversaryLab.start("advmac")) {
            adv.attacker.address("a-u", "10.99.0.67/24");
            String hMac = adv.h.macOf("h-eth");
            try (GatewayProcess gw = GatewayProcess.start(AdversaryLab.gatewayArgs())) {
                AdversaryLab.awaitRunning(gw);
                E2e.assertPing(adv.h, "10.30.0.2", gw, null);
                // h keeps talking (40 pings, one each 0.2 s) while the claims arrive
                CompletableFuture<Cmd.Result> pings = CompletableFuture.supplyAsync(() ->
                        adv.h.run(Duration.ofSeconds(40), "ping", "-c", "40", "-i", "0.2", "-W", "2", "10.30.0.2"));
                adv.send(adv.attacker, SEND, "vxlan", LOCAL, "" + VNI, hMac, BROADCAST, "12", ATTACKER + ",10.99.0.67");
                Await.until(E2e.SETTLE, () -> adv.fdbEvents("refused-local") >= 1, adv::scrape);

                String row = AdversaryLab.fdbRow(gw, hMac);
                assertTrue(row.contains("trunk ("), () -> "h's MAC left the trunk: " + row + "\n" + gw.describe());
                Cmd.Result result = pings.get(60, TimeUnit.SECONDS);
                int received = Namespace.received(result);
                assertTrue(received >= 36, () -> "h lost its MAC: " + result.describe() + "\n" + adv.scrape());
                E2e.assertPing(adv.h, "10.30.0.2", gw, null);
                assertEquals(0, adv.fdbEvents("moved"), adv::scrape);
            }
        }
    }

    /**
     * 100,000 forged outer sources, one MAC each, fill the learned-remote budget (15,360 locations by default;
     * before it, 16,384 spoofed sources filled all locations and nothing more was ever learned). A genuine new VTEP
     * (k2, not a flood target: h's replies reach it only once its MAC is learned) still gets learned and pings h.
     */
    @Test
    void aHundredThousandSpoofedSourcesCannotStopAGenuineNewVtepFromBeingLearned() throws Exception {
        try (AdversaryLab adv = AdversaryLab.start("advsrc")) {
            Namespace.SELF.ok("ip", "route", "add", "10.96.0.0/14", "via", ATTACKER, "dev", "gw-u");
            Namespace.SELF.assertRoute("10.96.0.1", "gw-u").assertRoute("10.99.255.254", "gw-u");
            try (GatewayProcess gw = GatewayProcess.start(AdversaryLab.gatewayArgs())) {
                AdversaryLab.awaitRunning(gw);
                adv.send(adv.attacker, Duration.ofSeconds(120), "spoof", LOCAL, "" + VNI, "100000", "20000");

                Await.until(E2e.SETTLE, () -> adv.fdbEvents("refused-locations") > 0, adv::scrape);
                long accepted = adv.ofVni("vtep4j_underlay_rx_packets_total");
                assertTrue(
                        accepted > ForwardingTable.MAX_LOCATIONS,
                        () -> "too few spoofed packets got through to fill every location: " + accepted);
                long macs = (long) AdversaryLab.value(adv.scrape(), "vtep4j_macs", "");
                assertTrue(macs >= ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS, () -> "MACs " + macs);

                E2e.assertPing(adv.k2, "10.30.0.1", gw, null);
                String row = AdversaryLab.fdbRow(gw, adv.vx2.macAddress());
                assertTrue(row.contains("dst 10.99.0.3"), () -> "k2 not learned: '" + row + "'\n" + adv.scrape());
            }
        }
    }

    /**
     * Our own address as a flood target is refused at start (exit 2, before the fix every broadcast hairpinned), and
     * packets forged with our own address as outer source are dropped and counted, never learned nor delivered.
     */
    @Test
    void ourOwnAddressIsNeitherAFloodTargetNorAnAcceptedSource() throws Exception {
        try (AdversaryLab adv = AdversaryLab.start("advself")) {
            try (GatewayProcess refused = GatewayProcess.start(AdversaryLab.flooding("10.99.0.2," + LOCAL))) {
                assertEquals(GatewayCommand.EXIT_CONFIG, refused.awaitExit(E2e.START), refused::describe);
                assertTrue(
                        refused.stderr().contains("--flood") && refused.stderr().contains(LOCAL), refused::describe);
            }
            // the kernel would discard a local source arriving from outside as a martian before the gateway sees it
            for (String dev : List.of("all", "gw-u")) {
                Namespace.SELF.ok("sysctl", "-qw", "net.ipv4.conf." + dev + ".accept_local=1");
                Namespace.SELF.ok("sysctl", "-qw", "net.ipv4.conf." + dev + ".rp_filter=0");
            }
            String forged = "02:a1:00:00:00:51";
            String control = "02:a1:00:00:00:52";
            try (GatewayProcess gw = GatewayProcess.start(AdversaryLab.gatewayArgs());
                    Capture forgedOut = Capture.start(adv.h, "h-eth", "ether src " + forged);
                    Capture controlOut = Capture.start(adv.h, "h-eth", "ether src " + control)) {
                AdversaryLab.awaitRunning(gw);
                adv.send(adv.attacker, SEND, "vxlan", LOCAL, "" + VNI, forged, BROADCAST, "5", LOCAL);
                adv.send(adv.attacker, SEND, "vxlan", LOCAL, "" + VNI, control, BROADCAST, "3");

                Await.until(E2e.SETTLE, () -> controlOut.count() >= 3, gw::describe);
                Await.until(E2e.SETTLE, () -> adv.drops("source-is-local") >= 5, adv::scrape);
                assertEquals(5, adv.drops("source-is-local"));
                assertEquals(0, forgedOut.count(), () -> "delivered: " + forgedOut.lines());
                assertEquals("", AdversaryLab.fdbRow(gw, forged), "learned with our own address as location");
            }
        }
    }
}
