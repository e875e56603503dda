package io.vtep4j.examples.gateway;

import io.vtep4j.internal.libc.LibC;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * The kernel's index of a network interface in this process's network namespace, by libc's
 * {@code if_nametoindex(3)} ({@link LibC}). A deleted and recreated interface gets a new index, which is how
 * the trunk notices that its capture is bound to an interface that no longer exists. Stateless, thread-safe.
 */
final class InterfaceIndex {
    /** No interface of that name. */
    static final int NONE = 0;

    private static final boolean LOADED = load();

    private InterfaceIndex() {}

    private static boolean load() {
        try {
            LibC.errno(); // binds libc now
            return true;
        } catch (LinkageError | RuntimeException notLinux) {
            return false;
        }
    }

    /** The index of {@code name}, or {@link #NONE} if there is no such interface (or libc cannot be reached). */
    static int of(String name) {
        if (!LOADED || name.isEmpty() || name.length() > 15) {
            return NONE;
        }
        return LibC.if_nametoindex(name);
    }

    /** The name of the interface that holds {@code address}, or null if none does (or the lookup fails). */
    static String holding(InetAddress address) {
        try {
            NetworkInterface nif = NetworkInterface.getByInetAddress(address);
            return nif == null ? null : nif.getName();
        } catch (SocketException e) {
            return null;
        }
    }
}
