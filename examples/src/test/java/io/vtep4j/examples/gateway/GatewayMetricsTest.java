package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.VtepStats;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.examples.demo.Addresses;
import io.vtep4j.examples.demo.Frames;
import java.io.IOException;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code --metrics-port} and the trunk's failures in the status line, in-process without root: a fake trunk, the
 * gateway on 127.0.0.1 and a peer VTEP on 127.0.0.2 for VNI 10100 (VLAN 100), VXLAN over loopback between them.
 */
class GatewayMetricsTest {
    private static final long WAIT_MS = 3000;
    private static final long HOST = 0x0200_0000_0100L;
    private static final long PEER = 0x0200_0000_9901L;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final BlockingQueue<ByteBuf> atPeer = new LinkedBlockingQueue<>();
    private int udpPort;
    private int metricsPort;
    private Vtep peer;
    private LocalPort peerPort;
    private Gateway gateway;
    private GatewayTest.FakeTrunk trunk;

    @BeforeEach
    void start() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            metricsPort = probe.getLocalPort();
        }
        peer = GatewayTest.loopbackPeer();
        udpPort = peer.boundAddresses().get(0).getPort();
        peerPort = peer.segment(10100).floodTo("127.0.0.1").attach("peer", atPeer::add);
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        peer.close();
        atPeer.forEach(ByteBuf::release);
    }

    private GatewayOptions options() {
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.dstPort = Integer.toString(udpPort);
        options.vlans.add("100:10100");
        options.flood.add("10100=127.0.0.2");
        return options;
    }

    private void startGateway(GatewayOptions options) {
        gateway = Gateway.start(options.toConfig(), sink -> trunk = new GatewayTest.FakeTrunk(sink));
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
                        .timeout(Duration.ofSeconds(5))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** The value of the series {@code series} (name and labels exactly as exposed) in a scrape. */
    private static double value(String scrape, String series) {
        Matcher m =
                Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), () -> series + " not in:\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    private static ByteBuf arpOnVlan100() {
        ByteBuf arp = Frames.arpRequest(
                ByteBufAllocator.DEFAULT, HOST, Addresses.ipv4("10.1.0.1"), Addresses.ipv4("10.1.0.2"));
        return Ethernet.pushVlanTag(arp, 100);
    }

    @Test
    void perVniCountersOnTheMetricsEndpointMoveWithTraffic() throws Exception {
        GatewayOptions options = options();
        options.metricsPort = Integer.toString(metricsPort);
        startGateway(options);
        assertEquals(metricsPort, gateway.metricsPort());
        assertTrue(gateway.config().describe().contains("metrics at http://127.0.0.1:" + metricsPort + "/metrics"));

        HttpResponse<String> before = get("/metrics");
        assertEquals(200, before.statusCode());
        assertTrue(before.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"));
        assertEquals(0, value(before.body(), "vtep4j_port_rx_frames_total{vni=\"10100\"}"));

        trunk.inject(arpOnVlan100());
        ByteBuf crossed = atPeer.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(crossed, "the frame did not reach the peer");
        crossed.release();
        trunk.inject(Ethernet.pushVlanTag(Unpooled.copiedBuffer(new byte[60]), 300)); // VLAN 300: unmapped

        String after = get("/metrics").body();
        assertEquals(1, value(after, "vtep4j_port_rx_frames_total{vni=\"10100\"}"));
        assertEquals(1, value(after, "vtep4j_underlay_tx_packets_total{vni=\"10100\"}"));
        assertTrue(value(after, "vtep4j_underlay_tx_bytes_total{vni=\"10100\"}") > 60);
        assertEquals(2, value(after, "vtep4j_trunk_rx_frames_total"));
        assertEquals(1, value(after, "vtep4j_gateway_drops_total{reason=\"unmapped-vlan\"}"));
        assertEquals(1, value(after, "vtep4j_segment_macs{vni=\"10100\"}"));
        // the kernel's losses at the interfaces: the underlay's (loopback, which holds 127.0.0.1) and the trunk's
        // (fake0: no such interface, so it stays at zero)
        for (String kind : InterfaceLosses.KINDS) {
            assertEquals(
                    0,
                    value(
                            after,
                            "vtep4j_interface_drops_total{interface=\"fake0\",kind=\"" + kind + "\",role=\"trunk\"}"));
            assertTrue(
                    after.contains(
                            "vtep4j_interface_drops_total{interface=\"lo\",kind=\"" + kind + "\",role=\"underlay\"}"),
                    after);
        }
        for (String line : after.lines().filter(l -> !l.startsWith("#")).toList()) {
            assertTrue(line.startsWith("vtep4j_"), () -> "not a vtep4j_ series: " + line);
        }

        // and the other way: the peer's reply comes out of the trunk
        peerPort.send(Frames.arpReply(
                ByteBufAllocator.DEFAULT, PEER, Addresses.ipv4("10.1.0.2"), HOST, Addresses.ipv4("10.1.0.1")));
        ByteBuf out = trunk.transmitted.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(out, "the reply did not reach the trunk");
        out.release();
        String back = get("/metrics").body();
        assertEquals(1, value(back, "vtep4j_underlay_rx_packets_total{vni=\"10100\"}"));
        assertEquals(1, value(back, "vtep4j_port_tx_frames_total{vni=\"10100\"}"));

        HttpResponse<String> post = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());

        gateway.close();
        gateway = null;
        assertThrows(ConnectException.class, () -> get("/metrics"), "the endpoint closes with the gateway");
    }

    @Test
    void aMetricsPortInUseIsAConfigurationErrorAndNothingStaysOpen() throws IOException {
        try (ServerSocket taken = new ServerSocket(metricsPort, 1, java.net.InetAddress.getLoopbackAddress())) {
            GatewayOptions options = options();
            options.metricsPort = Integer.toString(metricsPort);
            boolean[] trunkOpened = {false};
            ConfigException e = assertThrows(
                    ConfigException.class,
                    () -> Gateway.start(options.toConfig(), sink -> {
                        trunkOpened[0] = true;
                        return new GatewayTest.FakeTrunk(sink);
                    }));
            assertTrue(
                    e.getMessage().startsWith("--metrics-port " + metricsPort + ": cannot listen on 127.0.0.1:"),
                    e.getMessage());
            assertTrue(!trunkOpened[0], "the trunk is opened after the metrics endpoint");
        }
        GatewayTest.assertUnderlayReleased(udpPort);
    }

    /** The trunk refuses sends; a frame from the peer's port goes to it; waits (bounded) until that send failed. */
    private void failOneTrunkSend() throws InterruptedException {
        trunk.refuseSends = true;
        peerPort.send(Frames.arpRequest(
                ByteBufAllocator.DEFAULT, PEER, Addresses.ipv4("10.1.0.2"), Addresses.ipv4("10.1.0.1")));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (gateway.trunkSendErrors() == 0 && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
    }

    @Test
    void trunkErrorsShowInTheStatusLineAndTheSummary() throws InterruptedException {
        startGateway(options());
        assertTrue(gateway.statusLine().contains("| trunk errors none | interface drops none |"), gateway.statusLine());

        trunk.readErrors = 3;
        failOneTrunkSend();

        String line = gateway.statusLine();
        assertTrue(line.contains("| trunk errors read 3 (+3), send 1 (+1) |"), line);
        assertTrue(gateway.statusLine().contains("| trunk errors read 3, send 1 |"), "no new errors: no (+n)");
        String summary = gateway.summary();
        assertTrue(summary.contains("(trunk errors read 3, send 1)"), summary);
    }

    @Test
    void trunkLossesAreVtepDropsInTheStatsTheStatusLineTheSummaryAndTheMetrics() throws Exception {
        GatewayOptions options = options();
        options.metricsPort = Integer.toString(metricsPort);
        startGateway(options);
        assertEquals(0, value(get("/metrics").body(), "vtep4j_drops_total{reason=\"port-receive-overflow\"}"));

        trunk.overruns = 7;
        failOneTrunkSend();

        VtepStats stats = gateway.vtep().stats();
        assertEquals(7, stats.dropped(DropReason.PORT_RECEIVE_OVERFLOW));
        assertEquals(1, stats.dropped(DropReason.PORT_SEND_FAILED));
        String line = gateway.statusLine();
        assertTrue(line.contains("port-receive-overflow 7 (+7)") && line.contains("port-send-failed 1 (+1)"), line);
        String summary = gateway.summary();
        assertTrue(summary.contains("port-receive-overflow 7") && summary.contains("port-send-failed 1"), summary);
        String scrape = get("/metrics").body();
        assertEquals(7, value(scrape, "vtep4j_drops_total{reason=\"port-receive-overflow\"}"));
        assertEquals(1, value(scrape, "vtep4j_drops_total{reason=\"port-send-failed\"}"));
    }
}
