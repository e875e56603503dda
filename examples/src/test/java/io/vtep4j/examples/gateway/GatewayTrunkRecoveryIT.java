package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end, as root: the trunk interface is deleted and recreated under a running {@code vtep4j gateway}, which
 * reopens it and forwards again; its Prometheus endpoint shows the per-VNI counters moving and the reopening.
 *
 * <pre>
 *  h3 10.30.0.1 h3-eth --veth-- gw-edge [gateway, untagged -> VNI 10300] 10.99.0.1 --fabric-- k3 vxlan 10300
 * </pre>
 */
class GatewayTrunkRecoveryIT {
    private static final int METRICS_PORT = 9464;
    private static final Pattern RX_FRAMES =
            Pattern.compile("(?m)^vtep4j_port_rx_frames_total\\{vni=\"10300\"} (\\S+)$");
    private static final Pattern REOPENS = Pattern.compile("(?m)^vtep4j_trunk_reopens_total (\\S+)$");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "ping", "bridge", "kill");
    }

    private String scrape() {
        return AdversaryLab.scrape(http, METRICS_PORT);
    }

    @Test
    void aRecreatedTrunkInterfaceIsReopenedAndTrafficFlowsAgain() throws Exception {
        try (Lab lab = new Lab("gwrecover")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            Namespace h3 = untagged.h3();
            Namespace k3 = untagged.k3();

            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs(
                    "--stats-interval", "1s", "--metrics-port", Integer.toString(METRICS_PORT)))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                E2e.assertPing(h3, "10.30.0.2", gw, null);
                double before = AdversaryLab.sample(RX_FRAMES, scrape());
                assertTrue(before > 0, "per-VNI counter moved with the pings");
                assertEquals(0, AdversaryLab.sample(REOPENS, scrape()));

                // the trunk goes away (deleting one end of a veth deletes both) and comes back with a new index
                Namespace.SELF.ok("ip", "link", "del", "gw-edge");
                assertTrue(gw.awaitOutput("trunk gw-edge lost", E2e.START), gw::describe);
                lab.veth(h3, "h3-eth", "10.30.0.1/24", Namespace.SELF, "gw-edge", null);
                assertTrue(gw.awaitOutput("trunk gw-edge reopened", E2e.START), gw::describe);

                E2e.assertPing(h3, "10.30.0.2", gw, null);
                E2e.assertPing(k3, "10.30.0.1", gw, null);
                String after = scrape();
                assertTrue(AdversaryLab.sample(RX_FRAMES, after) > before, after);
                assertEquals(1, AdversaryLab.sample(REOPENS, after), after);
                assertTrue(gw.awaitOutput("reopened 1", E2e.START), gw::describe); // the status line says so

                // down and up again (same index): the kernel resumes the capture's socket by itself, and frames
                // sent while it was down are counted as trunk send errors
                Namespace.SELF.ok("ip", "link", "set", "gw-edge", "down");
                k3.run(Duration.ofSeconds(10), "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.30.0.1");
                assertTrue(gw.awaitOutput("send ", E2e.START), gw::describe);
                Namespace.SELF.ok("ip", "link", "set", "gw-edge", "up");
                E2e.assertPing(h3, "10.30.0.2", gw, null);
                E2e.assertPing(k3, "10.30.0.1", gw, null);

                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                assertTrue(gw.stdout().contains("summary after"), gw::describe);
                System.out.println(gw.describe());
            }
        }
    }
}
