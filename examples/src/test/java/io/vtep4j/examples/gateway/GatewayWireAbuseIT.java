package io.vtep4j.examples.gateway;

import static io.vtep4j.examples.gateway.AdversaryLab.BROADCAST;
import static io.vtep4j.examples.gateway.AdversaryLab.LOCAL;
import static io.vtep4j.examples.gateway.AdversaryLab.SEND;
import static io.vtep4j.examples.gateway.AdversaryLab.VNI;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Await;
import io.vtep4j.interop.Capture;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end, as root: what a running {@code vtep4j gateway} does with abusive traffic on the wire: an oversized
 * NVGRE packet over IPv6, STP and LLDP frames and a broadcast storm on the trunk, zero-byte and 65,507-byte
 * datagrams to the VXLAN port. Counters come from the gateway's Prometheus endpoint, the wire from tcpdump.
 * Absence is shown by ordering, not by waiting: a control packet sent after the hostile ones arrives first.
 */
class GatewayWireAbuseIT {
    /** What the gateway sends into the underlay (its own floods), as tcpdump sees it on {@code gw-u}. */
    private static final String GATEWAY_VXLAN = "udp dst port 4789 and src host " + LOCAL;

    @BeforeAll
    static void isolated() {
        AdversaryLab.requireIsolated();
    }

    /**
     * A 3000-byte NVGRE frame over IPv6 (fragmented by the sender, reassembled by the gateway's kernel) overflows the
     * raw socket's receive slot. Before truncation was detected, the read cut it to the slot and the cut packet was
     * decapsulated and delivered; now it is counted as {@code mtu-exceeded} and a small frame sent after it arrives.
     */
    @Test
    void anOversizedNvgrePacketOverIpv6IsCountedAndNotForwarded() throws Exception {
        Path script = AdversaryLab.copyScript();
        try (Lab lab = new Lab("advgre6")) {
            Namespace h = lab.namespace("h");
            lab.veth(h, "h-eth", "10.30.0.1/24", Namespace.SELF, "gw-edge", null);
            lab.ipv6(true);
            Namespace attacker = lab.namespace("a");
            lab.veth(Namespace.SELF, "gw-u", "fd99::1/64", attacker, "a-u", "fd99::66/64");
            Namespace.SELF.assertRoute("fd99::66", "gw-u");
            attacker.assertRoute("fd99::1", "a-u");
            String big = "02:a1:00:00:0b:16";
            String small = "02:a1:00:00:05:11";
            try (GatewayProcess gw = GatewayProcess.start(List.of(
                            "--encap",
                            "nvgre",
                            "--local",
                            "fd99::1",
                            "--port",
                            "gw-edge",
                            "--untagged",
                            Integer.toString(VNI),
                            "--flood",
                            VNI + "=fd99::66",
                            "--metrics-port",
                            Integer.toString(AdversaryLab.METRICS_PORT)));
                    Capture bigOut = Capture.start(h, "h-eth", "ether src " + big);
                    Capture smallOut = Capture.start(h, "h-eth", "ether src " + small)) {
                AdversaryLab.awaitRunning(gw);
                AdversaryLab.send(script, attacker, SEND, "nvgre6", "fd99::1", "" + VNI, big, "3000", "3");
                AdversaryLab.send(script, attacker, SEND, "nvgre6", "fd99::1", "" + VNI, small, "100", "3");

                HttpClient http = HttpClient.newHttpClient();
                Await.until(E2e.SETTLE, () -> smallOut.count() >= 3, gw::describe);
                Await.until(E2e.SETTLE, () -> mtuExceeded(http) >= 3, () -> scrape(http));
                assertEquals(3, mtuExceeded(http), () -> scrape(http));
                assertEquals(0, bigOut.count(), () -> "a cut packet was delivered: " + bigOut.lines());
            }
        } finally {
            AdversaryLab.deleteQuietly(script);
        }
    }

    private static String scrape(HttpClient http) {
        return AdversaryLab.scrape(http, AdversaryLab.METRICS_PORT);
    }

    private static long mtuExceeded(HttpClient http) {
        return (long) AdversaryLab.value(scrape(http), "vtep4j_drops_total", "reason=\"mtu-exceeded\"");
    }

    /**
     * IEEE 802.1D link-local frames (STP BPDUs, LLDP) from the trunk are consumed, counted as
     * {@code link-local-frame}, and never reach the underlay; three broadcasts sent after them do (one copy each to
     * the one flood target), and tcpdump on the underlay sees exactly those three.
     */
    @Test
    void stpAndLldpFromTheTrunkAreNotFloodedIntoTheUnderlay() throws Exception {
        try (AdversaryLab adv = AdversaryLab.start("advll");
                GatewayProcess gw = GatewayProcess.start(AdversaryLab.gatewayArgs());
                Capture underlay = Capture.start(Namespace.SELF, "gw-u", GATEWAY_VXLAN)) {
            AdversaryLab.awaitRunning(gw);
            adv.send(adv.h, SEND, "l2", "h-eth", "stp", "5");
            adv.send(adv.h, SEND, "l2", "h-eth", "lldp", "5");
            adv.send(adv.h, SEND, "l2", "h-eth", "storm", "3");

            Await.until(E2e.SETTLE, () -> underlay.count() >= 3, gw::describe);
            Await.until(E2e.SETTLE, () -> adv.drops("link-local-frame") >= 10, adv::scrape);
            assertEquals(10, adv.drops("link-local-frame"), adv::scrape);
            assertEquals(3, underlay.count(), () -> "underlay: " + underlay.lines());
            assertEquals(3, adv.ofVni("vtep4j_underlay_tx_packets_total"), adv::scrape);
        }
    }

    /**
     * A broadcast storm of 20,000 frames from the trunk (5,000 per second) with {@code --flood-limit 100} and two flood targets: the
     * underlay copies stay within limit x peers x (elapsed seconds + the one-second burst), although without the
     * limit every frame the gateway read would have made two copies; the rest count as {@code flood-limited}.
     */
    @Test
    void aBroadcastStormOnTheTrunkIsLimitedToTheFloodLimitPerPeer() throws Exception {
        int limit = 100;
        int peers = 2;
        try (AdversaryLab adv = AdversaryLab.start("advstorm");
                GatewayProcess gw = GatewayProcess.start(
                        AdversaryLab.flooding("10.99.0.2,10.99.0.3", "--flood-limit", "" + limit));
                Capture underlay = Capture.start(Namespace.SELF, "gw-u", GATEWAY_VXLAN)) {
            AdversaryLab.awaitRunning(gw);
            long txBefore = adv.ofVni("vtep4j_underlay_tx_packets_total");
            long start = System.nanoTime();
            adv.send(adv.h, SEND, "l2", "h-eth", "storm", "20000", "5000");
            // the gateway reads the trunk behind the sender; wait (bounded) until it has read a good part of it
            Await.until(E2e.SETTLE, () -> adv.ofVni("vtep4j_port_rx_frames_total") >= 5000, adv::scrape);

            String scrape = adv.scrape(); // one reading of every counter
            double seconds = (System.nanoTime() - start) / 1e9;
            String vni = "vni=\"" + VNI + "\"";
            long rx = (long) AdversaryLab.value(scrape, "vtep4j_port_rx_frames_total", vni);
            long copies = (long) AdversaryLab.value(scrape, "vtep4j_underlay_tx_packets_total", vni) - txBefore;
            long limited = (long) AdversaryLab.value(scrape, "vtep4j_drops_total", "reason=\"flood-limited\"");
            long bound = (long) Math.ceil(limit * peers * (seconds + 1));
            String state = "rx " + rx + ", copies " + copies + ", flood-limited " + limited + ", bound " + bound
                    + " after " + seconds + " s\n" + scrape;
            System.out.println("storm: " + state.lines().findFirst().orElse(""));
            assertTrue(copies <= bound, state);
            assertTrue(copies >= (long) limit * peers, () -> "the burst did not pass: " + state);
            assertTrue(rx * peers > 2 * bound, () -> "too weak a storm to tell: " + state);
            assertTrue(limited >= rx - copies / peers, state); // every frame read was flooded or limited
            assertTrue(underlay.count() <= bound, () -> "tcpdump saw " + underlay.count() + "; " + state);
            E2e.assertPing(adv.h, "10.30.0.2", gw, null); // unicast is not limited
        }
    }

    /**
     * Zero-byte and 65,507-byte UDP datagrams to the VXLAN port are dropped and counted (too short for a VXLAN
     * header; longer than any tunnel packet, cut by the read), and the gateway forwards on.
     */
    @Test
    void emptyAndMaximalDatagramsAreCountedAndForwardingGoesOn() throws Exception {
        String control = "02:a1:00:00:00:c0";
        try (AdversaryLab adv = AdversaryLab.start("advsize");
                GatewayProcess gw = GatewayProcess.start(AdversaryLab.gatewayArgs());
                Capture controlOut = Capture.start(adv.h, "h-eth", "ether src " + control)) {
            AdversaryLab.awaitRunning(gw);
            adv.send(adv.attacker, SEND, "udp", LOCAL, "4789", "0", "3");
            adv.send(adv.attacker, SEND, "udp", LOCAL, "4789", "65507", "3");
            adv.send(adv.attacker, SEND, "vxlan", LOCAL, "" + VNI, control, BROADCAST, "3");

            Await.until(E2e.SETTLE, () -> controlOut.count() >= 3, gw::describe);
            Await.until(
                    E2e.SETTLE, () -> adv.drops("vxlan-truncated") >= 3 && adv.drops("mtu-exceeded") >= 3, adv::scrape);
            assertEquals(3, adv.drops("vxlan-truncated"), adv::scrape);
            assertEquals(3, adv.drops("mtu-exceeded"), adv::scrape);
            E2e.assertPing(adv.h, "10.30.0.2", gw, null);
            E2e.assertPing(adv.k1, "10.30.0.1", gw, null);
        }
    }
}
