package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * Finds what the capture tests need: {@code ../shared/testdata} beside the repository and {@code tshark}. Locally a
 * missing one skips with a loud reason; with {@code CI=true} it fails.
 */
final class Prerequisites {
    private Prerequisites() {}

    static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** {@code shared/testdata}, found by walking up from the working directory to the repository's parent. */
    static Path testData() {
        for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("testdata");
            if (Files.isDirectory(candidate.resolve("tcpdump"))) {
                return candidate;
            }
        }
        missing("../shared/testdata (looked upwards from " + Paths.get("").toAbsolutePath() + ")");
        return null; // not reached
    }

    /** A capture under {@link #testData()}, which must exist. */
    static Path capture(String relative) {
        Path file = testData().resolve(relative);
        if (!Files.isRegularFile(file)) {
            missing(file.toString());
        }
        return file;
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
