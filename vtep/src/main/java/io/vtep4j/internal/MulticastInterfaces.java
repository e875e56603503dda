package io.vtep4j.internal;

import java.net.NetworkInterface;
import java.net.SocketException;

/** The underlays' lookup of the configured multicast interface by name; stateless, callable from any thread. */
public final class MulticastInterfaces {

    private MulticastInterfaces() {}

    /**
     * The interface called {@code name}, as set with the builder's {@code multicastInterface}.
     *
     * @throws IllegalStateException if {@code name} is null: multicast was used without naming an interface
     * @throws SocketException if no interface has that name (or the lookup itself fails)
     */
    public static NetworkInterface required(String name) throws SocketException {
        if (name == null) {
            throw new IllegalStateException("multicastInterface: null (expected: an interface name to join "
                    + "multicast groups on; set it on the builder)");
        }
        NetworkInterface nif = NetworkInterface.getByName(name);
        if (nif == null) {
            throw new SocketException("multicastInterface: " + name + " (no such interface)");
        }
        return nif;
    }
}
