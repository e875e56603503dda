package io.vtep4j.learning;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/** One row of a neighbour-binding listing ({@code ip neigh show} style); immutable snapshot, thread-safe. */
public final class NeighborEntry {

    /** Where a binding came from. */
    public enum Origin {
        /** Snooped from an ARP or NDP packet a local port sent. */
        LOCAL,
        /** Snooped from an ARP or NDP packet that arrived from the underlay. */
        REMOTE,
        /**
         * Added by a control plane (EVPN type-2 MAC+IP route) with {@link NeighborTable#add}: never aged, never
         * overwritten by snooping; {@link NeighborTable#remove} removes it.
         */
        CONTROL
    }

    private final int vni;
    private final InetAddress address;
    private final long mac;
    private final Origin origin;
    private final Location location;
    private final Duration age;

    /**
     * Creates a row; thread-safe.
     *
     * @param location where the MAC was when the binding was last confirmed; null for a control-plane binding, which
     *     follows the forwarding table
     */
    public NeighborEntry(int vni, InetAddress address, long mac, Origin origin, Location location, Duration age) {
        this.vni = vni;
        this.address = Objects.requireNonNull(address, "address");
        this.mac = MacAddress.check(mac);
        this.origin = Objects.requireNonNull(origin, "origin");
        this.location = location;
        this.age = Objects.requireNonNull(age, "age");
    }

    /** The VNI; thread-safe. */
    public int vni() {
        return vni;
    }

    /** The IPv4 or IPv6 address; thread-safe. */
    public InetAddress address() {
        return address;
    }

    /** The MAC the address resolves to, as 48 bits; thread-safe. */
    public long mac() {
        return mac;
    }

    /** Snooped locally, from the underlay, or from a control plane; thread-safe. */
    public Origin origin() {
        return origin;
    }

    /** Where the MAC was when the binding was last confirmed; null for a control-plane binding; thread-safe. */
    public Location location() {
        return location;
    }

    /** Time since the binding was last confirmed (added, for a control-plane binding); thread-safe. */
    public Duration age() {
        return age;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof NeighborEntry)) {
            return false;
        }
        NeighborEntry e = (NeighborEntry) other;
        return vni == e.vni
                && mac == e.mac
                && address.equals(e.address)
                && origin == e.origin
                && Objects.equals(location, e.location);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vni, address, mac, origin, location);
    }

    @Override
    public String toString() {
        return address.getHostAddress() + " lladdr " + MacAddress.toString(mac) + " vni " + vni + " "
                + origin.name().toLowerCase(java.util.Locale.ROOT)
                + (location != null ? " at " + location : "");
    }
}
