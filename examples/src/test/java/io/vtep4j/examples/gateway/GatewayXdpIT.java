package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --trunk-io xdp} end to end: pings cross an AF_XDP trunk both ways and the program is gone after the gateway
 * stops; where XDP cannot run on the trunk (two receive queues) the gateway says why in one line and runs on
 * AF_PACKET.
 */
class GatewayXdpIT {
    /** {@code ip link} shows "xdp" or "xdpgeneric" after the MTU, and a prog/xdp line, while a program is attached. */
    private static final Pattern XDP = Pattern.compile("\\sxdp(generic|drv|offload|multi)?[\\s/]|prog/xdp");

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "ping");
    }

    private static boolean xdpAttached(String device) {
        return XDP.matcher(Namespace.SELF.ok("ip", "link", "show", "dev", device))
                .find();
    }

    @Test
    void pingsCrossAnXdpTrunkAndStoppingDetachesTheProgram() throws Exception {
        try (Lab lab = new Lab("gwxdp")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            try (GatewayProcess gw =
                    GatewayProcess.start(E2e.UntaggedLab.gatewayArgs("--trunk-io", "xdp", "--stats-interval", "1s"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(gw.stdout().contains("trunk gw-edge: AF_XDP"), gw::describe);
                assertTrue(xdpAttached("gw-edge"), gw::describe);
                E2e.assertPing(untagged.h3(), "10.30.0.2", gw, null);
                E2e.assertPing(untagged.k3(), "10.30.0.1", gw, null);
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                assertTrue(gw.stdout().contains("summary after"), gw::describe);
                assertFalse(gw.stderr().contains("Exception"), gw::describe);
                assertFalse(xdpAttached("gw-edge"), "the program outlived the gateway");
            }
        }
    }

    @Test
    void whereXdpCannotRunTheGatewaySaysWhyAndUsesAfPacket() throws Exception {
        try (Lab lab = new Lab("gwxdpfb")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            Namespace.SELF.ok("ethtool", "-L", "gw-edge", "rx", "2");
            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs("--trunk-io", "xdp"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(
                        gw.stdout().contains("AF_XDP unavailable (")
                                && gw.stdout().contains("2 receive queues")
                                && gw.stdout().contains("falling back to AF_PACKET"),
                        gw::describe);
                assertTrue(gw.stdout().contains("trunk gw-edge: AF_PACKET"), gw::describe);
                assertFalse(xdpAttached("gw-edge"), gw::describe);
                E2e.assertPing(untagged.h3(), "10.30.0.2", gw, null);
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
            }
        }
    }
}
