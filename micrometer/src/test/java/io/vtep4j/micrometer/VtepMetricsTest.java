package io.vtep4j.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two real VTEPs over loopback UDP (127.0.0.1 and 127.0.0.2), their meters read from a SimpleMeterRegistry. */
class VtepMetricsTest {
    private static final long WAIT_MS = 5000;
    private static final int VNI = 5000;
    private static final int FRAME_LENGTH = 64;
    private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;
    private static final long MAC_A = 0x0200_0000_000AL;

    private Vtep a;
    private Vtep b;
    private VtepMetrics metricsA;
    private VtepMetrics metricsB;
    private final SimpleMeterRegistry registryA = new SimpleMeterRegistry();
    private final SimpleMeterRegistry registryB = new SimpleMeterRegistry();
    private final BlockingQueue<ByteBuf> atB = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws SocketException {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = probe.getLocalPort();
        }
        a = Vtep.builder().localAddress("127.0.0.1").port(port).eventLoops(1).build();
        b = Vtep.builder().localAddress("127.0.0.2").port(port).eventLoops(1).build();
    }

    @AfterEach
    void stop() {
        for (AutoCloseable c : new AutoCloseable[] {metricsA, metricsB, a, b}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        atB.forEach(ByteBuf::release);
    }

    private static ByteBuf broadcast() {
        ByteBuf f = ByteBufAllocator.DEFAULT.buffer(FRAME_LENGTH);
        f.writeShort((int) (BROADCAST >>> 32)).writeInt((int) BROADCAST);
        f.writeShort((int) (MAC_A >>> 32)).writeInt((int) MAC_A);
        f.writeShort(0x0800);
        f.writeZero(FRAME_LENGTH - f.writerIndex());
        return f;
    }

    private static double count(SimpleMeterRegistry registry, String name, String... tags) {
        FunctionCounter c = registry.find(name).tags(tags).functionCounter();
        assertNotNull(
                c, () -> name + " " + String.join(",", tags) + " not registered: " + registry.getMetersAsString());
        return c.count();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() - deadline < 0, "timed out waiting for " + what);
            Thread.sleep(10);
        }
    }

    private LocalPort portOnA() {
        return a.segment(VNI).floodTo("127.0.0.2").attach("a", frame -> frame.release());
    }

    /** A port on A flooding to B, B's port collecting into {@code atB}, and both VTEPs metered and tagged. */
    private LocalPort meteredPortOnAToB() {
        LocalPort pa = portOnA();
        b.segment(VNI).attach("b", atB::add);
        metricsA = new VtepMetrics(a, Tags.of("vtep", "a"), Duration.ZERO);
        metricsB = new VtepMetrics(b, Tags.of("vtep", "b"), Duration.ZERO);
        metricsA.bindTo(registryA);
        metricsB.bindTo(registryB);
        return pa;
    }

    /** Sends a broadcast from {@code pa} and waits for it to arrive at B. */
    private void sendBroadcastToB(LocalPort pa) throws InterruptedException {
        pa.send(broadcast());
        ByteBuf got = atB.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(got, "the broadcast did not cross");
        got.release();
    }

    @Test
    void perVniCountersFollowTheTrafficInBothDirections() throws InterruptedException {
        LocalPort pa = meteredPortOnAToB();
        assertEquals(0, count(registryA, "vtep4j.port.rx.frames", "vni", "5000"));

        sendBroadcastToB(pa);

        // live reads: no refresh between the traffic and the reads
        assertEquals(1, count(registryA, "vtep4j.port.rx.frames", "vni", "5000", "vtep", "a"));
        assertEquals(FRAME_LENGTH, count(registryA, "vtep4j.port.rx.bytes", "vni", "5000"));
        assertEquals(1, count(registryA, "vtep4j.underlay.tx.packets", "vni", "5000"));
        assertEquals(1, count(registryA, "vtep4j.segment.floods", "vni", "5000"));
        double txBytes = count(registryA, "vtep4j.underlay.tx.bytes", "vni", "5000");
        assertEquals(FRAME_LENGTH + 8, txBytes, "VXLAN header (8 bytes) and the inner frame");
        await(() -> registryB.find("vtep4j.port.tx.frames").functionCounter().count() == 1, "B's delivery counted");
        assertEquals(1, count(registryB, "vtep4j.underlay.rx.packets", "vni", "5000", "vtep", "b"));
        assertEquals(txBytes, count(registryB, "vtep4j.underlay.rx.bytes", "vni", "5000"));
        assertEquals(FRAME_LENGTH, count(registryB, "vtep4j.port.tx.bytes", "vni", "5000"));
        assertEquals(0, count(registryB, "vtep4j.underlay.tx.packets", "vni", "5000"), "B never sent");

        Gauge macsA = registryA.find("vtep4j.segment.macs").tag("vni", "5000").gauge();
        assertNotNull(macsA);
        assertEquals(1, macsA.value(), "A learned its port's MAC");
        assertEquals(1, registryA.find("vtep4j.macs").gauge().value());
        assertEquals(1, count(registryA, "vtep4j.fdb.events", "event", "learned"));
        await(() -> registryB.find("vtep4j.macs").gauge().value() == 1, "B learned A's MAC behind 127.0.0.1");
    }

    @Test
    void neighborBindingsAndTheirEventsAreMetered() throws Exception {
        metricsA = new VtepMetrics(a, Tags.empty(), Duration.ZERO);
        metricsA.bindTo(registryA);
        assertEquals(0, registryA.find("vtep4j.neighbors").gauge().value());
        a.segment(5000).addNeighbor(java.net.InetAddress.getByName("10.0.0.2"), 0x0200_0000_0002L);
        assertEquals(1, registryA.find("vtep4j.neighbors").gauge().value());
        assertEquals(1, count(registryA, "vtep4j.neighbor.events", "event", "learned"));
        assertEquals(0, count(registryA, "vtep4j.neighbor.events", "event", "answered"));
    }

    @Test
    void eachRemoteVtepHasItsMetersWithARemoteTagUntilItsCountersGo() throws Exception {
        LocalPort pa = meteredPortOnAToB();
        assertNull(registryA.find("vtep4j.remote.tx.packets").functionCounter(), "no remote counted yet");

        sendBroadcastToB(pa);
        metricsA.refresh();
        metricsB.refresh();

        assertEquals(1, count(registryA, "vtep4j.remote.tx.packets", "remote", "127.0.0.2", "vtep", "a"));
        assertEquals(FRAME_LENGTH + 8, count(registryA, "vtep4j.remote.tx.bytes", "remote", "127.0.0.2"));
        assertEquals(1, count(registryA, "vtep4j.remote.flood.copies", "remote", "127.0.0.2"));
        assertEquals(0, count(registryA, "vtep4j.remote.rx.packets", "remote", "127.0.0.2"));
        assertEquals(1, count(registryB, "vtep4j.remote.rx.packets", "remote", "127.0.0.1", "vtep", "b"));
        assertEquals(FRAME_LENGTH + 8, count(registryB, "vtep4j.remote.rx.bytes", "remote", "127.0.0.1"));

        // A stops flooding to B: nothing refers to B any more, its counters and then its meters go.
        a.segment(VNI).stopFloodingTo(InetAddress.getByName("127.0.0.2"));
        await(
                () -> {
                    metricsA.refresh();
                    return registryA.find("vtep4j.remote.tx.packets").functionCounter() == null;
                },
                "A's meters of B removed");
    }

    @Test
    void segmentsCreatedAfterBindingGetMetersOnRefreshAndClosedOnesLoseThem() {
        metricsA = new VtepMetrics(a, Tags.empty(), Duration.ZERO);
        metricsA.bindTo(registryA);
        assertNull(registryA.find("vtep4j.port.rx.frames").tag("vni", "5000").functionCounter());

        Segment late = a.segment(VNI);
        metricsA.refresh();
        assertNotNull(registryA.find("vtep4j.port.rx.frames").tag("vni", "5000").functionCounter());
        assertEquals(1, registryA.find("vtep4j.segments").gauge().value());

        late.close();
        metricsA.refresh();
        assertNull(registryA.find("vtep4j.port.rx.frames").tag("vni", "5000").functionCounter());
        assertTrue(registryA.find("vtep4j.segment.macs").gauges().isEmpty());
        assertNotNull(
                registryA.find("vtep4j.drops").tag("reason", "unknown-vni").functionCounter(), "VTEP-wide");
    }

    @Test
    void theBackgroundRefreshFindsANewSegment() throws InterruptedException {
        metricsA = new VtepMetrics(a, Tags.empty(), Duration.ofMillis(20));
        metricsA.bindTo(registryA);

        a.segment(7000);
        await(
                () -> registryA
                                .find("vtep4j.underlay.rx.packets")
                                .tag("vni", "7000")
                                .functionCounter()
                        != null,
                "the meters of VNI 7000");
        metricsA.close();
        assertTrue(registryA.getMeters().isEmpty(), () -> "close removes every meter: " + registryA.getMeters());
    }

    @Test
    void aSegmentsDropSeriesAppearsOnceItsReasonIsCounted() throws InterruptedException {
        // one port and no flood list: a broadcast has nowhere to go
        LocalPort lonely = a.segment(VNI).attach("alone", frame -> frame.release());
        metricsA = new VtepMetrics(a, Tags.empty(), Duration.ZERO);
        metricsA.bindTo(registryA);
        assertNull(registryA.find("vtep4j.segment.drops").functionCounter(), "no series before a drop");

        lonely.send(broadcast());
        await(() -> count(registryA, "vtep4j.drops", "reason", "no-flood-targets") == 1, "the drop");
        metricsA.refresh();

        assertEquals(1, count(registryA, "vtep4j.segment.drops", "vni", "5000", "reason", "no-flood-targets"));
        assertEquals(1, registryA.find("vtep4j.segment.drops").meters().size(), "only the reason seen");
    }

    @Test
    void prometheusNamesAreVtep4jPrefixedWithAVniLabel() throws InterruptedException {
        LocalPort pa = portOnA();
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        metricsA = new VtepMetrics(a, Tags.empty(), Duration.ZERO);
        metricsA.bindTo(prometheus);
        pa.send(broadcast());
        await(() -> prometheus.scrape().contains("vtep4j_underlay_tx_packets_total{vni=\"5000\"} 1"), "the scrape");

        metricsA.refresh();
        String text = prometheus.scrape();
        assertTrue(text.contains("vtep4j_remote_tx_packets_total{remote=\"127.0.0.2\"} 1"), text);
        for (String family : new String[] {
            "vtep4j_port_rx_frames_total",
            "vtep4j_port_rx_bytes_total",
            "vtep4j_underlay_rx_bytes_total",
            "vtep4j_segment_macs",
            "vtep4j_drops_total",
            "vtep4j_fdb_events_total",
            "vtep4j_macs",
            "vtep4j_neighbors",
            "vtep4j_neighbor_events_total"
        }) {
            assertTrue(text.contains("# TYPE " + family + " "), () -> family + " missing:\n" + text);
        }
        for (String line : text.lines().filter(l -> !l.startsWith("#")).toList()) {
            assertTrue(line.startsWith("vtep4j_"), line);
        }
        prometheus.close();
    }

    @Test
    void misuseFailsAtOnceNamingTheValue() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> new VtepMetrics(a, Tags.empty(), Duration.ofMillis(1)));
        assertTrue(e.getMessage().startsWith("refreshPeriod: PT0.001S"), e.getMessage());
        VtepMetrics closed = new VtepMetrics(a, Tags.empty(), Duration.ZERO);
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.bindTo(registryA));
        for (Meter m : registryA.getMeters()) {
            throw new AssertionError("a closed binder registered " + m.getId());
        }
    }
}
