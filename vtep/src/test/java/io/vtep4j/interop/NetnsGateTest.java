package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

/** The interop gate outside a namespace (plain unit test JVM): skip loudly locally, fail under CI. */
class NetnsGateTest {

    private static final Map<String, String> NOT_ROOT = Map.of("VTEP4J_NETNS_SKIP", "not root (uid 1000)");

    @Test
    void withoutANamespaceTheTestSkipsNamingTheReason() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> Netns.requireIsolated(NOT_ROOT));
        assertTrue(e.getMessage().contains("not root (uid 1000)"), e.getMessage());
    }

    @Test
    void underCiAMissingNamespaceFails() {
        Map<String, String> ci = Map.of("VTEP4J_NETNS_SKIP", "not root (uid 1000)", "CI", "true");
        AssertionFailedError e = assertThrows(AssertionFailedError.class, () -> Netns.requireIsolated(ci));
        assertTrue(e.getMessage().contains("CI=true") && e.getMessage().contains("not root"), e.getMessage());
    }

    @Test
    void notStartedThroughTheWrapperNamesTheWrapper() {
        TestAbortedException e = assertThrows(TestAbortedException.class, () -> Netns.requireIsolated(Map.of()));
        assertTrue(e.getMessage().contains("vtep/src/test/sh/netns/bin/java"), e.getMessage());
    }

    /** A tool counts as there only as a file the process builder can start, not as a shell's built-in. */
    @Test
    void aToolIsAnExecutableFileOnThePath(@TempDir Path dir) throws IOException {
        Path tool = Files.createFile(dir.resolve("vtep4j-tool"));
        assertFalse(Netns.executable("vtep4j-tool", dir.toString()), "not executable yet");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertTrue(Netns.executable("vtep4j-tool", "/nonexistent:" + dir));
        assertTrue(Netns.executable(tool.toString(), null), "a path is taken as it is");
        assertFalse(Netns.executable("vtep4j-tool", "/nonexistent"), "not in a directory of the path");
        assertFalse(Netns.executable("kill", dir.toString()), "a shell's built-in is not a file there");
        Files.createDirectory(dir.resolve("sub"));
        assertFalse(Netns.executable("sub", dir.toString()), "a directory is not a tool");
    }
}
