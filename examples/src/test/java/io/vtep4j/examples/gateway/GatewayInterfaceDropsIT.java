package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Losses the kernel counts at the gateway's interfaces, where none of its sockets sees them, reach its status line
 * and summary: frames of a protocol nobody on the underlay interface takes ({@code rx_dropped} of {@code gw-u}), and
 * frames the gateway sends on a trunk whose peer is down ({@code tx_dropped} of {@code gw-edge}).
 */
class GatewayInterfaceDropsIT {
    private static final String PYTHON = "/usr/bin/python3";
    /** Sends N frames of EtherType 0x88B5 (IEEE local experimental) from IFACE to DST, whose kernel has no handler. */
    private static final String SEND_UNCLAIMED = String.join(
            "\n",
            "import socket, sys",
            "iface, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])",
            "src = open('/sys/class/net/%s/address' % iface).read().strip()",
            "frame = bytes.fromhex(dst.replace(':', '') + src.replace(':', '') + '88b5') + bytes(46)",
            "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
            "s.bind((iface, 0))",
            "for _ in range(count):",
            "    s.send(frame)");

    /** The trunk's tx_dropped, after whatever other kinds it lost. */
    private static final Pattern TRUNK_TX_DROPPED = Pattern.compile("trunk gw-edge [^,|]*tx-dropped \\d+");

    private static final Duration SEEN = Duration.ofSeconds(10);

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping", PYTHON);
    }

    @Test
    void theKernelsLossesAtBothInterfacesReachTheStatusLineAndTheSummary() throws Exception {
        try (Lab lab = new Lab("gwifdrop")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs("--stats-interval", "1s"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(gw.stdout().contains("counted from now on trunk gw-edge, underlay gw-u"), gw::describe);
                assertTrue(gw.awaitOutput("| interface drops none |", SEEN), gw::describe);

                untagged.k3().ok(PYTHON, "-c", SEND_UNCLAIMED, "k3-u", Namespace.SELF.macOf("gw-u"), "5");
                assertTrue(gw.awaitOutput("underlay gw-u rx-dropped ", SEEN), gw::describe);
                assertTrue(count(gw.stdout(), "underlay gw-u rx-dropped") >= 5, gw::describe);

                // the trunk's peer goes down: what the gateway floods to the trunk dies at gw-edge
                untagged.h3().ok("ip", "link", "set", "h3-eth", "down");
                untagged.k3().run(Duration.ofSeconds(10), "ping", "-c", "3", "-i", "0.2", "-W", "1", "10.30.0.1");
                assertTrue(gw.awaitOutput("tx-dropped ", SEEN), gw::describe);
                assertTrue(TRUNK_TX_DROPPED.matcher(gw.stdout()).find(), gw::describe);

                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
                String summary = gw.stdout()
                        .lines()
                        .filter(l -> l.contains("summary after"))
                        .findFirst()
                        .orElse("");
                assertTrue(
                        summary.contains(", interface drops trunk gw-edge ")
                                && TRUNK_TX_DROPPED.matcher(summary).find()
                                && summary.contains("underlay gw-u rx-dropped "),
                        gw::describe);
            }
        }
    }

    /** The last count after {@code what} in {@code log}, or -1. */
    private static long count(String log, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what) + " (\\d+)").matcher(log);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }
}
