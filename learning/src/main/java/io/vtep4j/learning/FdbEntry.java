package io.vtep4j.learning;

import java.time.Duration;
import java.util.Objects;

/** One row of a forwarding-table listing ({@code bridge fdb show} style); immutable snapshot, thread-safe. */
public final class FdbEntry {

    /** How an entry came to be and how learning treats it. */
    public enum Type {
        /** Added by {@link ForwardingTable#addStatic}; never aged, never overwritten by learning. */
        STATIC,
        /** Learned from a source MAC; aged and moved by learning. */
        LEARNED,
        /** Learned, then frozen as a duplicate MAC (RFC 7432 §15.1); still forwards, still ages. */
        FROZEN,
        /**
         * Installed by a control plane (EVPN) with {@link ForwardingTable#addControl}: a remote VTEP, never aged, never
         * overwritten by learning from the underlay; learning on a local port moves it there (it becomes LEARNED).
         */
        CONTROL
    }

    private final int vni;
    private final long mac;
    private final Type type;
    private final Location location;
    private final Duration age;

    /** Creates a row; thread-safe. */
    public FdbEntry(int vni, long mac, Type type, Location location, Duration age) {
        this.vni = vni;
        this.mac = MacAddress.check(mac);
        this.type = Objects.requireNonNull(type, "type");
        this.location = Objects.requireNonNull(location, "location");
        this.age = Objects.requireNonNull(age, "age");
    }

    /** The VNI; thread-safe. */
    public int vni() {
        return vni;
    }

    /** The MAC as 48 bits; thread-safe. */
    public long mac() {
        return mac;
    }

    /** Static, learned or frozen; thread-safe. */
    public Type type() {
        return type;
    }

    /** Where frames to this MAC go; thread-safe. */
    public Location location() {
        return location;
    }

    /** Time since the MAC was last seen at this location (since it was added, for static entries); thread-safe. */
    public Duration age() {
        return age;
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof FdbEntry)) {
            return false;
        }
        final FdbEntry that = (FdbEntry) other;
        return vni == that.vni
                && mac == that.mac
                && type == that.type
                && location.equals(that.location)
                && age.equals(that.age);
    }

    @Override
    public int hashCode() {
        return Objects.hash(vni, mac, type, location, age);
    }

    /** One line: {@code vni 5001 00:11:22:33:44:55 learned dst 192.0.2.2 age 12.345s}. */
    @Override
    public String toString() {
        return "vni " + vni + " " + MacAddress.toString(mac) + " " + type.name().toLowerCase(java.util.Locale.ROOT)
                + " " + location + " age " + FdbFormat.seconds(age);
    }
}
