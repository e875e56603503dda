package io.vtep4j.internal.raw;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Child-process probe for {@link RawIpSocketTest}: tries to open a raw GRE socket on loopback and prints the error.
 * Exit 0 when opening failed with an {@link IOException} (message on stdout), 3 when it unexpectedly opened.
 */
public final class RawOpenCheck {

    private RawOpenCheck() {
    }

    /** Entry point; sends nothing. */
    public static void main(String[] args) {
        try {
            RawIpSocket.open(InetAddress.getLoopbackAddress(), RawIpSocket.IPPROTO_GRE).close();
            System.out.println("opened");
            System.exit(3);
        } catch (IOException e) {
            System.out.println(e.getMessage());
        }
    }
}
