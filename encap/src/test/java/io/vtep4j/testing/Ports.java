package io.vtep4j.testing;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/** Finds free UDP ports for loopback tests. Stateless. */
public final class Ports {
    private Ports() {}

    /**
     * A UDP port free on 127.0.0.1 right now, from the ephemeral range; tests bind it on 127.0.0.x, where the kernel
     * has no other user for it in practice.
     */
    public static int freeUdp() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }
}
