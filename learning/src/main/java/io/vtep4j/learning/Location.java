package io.vtep4j.learning;

import java.net.InetAddress;
import java.util.Objects;

/**
 * Where a MAC lives: a remote VTEP (underlay address plus transport number) or a local port; immutable value,
 * thread-safe.
 *
 * <p>The <em>transport</em> of a remote is a small number, {@code 0..}{@value #MAX_TRANSPORT}, that the table's owner
 * assigns and the table never interprets: it is part of the location's identity (equality, moves, flushes) and is
 * handed back by {@link #transport()}. The wire format therefore lives with the codecs and the engine, not in the MAC
 * table, yet a table can still tell apart the same remote address reached over two underlays (say VXLAN and NVGRE),
 * so that a MAC learned from one is answered on the same one: the engine keeps one underlay per transport number and
 * sends to {@code underlays[where.transport()]}, a lookup that allocates nothing. An engine with a single underlay
 * uses transport 0 for every remote ({@link #remote(InetAddress)}).
 *
 * <p>Learning the same location again allocates nothing when callers reuse one instance per remote or port.
 */
public final class Location {

    /** Largest transport number of a remote. */
    public static final int MAX_TRANSPORT = 255;

    private final InetAddress address;
    private final int transport;
    private final int portId;
    private final String name;

    private Location(InetAddress address, int transport, int portId, String name) {
        this.address = address;
        this.transport = transport;
        this.portId = portId;
        this.name = name;
    }

    /** A remote VTEP reached at {@code vtep} over transport 0 (the only one of a single-underlay engine). */
    public static Location remote(InetAddress vtep) {
        return remote(vtep, 0);
    }

    /**
     * A remote VTEP reached at {@code vtep} over {@code transport}, a number the table's owner assigns to one of its
     * underlays; thread-safe.
     *
     * @throws IllegalArgumentException if {@code vtep} is multicast or the wildcard address, or {@code transport} is
     *     not {@code 0..}{@value #MAX_TRANSPORT}
     */
    public static Location remote(InetAddress vtep, int transport) {
        Objects.requireNonNull(vtep, "vtep");
        if (vtep.isMulticastAddress() || vtep.isAnyLocalAddress()) {
            throw new IllegalArgumentException("vtep: " + vtep.getHostAddress() + " (expected: a unicast address)");
        }
        if (transport < 0 || transport > MAX_TRANSPORT) {
            throw new IllegalArgumentException("transport: " + transport + " (expected: 0.." + MAX_TRANSPORT + ")");
        }
        return new Location(vtep, transport, -1, vtep.getHostAddress());
    }

    /** A local port with a non-negative id and a display name; thread-safe. */
    public static Location localPort(int portId, String name) {
        if (portId < 0) {
            throw new IllegalArgumentException("portId: " + portId + " (expected: >= 0)");
        }
        Objects.requireNonNull(name, "name");
        return new Location(null, -1, portId, name);
    }

    /** True for a remote VTEP, false for a local port; thread-safe. */
    public boolean isRemote() {
        return address != null;
    }

    /** The remote VTEP's underlay address, or null for a local port; thread-safe. */
    public InetAddress address() {
        return address;
    }

    /** The transport number of a remote ({@code 0..}{@value #MAX_TRANSPORT}), or -1 for a local port; thread-safe. */
    public int transport() {
        return transport;
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
                && transport == that.transport
                && Objects.equals(address, that.address)
                && name.equals(that.name);
    }

    @Override
    public int hashCode() {
        return isRemote() ? address.hashCode() * 31 + transport : portId * 31 + name.hashCode();
    }

    /** {@code dst 192.0.2.1} for a remote on transport 0, {@code dst 192.0.2.1 transport 2} on another, {@code port 3 vm1} for a local port. */
    @Override
    public String toString() {
        if (!isRemote()) {
            return "port " + portId + " " + name;
        }
        return transport == 0 ? "dst " + name : "dst " + name + " transport " + transport;
    }
}
