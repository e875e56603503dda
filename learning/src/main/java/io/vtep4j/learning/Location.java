package io.vtep4j.learning;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Where a MAC lives: a remote VTEP (underlay address + encapsulation) or a local port; immutable value, thread-safe.
 *
 * <p>Learning the same location again allocates nothing when callers reuse one instance per remote or port.
 */
public final class Location {

    private final InetAddress address;
    private final Encapsulation encapsulation;
    private final int portId;
    private final String name;

    private Location(InetAddress address, Encapsulation encapsulation, int portId, String name) {
        this.address = address;
        this.encapsulation = encapsulation;
        this.portId = portId;
        this.name = name;
    }

    /** A remote VTEP reached at {@code vtep} with {@code encapsulation}; thread-safe. */
    public static Location remote(InetAddress vtep, Encapsulation encapsulation) {
        Objects.requireNonNull(vtep, "vtep");
        Objects.requireNonNull(encapsulation, "encapsulation");
        if (vtep.isMulticastAddress() || vtep.isAnyLocalAddress()) {
            throw new IllegalArgumentException("vtep: " + vtep.getHostAddress() + " (expected: a unicast address)");
        }
        return new Location(vtep, encapsulation, -1, vtep.getHostAddress());
    }

    /** A local port with a non-negative id and a display name; thread-safe. */
    public static Location localPort(int portId, String name) {
        if (portId < 0) {
            throw new IllegalArgumentException("portId: " + portId + " (expected: >= 0)");
        }
        Objects.requireNonNull(name, "name");
        return new Location(null, null, portId, name);
    }

    /** True for a remote VTEP, false for a local port; thread-safe. */
    public boolean isRemote() {
        return address != null;
    }

    /** The remote VTEP's underlay address, or null for a local port; thread-safe. */
    public InetAddress address() {
        return address;
    }

    /** The encapsulation toward the remote VTEP, or null for a local port; thread-safe. */
    public Encapsulation encapsulation() {
        return encapsulation;
    }

    /** The local port id, or -1 for a remote VTEP; thread-safe. */
    public int portId() {
        return portId;
    }

    /** The local port's name, or the remote's address text; thread-safe. */
    public String name() {
        return name;
    }

    @Override
    public boolean equals(Object other) {
        if (this == other) {
            return true;
        }
        if (!(other instanceof Location)) {
            return false;
        }
        final Location that = (Location) other;
        return portId == that.portId
                && encapsulation == that.encapsulation
                && Objects.equals(address, that.address)
                && name.equals(that.name);
    }

    @Override
    public int hashCode() {
        return isRemote() ? address.hashCode() * 31 + encapsulation.hashCode() : portId * 31 + name.hashCode();
    }

    /** {@code dst 192.0.2.1 vxlan} for a remote, {@code port 3 vm1} for a local port. */
    @Override
    public String toString() {
        return isRemote()
                ? "dst " + address.getHostAddress() + " " + encapsulation.name().toLowerCase(java.util.Locale.ROOT)
                : "port " + portId + " " + name;
    }
}
