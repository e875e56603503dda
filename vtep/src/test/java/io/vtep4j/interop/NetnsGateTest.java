package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
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
}
