package io.vtep4j.examples.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Runs the demo in-process, as {@code vtep4j demo} does, and checks what it claims against what it observed. */
class DemoCommandTest {

    @Test
    void demoShowsFloodLearnUnicastIsolationAndAgeingAndExitsZero() {
        DemoCommand demo = new DemoCommand();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(demo);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));

        int exit = cli.execute();

        String text = out.toString();
        assertEquals(0, exit, () -> "exit code; stdout:\n" + text + "\nstderr:\n" + err);
        DemoReport report = demo.report();
        for (String fact : List.of(
                "arp-flooded",
                "arp-answered",
                "reply-unicast",
                "learned",
                "unicast",
                "green-answered-by-erin",
                "bob-saw-nothing-of-5002",
                "erin-saw-nothing-of-5001",
                "aged",
                "green-kept",
                "reflooded",
                "relearned")) {
            assertTrue(report.held(fact), () -> fact + " did not hold; stdout:\n" + text);
        }
        assertTrue(report.allHeld(), text);
        assertTrue(text.contains("Demo complete"), text);
        assertTrue(text.contains("Forwarding tables at the end"), text);
        assertTrue(text.contains("Counters (vtep.stats())"), text);
        // Step 5 narrates VTEP B from its counters: it never claims a flood its flood counter did not see.
        assertFalse(text.matches("(?s).*VTEP B[^\n]*flooded[^\n]*\\(floods: 0\\).*"), text);
        System.out.println(text);
    }

    @Test
    void demoMovesToAnotherPortWhenTheVxlanPortIsTaken() throws IOException {
        // Hold 4789 on one of the demo's addresses: it must pick another port for all three VTEPs.
        try (DatagramSocket squatter = new DatagramSocket(null)) {
            squatter.bind(new InetSocketAddress("127.0.0.2", DemoNetwork.PREFERRED_PORT));
            DemoCommand demo = new DemoCommand();
            StringWriter out = new StringWriter();
            CommandLine cli = new CommandLine(demo);
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(new StringWriter(), true));

            assertEquals(0, cli.execute(), out::toString);
            assertTrue(demo.report().allHeld(), out::toString);
            assertFalse(
                    out.toString().contains("loopback UDP port " + DemoNetwork.PREFERRED_PORT + "\n"), out::toString);
        }
    }
}
