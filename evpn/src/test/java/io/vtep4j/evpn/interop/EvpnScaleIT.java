package io.vtep4j.evpn.interop;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Netns;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measures (asserts nothing about speed): the convergence of one MAC from its first frame on A's local port to its
 * entry in B's table, and how long 10,000 and 100,000 MACs take from A's port to B's table, with the CPU time of
 * the agents' threads and the heap in use. Runs only with {@code -Dvtep4j.evpn.measure=true}:
 *
 * <pre>{@code
 * mvn -B -pl evpn -am verify -Dtest=EvpnScaleIT -Dsurefire.failIfNoSpecifiedTests=false -Dvtep4j.evpn.measure=true \
 *     -Dleak.level=disabled -Devpn.interop.timeout=7200 [-Dvtep4j.evpn.measure.counts=10000,100000] \
 *     [-Dvtep4j.evpn.measure.minutes=15]
 * }</pre>
 *
 * <p>Each burst's two phases (into gobgpd A, then into B's table) may take {@code measure.minutes} each; every minute
 * a progress line gives the routes so far, the CPU time of the agents and of each gobgpd, and the heap after a GC, so
 * a burst that does not finish still leaves its rate.
 *
 * <p>Leak detection off: at the tests' PARANOID level every one of the burst's buffers records its accesses.
 */
class EvpnScaleIT {

    private static final int VNI = EvpnRacks.VNI;
    private static final Location A = Location.remote(address(EvpnRacks.VTEP_A));

    @BeforeAll
    static void isolated() {
        assumeTrue(Boolean.getBoolean("vtep4j.evpn.measure"), "a measurement: -Dvtep4j.evpn.measure=true runs it");
        Netns.requireIsolated("gobgpd", "gobgp");
    }

    @Test
    void measuresConvergenceAndScale() {
        try (EvpnRacks racks = new EvpnRacks("evscale")) {
            racks.vteps(Duration.ofHours(1), Duration.ofHours(1));
            EvpnRacks.Side a = racks.a;
            EvpnRacks.Side b = racks.b;
            Await.until(
                    EvpnRacks.WAIT,
                    () -> a.floodsTo(EvpnRacks.VTEP_B) && b.floodsTo(EvpnRacks.VTEP_A),
                    () -> a.agent.status().toString());

            long[] single = new long[21];
            for (int i = 0; i < single.length; i++) {
                long mac = 0x0200_0100_0000L + i;
                long t0 = System.nanoTime();
                a.host.send(frameFrom(mac));
                waitFor(b, mac, Duration.ofSeconds(20));
                single[i] = System.nanoTime() - t0;
            }
            Arrays.sort(single);
            report(String.format(
                    Locale.ROOT,
                    "one MAC, first frame on A to entry in B: median %.1f ms, min %.1f ms, max %.1f ms (%d runs)",
                    single[single.length / 2] / 1e6,
                    single[0] / 1e6,
                    single[single.length - 1] / 1e6,
                    single.length));

            int base = single.length;
            for (String c : System.getProperty("vtep4j.evpn.measure.counts", "10000,100000")
                    .split(",")) {
                int count = Integer.parseInt(c.trim());
                burst(racks, 0x0200_0200_0000L + base, count, base);
                base += count;
            }
        }
    }

    private static void burst(EvpnRacks racks, long firstMac, int count, int before) {
        EvpnRacks.Side a = racks.a;
        EvpnRacks.Side b = racks.b;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long cpu0 = agentCpu(threads);
        long heap0 = Measures.heapAfterGc();
        Duration bgp0A = racks.bgpA.cpu();
        Duration bgp0B = racks.bgpB.cpu();
        Duration limit = Duration.ofMinutes(Long.getLong("vtep4j.evpn.measure.minutes", 15));
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            a.host.write(frameFrom(firstMac + i));
            if (i % 256 == 255) {
                a.host.flush();
            }
        }
        a.host.flush();
        long sent = System.nanoTime();
        int want = before + count;
        java.util.function.Supplier<String> progress = () -> String.format(
                Locale.ROOT,
                "%,d MACs, after %.0f s: gobgpd A %,d destinations, B %,d installed; agent threads' CPU %.2f s;"
                        + " gobgpd CPU A %.2f s, B %.2f s; heap after GC %,d KiB; load %s",
                count,
                (System.nanoTime() - t0) / 1e9,
                destinations(racks.bgpA),
                b.agent.status().macsInstalled() - before,
                (agentCpu(threads) - cpu0) / 1e9,
                racks.bgpA.cpu().minus(bgp0A).toMillis() / 1e3,
                racks.bgpB.cpu().minus(bgp0B).toMillis() / 1e3,
                Measures.heapAfterGc() / 1024,
                Measures.loadAverage());
        // Advertised: gobgpd A holds every route (both segments' type 3 and A's and B's type 2).
        until(limit, () -> destinations(racks.bgpA) >= want + 2, progress);
        long advertised = System.nanoTime();
        until(limit, () -> b.agent.status().macsInstalled() >= want, progress);
        long done = System.nanoTime();
        Duration bgpA = racks.bgpA.cpu().minus(bgp0A);
        Duration bgpB = racks.bgpB.cpu().minus(bgp0B);
        long cpu = agentCpu(threads) - cpu0;
        long heap = Measures.heapAfterGc();
        double seconds = (done - t0) / 1e9;
        report(String.format(
                Locale.ROOT,
                "%,d MACs: sent in %.2f s; all in gobgpd A after %.2f s; all installed in B after %.2f s = %,.0f"
                        + " routes/s; agent threads' CPU (A advertising + B installing + gRPC) %.2f s; heap after GC"
                        + " %,d -> %,d KiB; gobgpd CPU A %.2f s, B %.2f s; load %s; A %s; B %s",
                count,
                (sent - t0) / 1e9,
                (advertised - t0) / 1e9,
                seconds,
                count / seconds,
                cpu / 1e9,
                heap0 / 1024,
                heap / 1024,
                bgpA.toMillis() / 1e3,
                bgpB.toMillis() / 1e3,
                Measures.loadAverage(),
                a.agent.status(),
                b.agent.status()));
    }

    /** Waits (polling) until {@code done}, printing {@code progress} every minute; fails after {@code limit}. */
    private static void until(
            Duration limit, java.util.function.BooleanSupplier done, java.util.function.Supplier<String> progress) {
        long start = System.nanoTime();
        long nextReport = start + Duration.ofMinutes(1).toNanos();
        while (!done.getAsBoolean()) {
            long now = System.nanoTime();
            if (now - start > limit.toNanos()) {
                String last = progress.get();
                report("not finished within " + limit + ": " + last);
                throw new AssertionError("not within " + limit + ": " + last);
            }
            if (now - nextReport >= 0) {
                report("progress " + progress.get());
                nextReport = now + Duration.ofMinutes(1).toNanos();
            }
            LockSupport.parkNanos(Duration.ofSeconds(1).toNanos()); // each poll runs the gobgp CLI
        }
    }

    /** How many EVPN destinations gobgpd's global table holds ({@code gobgp global rib summary -a evpn}). */
    private static long destinations(Gobgpd bgp) {
        String out = bgp.cli("global", "rib", "summary", "-a", "evpn").stdout();
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("Destination: (\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static void waitFor(EvpnRacks.Side b, long mac, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        // Installed from BGP, not merely learned from the flooded frame by B's data plane.
        while (!b.agent.installed(VNI, mac, A)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("MAC " + MacAddress.toString(mac) + " not in B within " + limit);
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** CPU time of the EVPN agents' threads and gRPC's (all in this JVM). */
    private static long agentCpu(ThreadMXBean threads) {
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null
                    && (info.getThreadName().startsWith("vtep4j-evpn")
                            || info.getThreadName().startsWith("grpc"))) {
                long t = threads.getThreadCpuTime(info.getThreadId());
                total += Math.max(0, t);
            }
        }
        return total;
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static ByteBuf frameFrom(long mac) {
        return Frames.arpRequest(mac, "10.50.0.1", "10.50.0.254");
    }

    private static void report(String line) {
        System.out.println("EVPN-MEASURE " + line);
    }
}
