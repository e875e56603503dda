package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/**
 * The interop tests' safety gate: is this JVM inside a fresh network namespace with no route off the machine?
 *
 * <p>{@code vtep/src/test/sh/netns/bin/java} starts the test JVM in namespace {@code vtep4j-it-<pid>} and exports
 * {@code VTEP4J_NETNS} / {@code VTEP4J_NETNS_PREFIX}. {@link #requireIsolated(String...)} checks all of it
 * before a test sends anything. Without it the test skips with a loud reason, or fails when {@code CI=true}.
 * Thread-safe (stateless).
 */
public final class Netns {

    private static final String WRAPPER = "vtep/src/test/sh/netns/bin/java";

    private Netns() {}

    /** True when running under CI ({@code CI=true}): a missing prerequisite must fail, never skip. */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Name of the namespace this JVM runs in, or null when it was not started through the wrapper. */
    public static String self() {
        return System.getenv("VTEP4J_NETNS");
    }

    /** Prefix every namespace this run creates must carry; the wrapper deletes all of them on exit. */
    public static String prefix() {
        String prefix = System.getenv("VTEP4J_NETNS_PREFIX");
        return prefix != null ? prefix : "vtep4j-j" + ProcessHandle.current().pid() + "-";
    }

    /**
     * Skips (or fails under CI) unless this JVM is root inside the wrapper's namespace, that namespace has no
     * default route, and every named tool is installed. Call from {@code @BeforeAll}.
     */
    public static void requireIsolated(String... tools) {
        requireIsolated(System.getenv(), tools);
    }

    /**
     * Whether {@code tool} is a file the tests can start as a process: the path itself where it has a slash, else a
     * file of that name in a directory of {@code path}, as the process builder looks for it (a shell's built-in of
     * the same name, such as {@code kill}, does not count).
     */
    static boolean executable(String tool, String path) {
        if (tool.contains("/")) {
            return Files.isRegularFile(Path.of(tool)) && Files.isExecutable(Path.of(tool));
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            Path file = Path.of(dir.isEmpty() ? "." : dir, tool);
            if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                return true;
            }
        }
        return false;
    }

    /** {@link #requireIsolated(String...)} reading the wrapper's variables and CI from {@code env}. */
    static void requireIsolated(Map<String, String> env, String... tools) {
        boolean ci = "true".equalsIgnoreCase(env.get("CI"));
        String ns = env.get("VTEP4J_NETNS");
        if (ns == null) {
            String why = env.get("VTEP4J_NETNS_SKIP");
            missing(
                    ci,
                    why != null
                            ? why
                            : "the test JVM was not started through " + WRAPPER
                                    + " (run: mvn -pl vtep -am verify, as root)");
            return;
        }
        List<String> absent = new ArrayList<>();
        for (String tool : tools) {
            if (!executable(tool, env.get("PATH"))) {
                absent.add(tool);
            }
        }
        if (!absent.isEmpty()) {
            missing(ci, "tools not installed: " + absent + " (.ci/run installs them)");
            return;
        }
        // Safety rule: the sender lives in a namespace with no route off the machine. Verify, don't trust.
        String identity = Cmd.ok(
                        "ip",
                        "netns",
                        "identify",
                        Long.toString(ProcessHandle.current().pid()))
                .strip();
        if (!identity.equals(ns)) {
            fail("test JVM is in namespace '" + identity + "' (expected: " + ns + ")");
        }
        for (String family : new String[] {"-4", "-6"}) {
            String routes = Cmd.ok("ip", family, "route", "show", "default").strip();
            if (!routes.isEmpty()) {
                fail("namespace " + ns + " has a default route (expected: none): " + routes);
            }
        }
    }

    private static void missing(boolean ci, String reason) {
        String banner = "\n************************************************************************\n"
                + "* INTEROP TEST NOT RUN: " + reason + "\n"
                + "************************************************************************";
        System.err.println(banner);
        if (ci) {
            fail("CI=true and an interop prerequisite is missing: " + reason);
        }
        Assumptions.abort("interop prerequisite missing: " + reason);
    }
}
