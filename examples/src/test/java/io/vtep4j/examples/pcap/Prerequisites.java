package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds what the capture tests need. The captures are test resources ({@code src/test/resources/captures}): one
 * that is missing fails the test with the path it looked for, always. {@code tshark} is a tool on the host: locally
 * a missing one skips with a loud reason; with {@code CI=true} it fails.
 */
final class Prerequisites {
    /** Where the captures live on the test class path, and in the source tree. */
    static final String CAPTURES = "captures/";

    private static final String SOURCE_DIR = "examples/src/test/resources/" + CAPTURES;

    private Prerequisites() {}

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** The capture {@code relative} (e.g. {@code tcpdump/vxlan.pcap}) as a file; fails the test if it is absent. */
    static Path capture(String relative) {
        URL url = Prerequisites.class.getClassLoader().getResource(CAPTURES + relative);
        if (url == null || !"file".equals(url.getProtocol())) {
            fail("MISSING TEST DATA: " + CAPTURES + relative + " on the test class path (source: " + SOURCE_DIR
                    + relative + "; looked from " + Paths.get("").toAbsolutePath() + ")");
        }
        try {
            return Paths.get(url.toURI());
        } catch (URISyntaxException e) {
            throw new AssertionError("capture URL " + url, e);
        }
    }

    /** The tshark executable on PATH. */
    static String tshark() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Paths.get(dir, "tshark");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        missing("tshark on PATH (apt-get install tshark; .ci/run installs it)");
        return null; // not reached
    }

    private static void missing(String what) {
        String message = "MISSING PREREQUISITE: " + what;
        if (ci()) {
            fail(message + " (CI=true: failing instead of skipping)");
        }
        System.err.println("*** SKIPPING: " + message + " ***");
        assumeTrue(false, message);
    }
}
