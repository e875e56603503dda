package io.vtep4j.evpn.interop;

import io.vtep4j.interop.Await;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Namespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A gobgpd of the test, run inside one of the test's namespaces with its own configuration file and API address
 * ({@code --api-hosts}); never a system service. {@link #stop()} kills it; the lab's teardown kills whatever is
 * left in its namespaces. Not thread-safe: drive it from the test thread.
 */
public final class Gobgpd implements AutoCloseable {

    /** gobgpd's gRPC API port (on the instance's own address). */
    public static final int API_PORT = 50051;

    private final Namespace ns;
    private final String address;
    private final Path dir;
    private final Path config;
    private Process process;

    /**
     * Configures (not starts) an instance with AS {@code asn} listening on {@code address} (BGP and API), with an
     * iBGP/eBGP L2VPN EVPN session to each of {@code peers} (address, AS) and short timers.
     */
    public Gobgpd(Namespace ns, String address, int asn, List<String[]> peers) {
        this.ns = ns;
        this.address = address;
        try {
            this.dir = Files.createTempDirectory("vtep4j-gobgpd-");
            this.config = dir.resolve("gobgpd.toml");
            StringBuilder t = new StringBuilder()
                    .append("[global.config]\n")
                    .append("  as = ")
                    .append(asn)
                    .append("\n  router-id = \"")
                    .append(address)
                    .append("\"\n  local-address-list = [\"")
                    .append(address)
                    .append("\"]\n");
            for (String[] peer : peers) {
                t.append("\n[[neighbors]]\n  [neighbors.config]\n    neighbor-address = \"")
                        .append(peer[0])
                        .append("\"\n    peer-as = ")
                        .append(peer[1])
                        .append("\n  [neighbors.transport.config]\n    local-address = \"")
                        .append(address)
                        .append("\"\n  [neighbors.timers.config]\n    connect-retry = 1\n    hold-time = 9\n")
                        .append("    keepalive-interval = 3\n    idle-hold-time-after-reset = 1\n")
                        .append("  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n")
                        .append("      afi-safi-name = \"l2vpn-evpn\"\n");
            }
            Files.writeString(config, t.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API's {@code HOST:PORT}. */
    public String api() {
        return address + ":" + API_PORT;
    }

    /** The instance's address (BGP and API). */
    public String address() {
        return address;
    }

    /** Starts gobgpd and waits (at most 20 s) until its API answers. */
    public Gobgpd start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("gobgpd " + address + ": already running");
        }
        List<String> argv = new ArrayList<>(List.of("ip", "netns", "exec", ns.name()));
        argv.addAll(List.of("gobgpd", "-f", config.toString(), "--api-hosts", api(), "--pprof-disable", "--log-plain"));
        try {
            process = new ProcessBuilder(argv)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("gobgpd.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Await.until(
                Duration.ofSeconds(20), () -> cli("global").ok(), () -> "gobgpd " + address + " API not up; " + log());
        return this;
    }

    /** Kills gobgpd at once (SIGKILL: no goodbye to its peers, like a crash) and waits for it to go. */
    public void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    /** The CPU time gobgpd has used so far (user + system), or zero when it is not running. */
    public java.time.Duration cpu() {
        Process p = process;
        return p == null ? java.time.Duration.ZERO : p.info().totalCpuDuration().orElse(java.time.Duration.ZERO);
    }

    /** Runs the {@code gobgp} CLI against this instance's API. */
    public Cmd.Result cli(String... args) {
        List<String> argv = new ArrayList<>(List.of("gobgp", "-u", address, "-p", Integer.toString(API_PORT)));
        argv.addAll(List.of(args));
        return ns.run(Duration.ofSeconds(10), argv.toArray(String[]::new));
    }

    /** {@code gobgp global rib -a evpn}: the EVPN table as text. */
    public String evpnRib() {
        return cli("global", "rib", "-a", "evpn").stdout();
    }

    /** True once the session to {@code peer} is established. */
    public boolean established(String peer) {
        return cli("neighbor", peer).stdout().toLowerCase(java.util.Locale.ROOT).contains("bgp state = establ");
    }

    /** gobgpd's log so far (for failure messages). */
    public String log() {
        try {
            return Files.readString(dir.resolve("gobgpd.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the daemon and removes its files. */
    @Override
    public void close() {
        kill();
        Cmd.run("rm", "-rf", dir.toString());
    }
}
