package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.evpn.interop.Measures;
import io.vtep4j.testing.Frames;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Measures the agent alone (asserts nothing about speed): a real Vtep on loopback and its agent against {@link
 * FakeGobgpd}, an in-process stand-in for gobgpd's gRPC API whose own cost per route is small, so that the counts a
 * real gobgpd cannot take in reasonable time (it walks its EVPN table per type-2 route) can be reached. Per count:
 * receiving (type-2 routes of another VTEP from the watch stream until all are installed in the forwarding table) and
 * advertising (MACs learned on a local port until the fake has taken all their paths), each with a fresh agent, VTEP
 * and fake. Reports seconds, routes/s, the CPU time of the agent's threads (its loop and sender), of gRPC's client
 * threads, of the VTEP's event loop and of the fake, the heap after a GC before and after (the fake's table dropped
 * first), the agent's CPU per second over 20 s of idling afterwards (its periodic work), and the load. Runs only with {@code -Dvtep4j.evpn.measure=true}:
 *
 * <pre>{@code
 * mvn -B -pl evpn -am test -Dtest=AgentScaleIT -Dsurefire.failIfNoSpecifiedTests=false -Dvtep4j.evpn.measure=true \
 *     -Dleak.level=disabled [-Dvtep4j.evpn.measure.counts=10000,100000]
 * }</pre>
 *
 * <p>Leak detection off: at the tests' PARANOID level every one of the burst's buffers records its accesses.
 */
class AgentScaleIT {

    private static final Duration LIMIT = Duration.ofMinutes(20);
    private static final Duration IDLE = Duration.ofSeconds(20);
    private static final long FIRST_MAC = 0x0200_0300_0000L;

    @BeforeAll
    static void onlyWhenAsked() {
        assumeTrue(Boolean.getBoolean("vtep4j.evpn.measure"), "a measurement: -Dvtep4j.evpn.measure=true runs it");
    }

    @Test
    void measuresTheAgentAtScale() {
        for (String c :
                System.getProperty("vtep4j.evpn.measure.counts", "10000,100000").split(",")) {
            int count = Integer.parseInt(c.trim());
            receive(count);
            advertise(count);
        }
    }

    private static void receive(int count) {
        List<Path> routes = new ArrayList<>(count + 3);
        for (String other : new String[] {FakeRack.THEM, "127.0.0.10", "127.0.0.11"}) {
            InetAddress at = FakeRack.address(other);
            routes.add(RouteCodec.imet(FakeRack.VNI, RouteCodec.rd(at, FakeRack.VNI), FakeRack.RT, at, false));
        }
        for (int i = 0; i < count; i++) {
            routes.add(FakeRack.theirMac(FIRST_MAC + i, 0, false));
        }
        try (FakeRack rack = new FakeRack()) {
            rack.bgp.start();
            rack.agent(b -> b.scanInterval(Duration.ofSeconds(1)));
            rack.awaitConnected();
            Sample before = Sample.take();
            long t0 = System.nanoTime();
            rack.bgp.receiveAll(routes, FakeRack.THEM, 256);
            until(
                    () -> rack.agent.status().macsInstalled() >= count,
                    () -> rack.agent.status().toString());
            long t1 = System.nanoTime();
            report("receive", count, t1 - t0, before, rack);
            java.lang.ref.Reference.reachabilityFence(routes); // in "before" and "after" alike
        }
    }

    private static void advertise(int count) {
        try (FakeRack rack = new FakeRack()) {
            rack.bgp.start();
            rack.agent(b -> b.scanInterval(Duration.ofSeconds(1)));
            rack.awaitConnected();
            until(() -> rack.bgp.taken.get() >= 1, () -> "type 3 not taken"); // the segment's type-3 route
            int base = rack.bgp.taken.get();
            LocalPort port = rack.vtep.segment(FakeRack.VNI).attach("hosts", ByteBuf::release);
            Sample before = Sample.take();
            long t0 = System.nanoTime();
            for (int i = 0; i < count; i++) {
                port.write(Frames.frame(0x0200_00ff_ffffL, FIRST_MAC + i));
                if (i % 256 == 255) {
                    port.flush();
                }
            }
            port.flush();
            until(
                    () -> rack.bgp.taken.get() - base >= count,
                    () -> (rack.bgp.taken.get() - base) + " taken; " + rack.agent.status());
            long t1 = System.nanoTime();
            report("advertise", count, t1 - t0, before, rack);
        }
    }

    private static void report(String what, int count, long nanos, Sample before, FakeRack rack) {
        Sample after = Sample.take();
        // Then idle: nothing changes, what the agent spends now is its periodic work over the whole table.
        long scans0 = rack.agent.loop.segmentScans();
        LockSupport.parkNanos(IDLE.toNanos());
        Sample idle = Sample.take();
        long scans = rack.agent.loop.segmentScans() - scans0;
        rack.bgp.forget(); // the fake's table is test memory, not the agent's
        long heapAfter = Measures.heapAfterGc();
        double s = nanos / 1e9;
        System.out.println(String.format(
                Locale.ROOT,
                "AGENT-MEASURE %s %,d type-2 routes: %.2f s = %,.0f routes/s; CPU s: agent loop+sender %.2f,"
                        + " gRPC client %.2f, VTEP event loop %.2f, fake gobgpd %.2f, process %.2f; heap after GC"
                        + " %,d -> %,d KiB (fake's table dropped); then idle for %d s: agent loop+sender %.0f ms CPU"
                        + " per s, %d periodic scans (%.0f ms CPU each); load %s -> %s; %s",
                what,
                count,
                s,
                count / s,
                (after.agent - before.agent) / 1e9,
                (after.grpc - before.grpc) / 1e9,
                (after.vtep - before.vtep) / 1e9,
                (after.fake - before.fake) / 1e9,
                (after.process - before.process) / 1e9,
                before.heap / 1024,
                heapAfter / 1024,
                IDLE.toSeconds(),
                (idle.agent - after.agent) / 1e6 / IDLE.toSeconds(),
                scans,
                scans == 0 ? 0.0 : (idle.agent - after.agent) / 1e6 / scans,
                before.load,
                after.load,
                rack.agent.status()));
    }

    /** CPU time by thread group, the heap after a GC and the load average at one moment. */
    private record Sample(long agent, long grpc, long vtep, long fake, long process, long heap, String load) {
        static Sample take() {
            long heap = Measures.heapAfterGc();
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long agent = 0;
            long grpc = 0;
            long vtep = 0;
            long fake = 0;
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (info == null) {
                    continue;
                }
                long t = Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
                String name = info.getThreadName();
                if (name.startsWith("vtep4j-evpn")) {
                    agent += t;
                } else if (name.startsWith("grpc")) {
                    grpc += t;
                } else if (name.startsWith("vtep4j-")) {
                    vtep += t;
                } else if (name.startsWith("fake-gobgpd")) {
                    fake += t;
                }
            }
            long process = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
            return new Sample(agent, grpc, vtep, fake, process, heap, Measures.loadAverage());
        }
    }

    private static void until(BooleanSupplier done, Supplier<String> state) {
        long start = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - start > LIMIT.toNanos()) {
                throw new AssertionError("not within " + LIMIT + ": " + state.get());
            }
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
        }
    }
}
