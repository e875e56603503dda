package io.vtep4j.internal.xdp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/**
 * The Ethernet interface that holds a VTEP's local address, as a kernel-side program is built for it: its name, index,
 * MAC (low 48 bits, first byte most significant) and MTU.
 */
record UnderlayInterface(String name, int index, long mac, int mtu) {

    /**
     * The interface that holds {@code local} now, or null when none does.
     *
     * @throws IOException when that interface has no Ethernet address (loopback, a tunnel), or the kernel's answer
     *     failed
     */
    static UnderlayInterface holding(InetAddress local) throws IOException {
        NetworkInterface i = NetworkInterface.getByInetAddress(local);
        if (i == null) {
            return null;
        }
        byte[] bytes = i.getHardwareAddress();
        if (bytes == null || bytes.length != 6 || i.isLoopback()) {
            throw new IOException(i.getName() + " has no Ethernet address");
        }
        long mac = 0;
        for (byte b : bytes) {
            mac = mac << 8 | (b & 0xFF);
        }
        if (mac == 0) {
            throw new IOException(i.getName() + " has no Ethernet address"); // all zero: none assigned
        }
        return new UnderlayInterface(i.getName(), i.getIndex(), mac, i.getMTU());
    }

    /** As {@link #holding}, which must find one: else an {@link IOException} naming the address. */
    static UnderlayInterface of(InetAddress local) throws IOException {
        UnderlayInterface u = holding(local);
        if (u == null) {
            throw new IOException("no interface holds " + local.getHostAddress());
        }
        return u;
    }

    /** The name of interface {@code index}, or "index N" where the kernel does not say. */
    static String nameOf(int index) {
        try {
            NetworkInterface i = NetworkInterface.getByIndex(index);
            if (i != null) {
                return i.getName();
            }
        } catch (SocketException e) {
            // named by its index below
        }
        return "index " + index;
    }

    /**
     * Whether an interface other than {@code index} holds {@code local} now: the address moved while the interface
     * it was on stays. True also where the interface that holds it cannot carry a program (no Ethernet address),
     * so that following it says why; false where none does.
     */
    static boolean heldElsewhere(InetAddress local, int index) {
        try {
            UnderlayInterface u = holding(local);
            return u != null && u.index() != index;
        } catch (IOException e) {
            return true;
        }
    }
}
