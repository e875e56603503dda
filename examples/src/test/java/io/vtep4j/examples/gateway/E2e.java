package io.vtep4j.examples.gateway;

import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.OvsPeer;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bounds and checks shared by the gateway's end-to-end tests. Stateless. */
final class E2e {
    /** How long a gateway child JVM may take to say it is running. */
    static final Duration START = Duration.ofSeconds(30);
    /** How long a graceful stop may take. */
    static final Duration STOP = Duration.ofSeconds(20);
    /** How long a new path may take to pass its first ping (OVS resolving next hops, captures starting). */
    static final Duration SETTLE = Duration.ofSeconds(30);

    private E2e() {
    }

    /**
     * The path is up once one ping gets through (bounded: OVS's userspace datapath and the captures take a moment
     * to settle), and then three pings in a row must all be answered.
     */
    static void assertPing(Namespace from, String address, GatewayProcess gw, OvsPeer ovs)
            throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!from.run(Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", address).ok()
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(200);
        }
        Cmd.Result ping = from.run(Duration.ofSeconds(15), "ping", "-c", "3", "-i", "0.2", "-W", "2", address);
        assertTrue(ping.ok() && ping.stdout().contains(" 0% packet loss"), () -> "ping " + address + " from "
                + from + ": " + ping.describe() + "\n" + gw.describe()
                + (ovs == null ? "" : "\novs log:\n" + ovs.logTail()));
    }

}
