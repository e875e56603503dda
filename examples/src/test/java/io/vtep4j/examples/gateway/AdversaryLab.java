package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.KernelVxlan;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The adversarial tests' lab: a trunk host h (10.30.0.1, untagged VNI 10300) behind {@code gw-edge}, the gateway's
 * underlay {@code gw-u} 10.99.0.1 on a fabric with kernel VXLAN peers k1 (10.99.0.2, overlay 10.30.0.2) and k2
 * (10.99.0.3, overlay 10.30.0.3, no flood target of the gateway) and an attacker namespace (10.99.0.66) that runs
 * {@code adversary.py}. The gateway's counters are read from its Prometheus endpoint. Used from the test thread;
 * {@link #close()} deletes the namespaces and the script.
 */
final class AdversaryLab implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    static final int VNI = 10300;
    static final int METRICS_PORT = 9466;
    static final String LOCAL = "10.99.0.1";
    static final String ATTACKER = "10.99.0.66";
    static final String BROADCAST = "ff:ff:ff:ff:ff:ff";
    /** How long one run of {@code adversary.py} may take. */
    static final Duration SEND = Duration.ofSeconds(60);

    final Lab lab;
    final Namespace h;
    final Namespace k1;
    final Namespace k2;
    final Namespace attacker;
    final KernelVxlan vx2;
    private static final String DUMP = "forwarding table:";
    private static final Pattern DUMP_HEADER = Pattern.compile("forwarding table: (\\d+) entries");

    private final Path script;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private AdversaryLab(Lab lab, Path script) {
        this.lab = lab;
        this.script = script;
        h = lab.namespace("h");
        lab.veth(h, "h-eth", "10.30.0.1/24", Namespace.SELF, "gw-edge", null);
        k1 = lab.namespace("k1");
        k2 = lab.namespace("k2");
        attacker = lab.namespace("a");
        Lab.Fabric fabric = lab.fabric();
        fabric.attach(Namespace.SELF, "gw-u", LOCAL + "/24");
        fabric.attach(k1, "k1-u", "10.99.0.2/24");
        fabric.attach(k2, "k2-u", "10.99.0.3/24");
        fabric.attach(attacker, "a-u", ATTACKER + "/24");
        KernelVxlan.in(k1, "vx0")
                .vni(VNI)
                .local("10.99.0.2")
                .remote(LOCAL)
                .overlay("10.30.0.2/24")
                .create();
        vx2 = KernelVxlan.in(k2, "vx0")
                .vni(VNI)
                .local("10.99.0.3")
                .remote(LOCAL)
                .overlay("10.30.0.3/24")
                .create();
        // Safety rule: the gateway's underlay traffic stays on our fabric, the attacker's too.
        Namespace.SELF.assertRoute("10.99.0.2", "gw-u").assertRoute("10.99.0.3", "gw-u");
        attacker.assertRoute(LOCAL, "a-u");
    }

    /** Skips (fails under CI) unless isolated as root with every tool the adversarial tests use. */
    static void requireIsolated() {
        Netns.requireIsolated("ip", "ethtool", "ping", "bridge", "tcpdump", "kill", PYTHON);
    }

    /** Waits (bounded) until the gateway says it is running. */
    static void awaitRunning(GatewayProcess gw) throws InterruptedException {
        assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
    }

    /** Builds the lab; the caller closes it. */
    static AdversaryLab start(String tag) {
        Path script = copyScript();
        Lab lab = new Lab(tag);
        try {
            return new AdversaryLab(lab, script);
        } catch (RuntimeException | Error e) {
            lab.close();
            deleteQuietly(script);
            throw e;
        }
    }

    /** {@code adversary.py} copied to a temporary file (the caller deletes it). */
    static Path copyScript() {
        try (InputStream in = AdversaryLab.class.getResourceAsStream("adversary.py")) {
            Path script = Files.createTempFile("adversary", ".py");
            Files.write(script, in.readAllBytes());
            return script;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file; nothing depends on it
        }
    }

    /** The gateway's arguments for this lab: trunk gw-edge untagged to VNI 10300, flooding to k1, metrics; and more. */
    static List<String> gatewayArgs(String... more) {
        return flooding("10.99.0.2", more);
    }

    /** As {@link #gatewayArgs}, flooding VNI 10300 to {@code targets} (comma-separated) instead of k1 alone. */
    static List<String> flooding(String targets, String... more) {
        List<String> args = new ArrayList<>(List.of(
                "--local",
                LOCAL,
                "--port",
                "gw-edge",
                "--untagged",
                Integer.toString(VNI),
                "--flood",
                VNI + "=" + targets,
                "--metrics-port",
                Integer.toString(METRICS_PORT)));
        args.addAll(List.of(more));
        return args;
    }

    /** Runs {@code adversary.py ARGS} in {@code from} (bounded by {@code timeout}) and checks that it succeeded. */
    void send(Namespace from, Duration timeout, String... args) {
        send(script, from, timeout, args);
    }

    /** Runs {@code script ARGS} in {@code from} and checks that it succeeded. */
    static void send(Path script, Namespace from, Duration timeout, String... args) {
        List<String> argv = new ArrayList<>(List.of(PYTHON, script.toString()));
        argv.addAll(List.of(args));
        Cmd.Result sent = from.run(timeout, argv.toArray(String[]::new));
        assertTrue(sent.ok(), sent::describe);
    }

    /** One scrape of the gateway's metrics endpoint on {@code port}. */
    String scrape() {
        return scrape(http, METRICS_PORT);
    }

    /** The value of the one sample {@code series} (a pattern whose group 1 is the value) finds in {@code scrape}. */
    static double sample(java.util.regex.Pattern series, String scrape) {
        java.util.regex.Matcher m = series.matcher(scrape);
        assertTrue(m.find(), () -> series + " not in:\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    static String scrape(HttpClient http, int port) {
        try {
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), response::body);
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The value of series {@code name} whose labels include {@code label} (e.g. {@code reason="mtu-exceeded"}; "" for
     * the first series of that name).
     */
    static double value(String scrape, String name, String label) {
        String labels = label.isEmpty() ? "(\\{[^}]*})?" : "\\{[^}]*" + Pattern.quote(label) + "[^}]*}";
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + labels + " (\\S+)$")
                .matcher(scrape);
        assertTrue(m.find(), () -> name + "{" + label + "} not in:\n" + scrape);
        return Double.parseDouble(m.group(m.groupCount()));
    }

    /** {@code vtep4j_drops_total{reason=REASON}} now. */
    long drops(String reason) {
        return (long) value(scrape(), "vtep4j_drops_total", "reason=\"" + reason + "\"");
    }

    /** {@code vtep4j_fdb_events_total{event=EVENT}} now. */
    long fdbEvents(String event) {
        return (long) value(scrape(), "vtep4j_fdb_events_total", "event=\"" + event + "\"");
    }

    /** A per-VNI counter of VNI 10300 now, e.g. {@code vtep4j_underlay_tx_packets_total}. */
    long ofVni(String name) {
        return (long) value(scrape(), name, "vni=\"" + VNI + "\"");
    }

    /**
     * The gateway's forwarding-table row of {@code mac} from a fresh SIGUSR2 dump, or "" if the complete dump has
     * none. Waits (bounded) until the dump's {@code N entries} rows have all been printed.
     */
    static String fdbRow(GatewayProcess gw, String mac) throws IOException, InterruptedException {
        int before = gw.stdout().lastIndexOf(DUMP);
        gw.signal("USR2");
        long deadline = System.nanoTime() + E2e.START.toNanos();
        while (System.nanoTime() - deadline < 0) {
            String out = gw.stdout();
            int at = out.lastIndexOf(DUMP);
            if (at > before) {
                Matcher header = DUMP_HEADER.matcher(out.substring(at));
                if (header.lookingAt()) {
                    List<String> rows = out.substring(at).lines().skip(2).toList();
                    int entries = Integer.parseInt(header.group(1));
                    if (rows.size() >= entries) {
                        return rows.stream()
                                .limit(entries)
                                .filter(l -> l.contains(mac.toLowerCase()))
                                .findFirst()
                                .orElse("");
                    }
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no complete forwarding table dump after SIGUSR2 within " + E2e.START);
    }

    @Override
    public void close() {
        try {
            lab.close();
        } finally {
            deleteQuietly(script);
        }
    }
}
