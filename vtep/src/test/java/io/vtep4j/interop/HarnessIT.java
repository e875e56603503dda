package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Self-test of the netns harness with kernel peers only: isolation, topology, teardown, timeouts. */
class HarnessIT {

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping");
    }

    @Test
    void testJvmHasNoRouteOffTheMachine() {
        // 192.0.2.1 is TEST-NET-1 (RFC 5737): only a route lookup, nothing is sent.
        Cmd.Result route = Cmd.run("ip", "route", "get", "192.0.2.1");
        assertFalse(route.ok(), () -> "expected no route, got: " + route.describe());
        assertTrue(route.stderr().contains("unreachable"), route::describe);
        assertEquals("", Cmd.ok("ip", "-6", "route", "show", "default").strip());
    }

    @Test
    void commandsAreKilledAtTheirTimeLimit() {
        long start = System.nanoTime();
        Cmd.Result sleep = Cmd.run(Duration.ofMillis(300), "sleep", "30");
        assertTrue(sleep.timedOut());
        assertFalse(sleep.ok());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    }

    @Test
    void refusesToSendWhenTheRouteIsNotTheTestsVeth() {
        try (Lab lab = new Lab("route")) {
            Namespace a = lab.namespace("a");
            lab.veth(a, "a-u", "10.99.7.1/24", lab.namespace("b"), "b-u", "10.99.7.2/24");
            a.assertRoute("10.99.7.2", "a-u");
            assertThrows(AssertionError.class, () -> a.assertRoute("10.99.8.2", "a-u"));
        }
    }

    @Test
    void twoKernelVtepsPingThroughAFabricAndLearnEachOther() {
        List<String> names;
        try (Lab lab = new Lab("kk")) {
            Lab.Fabric fabric = lab.fabric();
            Namespace k1 = lab.namespace("k1");
            Namespace k2 = lab.namespace("k2");
            fabric.attach(k1, "k1-u", "10.99.0.2/24");
            fabric.attach(k2, "k2-u", "10.99.0.3/24");
            KernelVxlan vx1 = KernelVxlan.in(k1, "vx0")
                    .local("10.99.0.2")
                    .remote("10.99.0.3")
                    .mac("02:00:00:00:00:02")
                    .overlay("10.50.0.2/24")
                    .create();
            KernelVxlan vx2 = KernelVxlan.in(k2, "vx0")
                    .local("10.99.0.3")
                    .remote("10.99.0.2")
                    .mac("02:00:00:00:00:03")
                    .overlay("10.50.0.3/24")
                    .create();
            k1.assertRoute("10.99.0.3", "k1-u");
            Cmd.Result ping = k1.ping("10.50.0.3", 3);
            assertTrue(ping.ok(), ping::describe);
            assertAll(
                    () -> assertTrue(vx1.learned("02:00:00:00:00:03", "10.99.0.3"), vx1::fdb),
                    () -> assertTrue(vx2.learned("02:00:00:00:00:02", "10.99.0.2"), vx2::fdb),
                    () -> assertTrue(k2.counter("vx0", "rx_packets") >= 3));
            names = lab.namespaceNames();
        }
        String left = Cmd.ok("ip", "netns", "list");
        for (String name : names) {
            assertFalse(left.contains(name), () -> name + " survived teardown: " + left);
        }
    }
}
