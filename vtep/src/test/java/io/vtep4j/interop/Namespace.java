package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A network namespace of the test: runs commands inside it ({@code ip netns exec}), configures links and
 * reads interface counters. {@link #SELF} is the namespace the test JVM itself runs in. Thread-safe (immutable).
 */
public final class Namespace {

    /** The test JVM's own namespace: commands run without {@code ip netns exec}. */
    public static final Namespace SELF = new Namespace(null);

    private final String name;

    Namespace(String name) {
        this.name = name;
    }

    /** The namespace's name ({@code ip netns list}), or the wrapper's namespace for {@link #SELF}. */
    public String name() {
        return name != null ? name : String.valueOf(Netns.self());
    }

    /** True for the test JVM's own namespace. */
    public boolean isSelf() {
        return name == null;
    }

    /** Runs {@code argv} in this namespace with {@code timeout}; never throws for a failing command. */
    public Cmd.Result run(Duration timeout, String... argv) {
        return Cmd.run(timeout, wrap(argv));
    }

    /** Runs {@code argv} in this namespace with the default limit; never throws for a failing command. */
    public Cmd.Result run(String... argv) {
        return Cmd.run(wrap(argv));
    }

    /** Runs {@code argv} in this namespace and fails unless it exits 0; returns its stdout. */
    public String ok(String... argv) {
        return Cmd.run(wrap(argv)).check().stdout();
    }

    private String[] wrap(String... argv) {
        if (name == null) {
            return argv;
        }
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(List.of(argv));
        return all.toArray(String[]::new);
    }

    /** Adds {@code cidr} (e.g. {@code 10.99.0.1/24}) to {@code dev} and brings it up. */
    public Namespace address(String dev, String cidr) {
        if (cidr.contains(":")) {
            ok("ip", "addr", "add", cidr, "dev", dev, "nodad"); // usable at once, no duplicate detection wait
        } else {
            ok("ip", "addr", "add", cidr, "dev", dev);
        }
        return up(dev);
    }

    /** Turns IPv6 off in this namespace (no router solicitations or MLD reports muddying packet counts). */
    public Namespace noIpv6() {
        return ipv6Off("all").ipv6Off("default");
    }

    /**
     * Turns IPv6 off on {@code dev} (or {@code all} / {@code default}) by writing its /proc/sys switch, which is
     * per namespace; no dependency on procps' sysctl.
     */
    public Namespace ipv6Off(String dev) {
        ok("sh", "-c", "echo 1 > /proc/sys/net/ipv6/conf/" + dev + "/disable_ipv6");
        return this;
    }

    /** A permanent neighbour entry: no ARP for {@code address} from now on. */
    public Namespace neighbour(String dev, String address, String mac) {
        ok("ip", "neigh", "replace", address, "lladdr", mac, "dev", dev, "nud", "permanent");
        return this;
    }

    /** Brings {@code dev} up. */
    public Namespace up(String dev) {
        ok("ip", "link", "set", dev, "up");
        return this;
    }

    /** Sets {@code dev}'s MAC address (lower-case colon form). */
    public Namespace mac(String dev, String mac) {
        ok("ip", "link", "set", dev, "address", mac);
        return this;
    }

    /** Turns off transmit checksum offload, so that frames read raw by userspace carry full checksums. */
    public Namespace txOff(String dev) {
        ok("ethtool", "-K", dev, "tx", "off");
        return this;
    }

    /** The MAC address of {@code dev}. */
    public String macOf(String dev) {
        return ok("cat", "/sys/class/net/" + dev + "/address").strip();
    }

    /**
     * Deletes each of {@code links} in this namespace (a veth takes its peer with it), each bounded to 10 s; one
     * that is gone already is no error, so that a test's {@code finally} can call it whatever its body got to.
     */
    public void deleteLinks(String... links) {
        for (String link : links) {
            run(Duration.ofSeconds(10), "ip", "link", "del", link);
        }
    }

    /** One counter of {@code /sys/class/net/DEV/statistics} (e.g. {@code rx_packets}). */
    public long counter(String dev, String counter) {
        return Long.parseLong(
                ok("cat", "/sys/class/net/" + dev + "/statistics/" + counter).strip());
    }

    /** Safety rule: fails unless {@code ip route get ADDR} in this namespace leaves through {@code dev}. */
    public Namespace assertRoute(String address, String dev) {
        Cmd.Result route = run("ip", "route", "get", address);
        if (!route.ok() || !(" " + route.stdout() + " ").contains(" dev " + dev + " ")) {
            fail("refusing to send: in namespace " + name() + " the route to " + address + " is not via " + dev + " ("
                    + route.describe() + ")");
        }
        return this;
    }

    /**
     * Pings {@code address} until {@code count} replies came back, one request every 0.2 s, for at most
     * {@code 5 + count} seconds ({@code -c}/{@code -w} bounded): a slow first exchange (ARP, a cold JIT on a loaded
     * machine) costs a retry, not the test. Exit code 0 means every one of the {@code count} replies arrived.
     */
    public Cmd.Result ping(String address, int count) {
        int deadline = 5 + count;
        return run(
                Duration.ofSeconds(deadline + 5L),
                "ping",
                "-c",
                Integer.toString(count),
                "-i",
                "0.2",
                "-w",
                Integer.toString(deadline),
                address);
    }

    /** Sends one echo request to {@code address} and waits at most a second; for traffic whose answer is moot. */
    public Cmd.Result probe(String address) {
        return run(Duration.ofSeconds(6), "ping", "-c", "1", "-W", "1", address);
    }

    /** How many echo replies a {@link #ping} result reports ({@code "N received"}); 0 if none. */
    public static int received(Cmd.Result ping) {
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(\\d+) received").matcher(ping.stdout());
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    /** Output of {@code bridge fdb show dev DEV}. */
    public String fdb(String dev) {
        return ok("bridge", "fdb", "show", "dev", dev);
    }

    @Override
    public String toString() {
        return "netns " + name();
    }
}
