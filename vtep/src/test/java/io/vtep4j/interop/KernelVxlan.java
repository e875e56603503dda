package io.vtep4j.interop;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A Linux kernel vxlan device in a test namespace: the independent VXLAN peer of the interop tests
 * ({@code ip link add ... type vxlan}). Build with {@link #in(Namespace, String)}. Not thread-safe while
 * building; the created device is then read-only from the test's side.
 */
public final class KernelVxlan {

    private final Namespace ns;
    private final String dev;
    private int vni = 5000;
    private int dstPort = 4789;
    private String local;
    private String remote;
    private String group;
    private String groupDev;
    private boolean learning = true;
    private boolean udpChecksum;
    private int ageingSeconds = -1;
    private String overlayCidr;
    private String mac;

    private KernelVxlan(Namespace ns, String dev) {
        this.ns = ns;
        this.dev = dev;
    }

    /** Starts describing vxlan device {@code dev} in {@code ns}. */
    public static KernelVxlan in(Namespace ns, String dev) {
        return new KernelVxlan(ns, dev);
    }

    /** The VNI (default 5000). */
    public KernelVxlan vni(int value) {
        this.vni = value;
        return this;
    }

    /** The UDP destination port (default 4789; always passed, the kernel's own default is 8472). */
    public KernelVxlan dstPort(int value) {
        this.dstPort = value;
        return this;
    }

    /** The local underlay address. */
    public KernelVxlan local(String address) {
        this.local = address;
        return this;
    }

    /** A single remote VTEP (head-end replication to one peer). */
    public KernelVxlan remote(String address) {
        this.remote = address;
        return this;
    }

    /** A multicast flood group joined on underlay interface {@code underlayDev}. */
    public KernelVxlan group(String address, String underlayDev) {
        this.group = address;
        this.groupDev = underlayDev;
        return this;
    }

    /** Turns source-MAC learning off ({@code nolearning}). */
    public KernelVxlan noLearning() {
        this.learning = false;
        return this;
    }

    /** FDB ageing in seconds. */
    public KernelVxlan ageing(int seconds) {
        this.ageingSeconds = seconds;
        return this;
    }

    /** The overlay address of the kernel's own host (the vxlan device itself), e.g. {@code 10.50.0.2/24}. */
    public KernelVxlan overlay(String cidr) {
        this.overlayCidr = cidr;
        return this;
    }

    /** The MAC address of the vxlan device (the overlay host's MAC). */
    public KernelVxlan mac(String address) {
        this.mac = address.toLowerCase(Locale.ROOT);
        return this;
    }

    /** Sends IPv4 UDP with a checksum ({@code udpcsum}; the kernel's default is a zero checksum). */
    public KernelVxlan udpChecksum() {
        udpChecksum = true;
        return this;
    }

    /** Creates the device, with its overlay address and MAC, and brings it up. */
    public KernelVxlan create() {
        List<String> argv = new ArrayList<>(List.of(
                "ip",
                "link",
                "add",
                dev,
                "type",
                "vxlan",
                "id",
                Integer.toString(vni),
                "dstport",
                Integer.toString(dstPort)));
        if (local != null) {
            argv.addAll(List.of("local", local));
        }
        if (remote != null) {
            argv.addAll(List.of("remote", remote));
        }
        if (group != null) {
            argv.addAll(List.of("group", group, "dev", groupDev));
        }
        if (!learning) {
            argv.add("nolearning");
        }
        if (udpChecksum) {
            argv.add("udpcsum");
        }
        if (ageingSeconds >= 0) {
            argv.addAll(List.of("ageing", Integer.toString(ageingSeconds)));
        }
        ns.ok(argv.toArray(String[]::new));
        if (mac != null) {
            ns.mac(dev, mac);
        }
        ns.txOff(dev);
        if (overlayCidr != null) {
            ns.address(dev, overlayCidr);
        } else {
            ns.up(dev);
        }
        return this;
    }

    /** Adds one more head-end-replication target ({@code bridge fdb append 00:00:00:00:00:00 ... dst IP}). */
    public KernelVxlan floodTo(String address) {
        ns.ok("bridge", "fdb", "append", "00:00:00:00:00:00", "dev", dev, "dst", address);
        return this;
    }

    /** The namespace the device lives in. */
    public Namespace namespace() {
        return ns;
    }

    /** The device name. */
    public String dev() {
        return dev;
    }

    /** The device's MAC address. */
    public String macAddress() {
        return ns.macOf(dev);
    }

    /** {@code bridge fdb show dev DEV}: what the kernel learned. */
    public String fdb() {
        return ns.fdb(dev);
    }

    /** True when the kernel's FDB maps {@code mac} to remote VTEP {@code dst}. */
    public boolean learned(String mac, String dst) {
        // `bridge fdb show dev X` prints "MAC dst IP self ..." (the dev column is left out).
        String lower = mac.toLowerCase(Locale.ROOT);
        return fdb().lines()
                .map(line -> " " + line.strip() + " ")
                .anyMatch(line -> line.startsWith(" " + lower + " ") && line.contains(" dst " + dst + " "));
    }
}
