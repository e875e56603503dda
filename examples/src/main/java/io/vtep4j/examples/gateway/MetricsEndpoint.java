package io.vtep4j.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.xdp.OffloadSources;
import io.vtep4j.micrometer.VtepMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.ToLongFunction;

/**
 * {@code --metrics-port}: the gateway's counters in Prometheus text format at {@code http://ADDR:PORT/metrics}. The
 * engine's meters come from {@link VtepMetrics} (per-VNI series labelled {@code vni}); the gateway adds its trunk
 * ({@code vtep4j_trunk_*}), with {@code --decap-offload} what the kernel decapsulated ({@code vtep4j_decap_offload_*}),
 * with {@code --encap-offload} what it encapsulated ({@code vtep4j_encap_offload_*}), with either the upkeep of the
 * programs' maps ({@code vtep4j_offload_*}),
 * its own drops ({@code vtep4j_gateway_drops_total}) and the kernel's losses at its interfaces
 * ({@code vtep4j_interface_drops_total}). Micrometer's Prometheus registry
 * writes the exposition; the JDK's HTTP server carries it, on one daemon thread.
 *
 * <p>Thread-safe; {@link #close()} stops the server and removes the meters.
 */
final class MetricsEndpoint implements AutoCloseable {
    /** Prometheus text exposition format 0.0.4, what every scraper reads. */
    static final String TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** OpenMetrics 1.0, for scrapers that ask for it. */
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    /** How often segments created after start are looked for. */
    private static final Duration REFRESH = Duration.ofSeconds(5);

    private final PrometheusMeterRegistry registry;
    private final VtepMetrics vtepMetrics;
    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsEndpoint(
            PrometheusMeterRegistry registry, VtepMetrics vtepMetrics, HttpServer server, ExecutorService executor) {
        this.registry = registry;
        this.vtepMetrics = vtepMetrics;
        this.server = server;
        this.executor = executor;
    }

    /**
     * Registers the meters and starts serving at {@code address}.
     *
     * @throws ConfigException if it cannot listen there (port in use, address not local)
     */
    static MetricsEndpoint start(Gateway gateway, InetSocketAddress address) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        VtepMetrics vtepMetrics = new VtepMetrics(gateway.vtep(), Tags.empty(), REFRESH);
        HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw new ConfigException(
                    "--metrics-port " + address.getPort() + ": cannot listen on "
                            + address.getAddress().getHostAddress() + ":" + address.getPort() + " (" + e.getMessage()
                            + ")",
                    e);
        }
        vtepMetrics.bindTo(registry);
        bindGateway(gateway, registry);
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "vtep4j-metrics-http");
            t.setDaemon(true);
            return t;
        });
        MetricsEndpoint endpoint = new MetricsEndpoint(registry, vtepMetrics, server, executor);
        server.createContext("/metrics", endpoint::serve);
        server.setExecutor(executor);
        server.start();
        return endpoint;
    }

    private static void bindGateway(Gateway gateway, PrometheusMeterRegistry registry) {
        for (DropReason reason :
                List.of(DropReason.UNMAPPED_VLAN, DropReason.LOCAL_FRAME_TOO_SHORT, DropReason.SEND_FAILED)) {
            FunctionCounter.builder("vtep4j.gateway.drops", gateway, g -> g.dropped(reason))
                    .description("Trunk-side frames the gateway dropped before the engine, by reason")
                    .tag("reason", reason.label())
                    .register(registry);
        }
        trunkCounter(registry, gateway, "vtep4j.trunk.rx.frames", "Frames received on the trunk", Trunk::received);
        trunkCounter(registry, gateway, "vtep4j.trunk.tx.frames", "Frames sent on the trunk", Trunk::sent);
        trunkCounter(
                registry, gateway, "vtep4j.trunk.reopens", "Times the trunk interface was reopened", Trunk::reopens);
        String errors = "vtep4j.trunk.errors";
        trunkError(
                registry,
                gateway,
                errors,
                "read",
                g -> g.trunk() == null ? 0 : g.trunk().readErrors());
        trunkError(
                registry,
                gateway,
                errors,
                "send",
                g -> g.trunkSendErrors() + (g.trunk() == null ? 0 : g.trunk().sendFailures()));
        trunkError(
                registry,
                gateway,
                errors,
                "overrun",
                g -> g.trunk() == null ? 0 : g.trunk().overruns());
        trunkError(
                registry,
                gateway,
                errors,
                "truncated",
                g -> g.trunk() == null ? 0 : g.trunk().truncated());
        bindInterfaces(gateway.interfaceLosses(), registry);
        if (gateway.offload() != null) {
            FunctionCounter.builder(
                            "vtep4j.decap.offload.frames",
                            gateway,
                            g -> g.offload().frames())
                    .description("Frames the kernel decapsulated and sent out of the trunk (--decap-offload); not in "
                            + "vtep4j_trunk_tx_frames_total")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.decap.offload", gateway, g -> g.offload().bytes())
                    .description("Bytes of those frames as the trunk sent them, tag included")
                    .baseUnit("bytes")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.decap.offload.refused.sources",
                            gateway,
                            g -> g.offload().refused())
                    .description("Learned sources the program's full map refused: their packets stay on the "
                            + "gateway's path")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.decap.offload.reattached",
                            gateway,
                            g -> g.offload().reattached())
                    .description("Times the decapsulating program was attached to the interface that took the "
                            + "underlay's place (the underlay recreated)")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.decap.offload.rebuilt",
                            gateway,
                            g -> g.offload().rebuilt())
                    .description("Times a decapsulating program was built again for the underlay's changed MAC or "
                            + "the trunk's changed MTU, in the old one's place")
                    .register(registry);
        }
        if (gateway.encapOffload() != null) {
            FunctionCounter.builder(
                            "vtep4j.encap.offload.frames",
                            gateway,
                            g -> g.encapOffload().frames())
                    .description("Frames the kernel encapsulated and sent out of the underlay (--encap-offload)")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.encap.offload",
                            gateway,
                            g -> g.encapOffload().bytes())
                    .description("Bytes of those packets as sent, outer headers included")
                    .baseUnit("bytes")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.encap.offload.refused.entries",
                            gateway,
                            g -> g.encapOffload().refused())
                    .description("MACs the program's maps refused (a full map, a remote past the 4,096 followed): "
                            + "their frames stay on the gateway's path")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.encap.offload.reattached",
                            gateway,
                            g -> g.encapOffload().reattached())
                    .description("Times the encapsulating program was attached again to a recreated trunk interface")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.encap.offload.underlay.followed",
                            gateway,
                            g -> g.encapOffload().underlayFollowed())
                    .description("Times the encapsulating program followed the local address to the interface that "
                            + "took the underlay's place (the underlay recreated)")
                    .register(registry);
            FunctionCounter.builder(
                            "vtep4j.encap.offload.rebuilt",
                            gateway,
                            g -> g.encapOffload().rebuilt())
                    .description("Times an encapsulating program was built again for the underlay's changed MAC or "
                            + "MTU, in the old one's place")
                    .register(registry);
        }
        OffloadSources sources = gateway.offloadSources();
        if (sources != null) {
            FunctionCounter.builder("vtep4j.offload.relearned", sources, OffloadSources::kept)
                    .description("MACs the table aged while an offload program was forwarding their frames, "
                            + "learned again")
                    .register(registry);
            FunctionCounter.builder("vtep4j.offload.maps.refills", sources, OffloadSources::resyncs)
                    .description("Times the offload maps were filled again from the table: the change queue "
                            + "overflowed, or the table was flushed")
                    .register(registry);
            FunctionCounter.builder("vtep4j.offload.maps.failures", sources, OffloadSources::failures)
                    .description("Offload map changes that failed: the MAC stays on whichever path it was on")
                    .register(registry);
        }
    }

    /** {@code vtep4j_interface_drops_total{interface, role, kind}}: the kernel's losses at the gateway's interfaces. */
    private static void bindInterfaces(InterfaceLosses losses, PrometheusMeterRegistry registry) {
        List<InterfaceLosses.Loss> watched = losses.read();
        for (int i = 0; i < watched.size(); i++) {
            int index = i;
            for (int k = 0; k < InterfaceLosses.KINDS.size(); k++) {
                int kind = k;
                FunctionCounter.builder(
                                "vtep4j.interface.drops",
                                losses,
                                l -> l.recent(System.nanoTime()).get(index).counts()[kind])
                        .description("Frames the kernel lost at the gateway's trunk and underlay interfaces since "
                                + "the start: rx-dropped, rx-missed (rx_missed_errors), tx-dropped")
                        .tag("interface", watched.get(i).name())
                        .tag("role", watched.get(i).role())
                        .tag("kind", InterfaceLosses.KINDS.get(k))
                        .register(registry);
            }
        }
    }

    private static void trunkCounter(
            PrometheusMeterRegistry registry,
            Gateway gateway,
            String name,
            String description,
            ToLongFunction<Trunk> f) {
        FunctionCounter.builder(name, gateway, g -> {
                    Trunk t = g.trunk();
                    return t == null ? 0 : f.applyAsLong(t);
                })
                .description(description)
                .register(registry);
    }

    private static void trunkError(
            PrometheusMeterRegistry registry, Gateway gateway, String name, String kind, ToLongFunction<Gateway> f) {
        FunctionCounter.builder(name, gateway, f::applyAsLong)
                .description(
                        "Trunk failures: frames lost to a full receive ring or buffer (overrun), libpcap read errors, "
                                + "frames it could not send, frames cut by the capture")
                .tag("kind", kind)
                .register(registry);
    }

    private void serve(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            String contentType = accept != null && accept.contains("application/openmetrics-text") ? OPENMETRICS : TEXT;
            byte[] body = registry.scrape(contentType).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", contentType);
            exchange.sendResponseHeaders(200, method.equals("HEAD") ? -1 : body.length);
            if (method.equals("GET")) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    /** The port actually bound (useful when 0 was asked for in tests). */
    int port() {
        return server.getAddress().getPort();
    }

    /** Stops serving at once, then removes the meters. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        vtepMetrics.close();
        registry.close();
    }
}
