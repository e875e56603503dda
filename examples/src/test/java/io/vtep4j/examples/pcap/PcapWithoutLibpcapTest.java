package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.examples.Main;
import io.vtep4j.testing.ChildJvm;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vtep4j pcap} on a host without libpcap: one line on stderr that says what is missing, nothing on stdout,
 * exit code 2. A child JVM (this test's class path) is pointed at a libpcap that does not exist, so the test holds
 * whether or not this host has one.
 */
class PcapWithoutLibpcapTest {

    @Test
    void aMissingLibpcapIsOneLineAndExitCodeTwo(@TempDir Path dir) throws Exception {
        Path capture = Prerequisites.capture("tcpdump/vxlan.pcap");
        Path absent = dir.resolve("absent");
        Path library = absent.resolve("libpcap.so.0.8");
        ChildJvm.Result run = ChildJvm.run(
                dir,
                List.of("-Djna.library.path=" + absent, "-Dorg.pcap4j.core.pcapLibName=" + library),
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "pcap",
                capture.toString());
        List<String> stderr = run.stderr().lines().toList();
        assertEquals(2, run.exitCode(), "stderr: " + stderr);
        assertEquals("", run.stdout(), "stdout");
        assertEquals(1, stderr.size(), "one line: " + stderr);
        String line = stderr.get(0);
        assertTrue(
                line.startsWith("vtep4j pcap: cannot read " + capture + ": libpcap is not available (Unable to load "
                        + "library '" + library + "': " + library + ": cannot open shared object file"),
                line);
        assertTrue(line.endsWith("); install it (Debian: libpcap0.8)"), line);
    }
}
