package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.examples.Main;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vtep4j pcap} on a host without libpcap: one line on stderr that says what is missing, nothing on stdout,
 * exit code 2. A child JVM (this test's class path) is pointed at a libpcap that does not exist, so the test holds
 * whether or not this host has one.
 */
class PcapWithoutLibpcapTest {
    private static final long TIMEOUT_SECONDS = 60;

    @Test
    void aMissingLibpcapIsOneLineAndExitCodeTwo(@TempDir Path dir) throws Exception {
        Path capture = Prerequisites.capture("tcpdump/vxlan.pcap");
        Path absent = dir.resolve("absent");
        Path library = absent.resolve("libpcap.so.0.8");
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Djna.library.path=" + absent,
                        "-Dorg.pcap4j.core.pcapLibName=" + library,
                        "-cp",
                        System.getProperty("java.class.path"),
                        Main.class.getName(),
                        "pcap",
                        capture.toString())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("vtep4j pcap did not finish in " + TIMEOUT_SECONDS + " s");
        }
        List<String> stderr = Files.readAllLines(err, StandardCharsets.UTF_8);
        assertEquals(2, child.exitValue(), "stderr: " + stderr);
        assertEquals("", Files.readString(out, StandardCharsets.UTF_8), "stdout");
        assertEquals(1, stderr.size(), "one line: " + stderr);
        String line = stderr.get(0);
        assertTrue(
                line.startsWith("vtep4j pcap: cannot read " + capture + ": libpcap is not available (Unable to load "
                        + "library '" + library + "': " + library + ": cannot open shared object file"),
                line);
        assertTrue(line.endsWith("); install it (Debian: libpcap0.8)"), line);
    }
}
