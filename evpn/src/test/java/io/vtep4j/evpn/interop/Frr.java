package io.vtep4j.evpn.interop;

import io.vtep4j.interop.Await;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Namespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * FRR's zebra and bgpd run by the test inside one of its namespaces, every path their own (configuration, zserv
 * and vty sockets, pid files, logs in a temporary directory owned by the {@code frr} user); never the system
 * service. {@link #close()} kills both daemons and removes what they left behind. Not thread-safe.
 */
public final class Frr implements AutoCloseable {

    private static final String DAEMONS = "/usr/lib/frr/";

    private final Namespace ns;
    private final Path dir;

    /** Writes zebra.conf and a bgpd.conf holding {@code bgpConfig} (the {@code router bgp} block). */
    public Frr(Namespace ns, String bgpConfig) {
        this.ns = ns;
        try {
            dir = Files.createTempDirectory("vtep4j-frr-");
            Files.writeString(dir.resolve("zebra.conf"), "hostname k\nlog file " + dir.resolve("zebra.log") + "\n");
            Files.writeString(
                    dir.resolve("bgpd.conf"), "hostname k\nlog file " + dir.resolve("bgpd.log") + "\n" + bgpConfig);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The daemons drop to the frr user: it must own the directory and reach it.
        Cmd.run("chmod", "755", dir.toString()).check();
        Cmd.run("chown", "-R", "frr:frr", dir.toString()).check();
    }

    /** Starts zebra, then bgpd, each daemonized with its own pid file; waits (at most 20 s) for vtysh to answer. */
    public Frr start() {
        try {
            startDaemons();
        } catch (RuntimeException | Error e) {
            close(); // a daemon that did start is stopped, and the directory removed
            throw e;
        }
        return this;
    }

    private void startDaemons() {
        for (String daemon : new String[] {"zebra", "bgpd"}) {
            ns.run(
                            Duration.ofSeconds(20),
                            DAEMONS + daemon,
                            "-d",
                            "-P",
                            "0",
                            "-z",
                            dir.resolve("zserv.api").toString(),
                            "--vty_socket",
                            dir.toString(),
                            "-i",
                            dir.resolve(daemon + ".pid").toString(),
                            "-f",
                            dir.resolve(daemon + ".conf").toString())
                    .check();
        }
        Await.until(Duration.ofSeconds(20), () -> vtysh("show bgp summary").ok(), this::logs);
    }

    /** Runs one vtysh command against these daemons. */
    public Cmd.Result vtysh(String command) {
        return ns.run(Duration.ofSeconds(10), "vtysh", "--vty_socket", dir.toString(), "-c", command);
    }

    /** Both daemons' logs (for failure messages). */
    public String logs() {
        StringBuilder out = new StringBuilder();
        for (String log : new String[] {"zebra.log", "bgpd.log"}) {
            try {
                out.append("--- ").append(log).append('\n').append(Files.readString(dir.resolve(log)));
            } catch (IOException e) {
                out.append("--- ").append(log).append(": none\n");
            }
        }
        return out.toString();
    }

    /** Kills bgpd and zebra and removes their files, also the crash folders FRR leaves in /var/tmp/frr. */
    @Override
    public void close() {
        for (String daemon : new String[] {"bgpd", "zebra"}) {
            Path pidFile = dir.resolve(daemon + ".pid");
            try {
                if (Files.exists(pidFile)) {
                    long pid = Long.parseLong(Files.readString(pidFile).strip());
                    ProcessHandle.of(pid).ifPresent(p -> {
                        p.destroyForcibly();
                        p.onExit().orTimeout(5, java.util.concurrent.TimeUnit.SECONDS);
                    });
                    Await.within(
                            Duration.ofSeconds(5), () -> ProcessHandle.of(pid).isEmpty());
                    Cmd.run("rm", "-rf", "/var/tmp/frr/" + daemon + "." + pid);
                }
            } catch (IOException | NumberFormatException e) {
                System.err.println("frr teardown: " + daemon + ": " + e);
            }
        }
        Cmd.run("rm", "-rf", dir.toString());
    }
}
