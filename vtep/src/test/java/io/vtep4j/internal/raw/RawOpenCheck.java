package io.vtep4j.internal.raw;

import java.io.IOException;
import java.net.InetAddress;

/**
 * Child-process probe for {@link RawIpSocketTest}: tries to open a raw GRE socket on loopback (no argument) or to
 * build an NVGRE {@code Vtep} on 127.0.0.1 (argument {@code vtep}) and prints the error. Exit 0 when that failed
 * (message on stdout), 3 when it unexpectedly succeeded. Sends nothing.
 */
public final class RawOpenCheck {

    private RawOpenCheck() {}

    /** Entry point; sends nothing. */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("vtep")) {
            try (io.vtep4j.Vtep vtep = io.vtep4j.Vtep.builder()
                    .localAddress("127.0.0.1")
                    .encapsulation(io.vtep4j.encap.Encapsulation.NVGRE)
                    .build()) {
                System.out.println("built " + vtep);
                System.exit(3);
            } catch (RuntimeException e) {
                System.out.println(e.getClass().getSimpleName() + ": " + e.getMessage());
            }
            return;
        }
        try {
            RawIpSocket.open(InetAddress.getLoopbackAddress(), RawIpSocket.IPPROTO_GRE)
                    .close();
            System.out.println("opened");
            System.exit(3);
        } catch (IOException e) {
            System.out.println(e.getMessage());
        }
    }
}
