package io.vtep4j.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One test's network: peer namespaces, veth pairs and links in the test JVM's namespace, all named uniquely
 * and all torn down by {@link #close()} (also when the test failed). Not thread-safe: build it from the
 * test thread.
 *
 * <pre>{@code
 * try (Lab lab = new Lab("ping")) {
 *     Namespace k1 = lab.namespace("k1");
 *     lab.veth(Namespace.SELF, "u-k1", "10.99.0.1/24", k1, "k1-u", "10.99.0.2/24");
 *     Namespace.SELF.assertRoute("10.99.0.2", "u-k1");
 * }
 * }</pre>
 */
public final class Lab implements AutoCloseable {

    private static final AtomicInteger LABS = new AtomicInteger();
    /** Linux IFNAMSIZ - 1. */
    private static final int MAX_IFNAME = 15;

    private final String prefix;
    private final List<Namespace> namespaces = new ArrayList<>();
    private final List<String> selfLinks = new ArrayList<>();
    private final AtomicInteger counter = new AtomicInteger();
    private boolean ipv6;

    /** Starts an empty lab; {@code tag} (letters/digits) appears in its namespaces' names. */
    public Lab(String tag) {
        if (!tag.matches("[a-zA-Z0-9]{1,16}")) {
            throw new IllegalArgumentException("tag: '" + tag + "' (expected: 1..16 letters or digits)");
        }
        this.prefix = Netns.prefix() + tag + LABS.incrementAndGet() + "-";
    }

    /** Creates a namespace named {@code <run prefix><tag><n>-<role><m>} with loopback up. */
    public Namespace namespace(String role) {
        Namespace ns = new Namespace(prefix + role + counter.incrementAndGet());
        Cmd.ok("ip", "netns", "add", ns.name());
        namespaces.add(ns);
        ns.up("lo");
        if (!ipv6) {
            ns.noIpv6();
        }
        return ns;
    }

    /**
     * Whether namespaces created from now on keep IPv6 (default false: its router solicitations and MLD reports
     * would muddy the packet counts of flooding tests). Returns this lab.
     */
    public Lab ipv6(boolean on) {
        this.ipv6 = on;
        return this;
    }

    /**
     * Creates a veth pair {@code a:ifA <-> b:ifB}, turns off tx checksum offload on both ends, brings both up
     * and gives each end its address when the cidr is not null.
     */
    public void veth(Namespace a, String ifA, String cidrA, Namespace b, String ifB, String cidrB) {
        checkName(ifA);
        checkName(ifB);
        List<String> argv = new ArrayList<>(List.of("ip", "link", "add", "name", ifA));
        if (!a.isSelf()) {
            argv.addAll(List.of("netns", a.name()));
        }
        argv.addAll(List.of("type", "veth", "peer", "name", ifB));
        if (!b.isSelf()) {
            argv.addAll(List.of("netns", b.name()));
        }
        Cmd.run(argv.toArray(String[]::new)).check();
        if (a.isSelf()) {
            selfLinks.add(ifA);
        }
        if (b.isSelf()) {
            selfLinks.add(ifB);
        }
        configure(a, ifA, cidrA);
        configure(b, ifB, cidrB);
    }

    private void configure(Namespace ns, String dev, String cidr) {
        if (!ipv6) {
            // Also for ends in the test JVM's namespace, which keeps IPv6: no RS/MLD/DAD noise on the link.
            ns.ipv6Off(dev);
        }
        ns.txOff(dev);
        if (cidr != null) {
            ns.address(dev, cidr);
        } else {
            ns.up(dev);
        }
    }

    /**
     * Creates a "fabric" namespace holding bridge {@code br0} with multicast snooping off, so that multicast
     * floods to every attached VTEP like on a dumb switch.
     */
    public Fabric fabric() {
        Namespace ns = namespace("fab");
        ns.ok("ip", "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        ns.up("br0");
        return new Fabric(ns);
    }

    /** A bridge in its own namespace joining several VTEPs' underlay interfaces. */
    public final class Fabric {
        private final Namespace ns;
        private int ports;

        private Fabric(Namespace ns) {
            this.ns = ns;
        }

        /** The fabric's namespace. */
        public Namespace namespace() {
            return ns;
        }

        /** Connects {@code vtep:dev} (address {@code cidr}) to the bridge; returns the bridge-side port name. */
        public String attach(Namespace vtep, String dev, String cidr) {
            String port = "fp" + (++ports);
            veth(vtep, dev, cidr, ns, port, null);
            ns.ok("ip", "link", "set", port, "master", "br0");
            return port;
        }
    }

    private static void checkName(String ifname) {
        if (ifname.isEmpty() || ifname.length() > MAX_IFNAME || ifname.contains("/") || ifname.contains(" ")) {
            throw new IllegalArgumentException(
                    "interface name: '" + ifname + "' (expected: 1.." + MAX_IFNAME + " characters, no '/' or spaces)");
        }
    }

    /** Names of the namespaces this lab created (for diagnostics). */
    public List<String> namespaceNames() {
        return namespaces.stream().map(Namespace::name).toList();
    }

    /** Kills what runs in the lab's namespaces, deletes them and the lab's links in the JVM's namespace. */
    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        for (String link : selfLinks) {
            // The peer namespace's deletion may already have removed it: only report links that remain.
            Cmd.Result del = Cmd.run("ip", "link", "del", link);
            if (!del.ok() && Cmd.run("ip", "link", "show", link).ok()) {
                problems.add(del.describe());
            }
        }
        for (Namespace ns : namespaces) {
            for (String pid : Cmd.run("ip", "netns", "pids", ns.name()).stdout().split("\\s+")) {
                if (!pid.isBlank()) {
                    ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
            Cmd.Result del = Cmd.run("ip", "netns", "del", ns.name());
            if (!del.ok()) {
                problems.add(del.describe());
            }
        }
        namespaces.clear();
        selfLinks.clear();
        if (!problems.isEmpty()) {
            throw new IllegalStateException("lab teardown incomplete: " + problems);
        }
    }
}
