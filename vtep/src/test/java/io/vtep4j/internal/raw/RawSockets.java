package io.vtep4j.internal.raw;

import java.net.InetAddress;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Test gate: can this JVM open raw sockets? Skips loudly when not, fails when {@code CI=true}. */
final class RawSockets {

    private RawSockets() {}

    static void assumeAvailable() {
        String reason;
        try {
            RawIpSocket.open(InetAddress.getLoopbackAddress(), RawIpSocket.IPPROTO_GRE)
                    .close();
            return;
        } catch (java.io.IOException e) {
            reason = e.getMessage();
        }
        System.err.println("\n*** RAW SOCKET TESTS NOT RUN: " + reason + " ***");
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            Assertions.fail("CI=true and raw sockets are unavailable: " + reason);
        }
        Assumptions.abort(reason);
    }
}
