package io.vtep4j.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An Open vSwitch userspace datapath ({@code datapath_type=netdev}) running inside one test namespace: the NVGRE
 * ({@code type=gre} with a key) and VXLAN peer of the interop tests.
 *
 * <p>ovsdb-server and ovs-vswitchd are started INSIDE {@code ns} with {@code OVS_RUNDIR}, {@code OVS_LOGDIR} and
 * {@code OVS_DBDIR} pointing at a fresh temporary directory, so they never touch the host's Open vSwitch.
 * {@link #close()} stops both daemons (TERM, then KILL) and deletes the directory, also after a failed start.
 * Not thread-safe: drive it from the test thread.
 *
 * <pre>{@code
 * try (OvsPeer ovs = OvsPeer.start(o1)) {
 *     ovs.underlay("o1-u", "10.99.0.3/24");
 *     ovs.tunnel("gre0", "gre", "10.99.0.1", "key=0x12345601");
 *     ovs.overlayAddress("10.50.0.3/24");
 * }
 * }</pre>
 */
public final class OvsPeer implements AutoCloseable {

    /** Integration bridge holding the tunnel port and the overlay host ({@code br-int}'s internal port). */
    public static final String BR_INT = "br-int";
    /** Underlay bridge owning the namespace's underlay veth and the tunnel's local IP address. */
    public static final String BR_PHY = "br-phy";

    private static final String SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema";
    private static final Duration DAEMON_TIMEOUT = Duration.ofSeconds(20);

    private final Namespace ns;
    private final Path dir;
    private final List<String> env;

    private OvsPeer(Namespace ns, Path dir) {
        this.ns = ns;
        this.dir = dir;
        this.env = List.of("env", "OVS_RUNDIR=" + dir, "OVS_LOGDIR=" + dir, "OVS_DBDIR=" + dir);
    }

    /** Creates the database and starts ovsdb-server and ovs-vswitchd in {@code ns}; stops them again on failure. */
    public static OvsPeer start(Namespace ns) {
        Path dir;
        try {
            dir = Files.createTempDirectory("vtep4j-ovs-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        OvsPeer peer = new OvsPeer(ns, dir);
        try {
            peer.daemon("ovsdb-tool", "create", dir + "/conf.db", SCHEMA);
            peer.daemon(
                    "ovsdb-server",
                    dir + "/conf.db",
                    "--remote=punix:" + dir + "/db.sock",
                    "--pidfile=" + dir + "/ovsdb.pid",
                    "--detach",
                    "--log-file=" + dir + "/ovsdb.log");
            peer.vsctl("--no-wait", "init");
            peer.daemon(
                    "ovs-vswitchd",
                    "unix:" + dir + "/db.sock",
                    "--pidfile=" + dir + "/vswitchd.pid",
                    "--detach",
                    "--log-file=" + dir + "/vswitchd.log");
            return peer;
        } catch (RuntimeException | Error e) {
            peer.close();
            throw e;
        }
    }

    private void daemon(String... argv) {
        List<String> all = new ArrayList<>(env);
        all.addAll(List.of(argv));
        ns.run(DAEMON_TIMEOUT, all.toArray(String[]::new)).check();
    }

    /** Runs {@code ovs-vsctl} against this peer's database; returns stdout, fails unless it exits 0. */
    public String vsctl(String... args) {
        List<String> all = new ArrayList<>(env);
        all.addAll(List.of("ovs-vsctl", "--timeout=10", "--db=unix:" + dir + "/db.sock"));
        all.addAll(List.of(args));
        return ns.run(DAEMON_TIMEOUT, all.toArray(String[]::new)).check().stdout();
    }

    /** Runs {@code ovs-ofctl} on {@code bridge} (e.g. {@code add-flow}, {@code dump-flows}); returns stdout. */
    public String ofctl(String command, String bridge, String... args) {
        List<String> all = new ArrayList<>(env);
        all.addAll(List.of("ovs-ofctl", command, bridge));
        all.addAll(List.of(args));
        return ns.run(DAEMON_TIMEOUT, all.toArray(String[]::new)).check().stdout();
    }

    /** Runs {@code ovs-appctl} against ovs-vswitchd (e.g. {@code fdb/show br-int}); never throws. */
    public Cmd.Result appctl(String... args) {
        List<String> all = new ArrayList<>(env);
        all.addAll(List.of("ovs-appctl", "-t", dir + "/ovs-vswitchd." + pid("vswitchd") + ".ctl"));
        all.addAll(List.of(args));
        return ns.run(DAEMON_TIMEOUT, all.toArray(String[]::new));
    }

    /**
     * Creates netdev bridge {@link #BR_PHY}, attaches the namespace's underlay interface {@code dev} to it and
     * gives the bridge {@code cidr}: the tunnel endpoint address of this peer.
     */
    public OvsPeer underlay(String dev, String cidr) {
        vsctl("add-br", BR_PHY, "--", "set", "bridge", BR_PHY, "datapath_type=netdev");
        vsctl("add-port", BR_PHY, dev);
        ns.address(BR_PHY, cidr);
        return this;
    }

    /**
     * Adds tunnel port {@code port} of {@code type} ({@code gre}, {@code vxlan}) to {@link #BR_INT} (created on
     * first use) towards {@code remoteIp}, with extra interface options such as {@code key=0x12345601}.
     */
    public OvsPeer tunnel(String port, String type, String remoteIp, String... options) {
        if (!vsctl("list-br").lines().toList().contains(BR_INT)) {
            vsctl("add-br", BR_INT, "--", "set", "bridge", BR_INT, "datapath_type=netdev");
        }
        List<String> args = new ArrayList<>(List.of(
                "add-port",
                BR_INT,
                port,
                "--",
                "set",
                "interface",
                port,
                "type=" + type,
                "options:remote_ip=" + remoteIp));
        for (String option : options) {
            args.add("options:" + option);
        }
        vsctl(args.toArray(String[]::new));
        return this;
    }

    /** Gives {@link #BR_INT}'s internal port {@code cidr}: a host on the overlay living in OVS itself. */
    public OvsPeer overlayAddress(String cidr) {
        ns.address(BR_INT, cidr);
        return this;
    }

    /** The namespace the daemons run in. */
    public Namespace namespace() {
        return ns;
    }

    /** The last lines of ovs-vswitchd's log, for failure messages. */
    public String logTail() {
        Path log = dir.resolve("vswitchd.log");
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no " + log + ": " + e.getMessage() + ")";
        }
    }

    private String pid(String daemon) {
        try {
            return Files.readString(dir.resolve(daemon + ".pid")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }

    /** Stops both daemons (TERM, up to 5 s, then KILL) and deletes the run directory. Idempotent; never throws. */
    @Override
    public void close() {
        for (String daemon : new String[] {"vswitchd", "ovsdb"}) {
            String pid = pid(daemon);
            if (!pid.matches("\\d+")) {
                continue;
            }
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(p -> {
                p.destroy();
                if (!Await.within(Duration.ofSeconds(5), () -> !p.isAlive())) {
                    p.destroyForcibly();
                    Await.within(Duration.ofSeconds(5), () -> !p.isAlive());
                }
            });
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // Best effort: a leftover temp directory harms nothing.
        }
    }
}
