package io.vtep4j.examples.demo;

import static io.vtep4j.examples.demo.DemoNetwork.BLUE;
import static io.vtep4j.examples.demo.DemoNetwork.GREEN;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.VtepStats.SegmentStats;
import io.vtep4j.examples.demo.DemoNetwork.Station;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The demo's script: five steps, each an action by a simulated host, what the VTEPs did about it (from their
 * counters and tables), and the facts it proves. Runs on the calling thread and blocks, every wait bounded.
 */
final class Demo {
    /** Upper bound for any single wait on the network; loopback answers in microseconds. */
    static final Duration WAIT = Duration.ofSeconds(3);
    /** Ageing time given to VNI 5001 in step 5. */
    static final Duration SHORT_AGEING = Duration.ofSeconds(2);
    /** How long step 5 waits at most for an entry to age out: ageing + sweep interval + slack. */
    static final Duration AGEING_BOUND = Duration.ofSeconds(8);
    /** How often the VTEPs sweep aged entries, so step 5 does not wait the default second longer. */
    static final Duration SWEEP = Duration.ofMillis(200);

    private static final int PINGS = 3;

    private final PrintWriter out;
    private final DemoReport report = new DemoReport();
    private final DemoPrinter printer;
    private final DemoNetwork net;

    Demo(DemoNetwork net, PrintWriter out) {
        this.net = net;
        this.out = out;
        this.printer = new DemoPrinter(net, out);
    }

    /** Runs every step and returns what held; never throws for a fact that did not hold (it is reported). */
    DemoReport run() throws InterruptedException {
        printer.topology();
        firstArpIsFlooded();
        vtepsLearned();
        unicastAfterLearning();
        vnisAreIsolated();
        idleMacsAgeOut();
        printer.finalTables();
        printer.counters();
        return report;
    }

    private void firstArpIsFlooded() throws InterruptedException {
        step(1, "The first ARP is flooded");
        SegmentStats a0 = stats(net.a, BLUE);
        SegmentStats b0 = stats(net.b, BLUE);
        SegmentStats c0 = stats(net.c, BLUE);

        line("Nobody knows where anybody is yet. alice wants to talk to 10.0.0.2:");
        Long answer = net.alice.resolve(net.bob.ip(), WAIT);
        await(() -> net.carol.received() >= 1);
        long replicas = stats(net.a, BLUE).packetsToUnderlay() - a0.packetsToUnderlay();
        long floods = stats(net.a, BLUE).floods() - a0.floods();
        long bSent = stats(net.b, BLUE).packetsToUnderlay() - b0.packetsToUnderlay();
        long cGot = stats(net.c, BLUE).packetsFromUnderlay() - c0.packetsFromUnderlay();
        sent(net.alice, "ARP who-has 10.0.0.2 tell 10.0.0.1 (to ff:ff:ff:ff:ff:ff)");
        vtep(net.a, "broadcast: flooded by head-end replication as " + replicas + " VXLAN packets");
        seen(net.bob, "that's me: answers");
        seen(net.carol, "not mine: ignores");
        vtep(net.b, "learned alice from the flood, so the reply is " + bSent + " unicast packet to 127.0.0.1");
        seen(net.alice, "");
        line("(VTEP C received " + cGot + " packet: the request, not the reply)");
        fact(
                "arp-flooded",
                floods == 1 && replicas == 2,
                "the broadcast ARP left VTEP A as 2 replicas (one per remote VTEP)");
        fact(
                "arp-answered",
                answer != null && answer == net.bob.mac(),
                "alice resolved 10.0.0.2 to bob's MAC " + MacAddress.toString(net.bob.mac()));
        fact(
                "reply-unicast",
                bSent == 1 && cGot == 1 && net.carol.sent() == 0,
                "the ARP reply travelled as one unicast packet; carol stayed silent");
    }

    private void vtepsLearned() {
        step(2, "Learning: inner source MAC -> outer source IP, per VNI (RFC 7348 section 4.1)");
        printer.tables(BLUE);
        boolean aKnowsBob = remote(net.a, BLUE, net.bob.mac(), "127.0.0.2");
        boolean bKnowsAlice = remote(net.b, BLUE, net.alice.mac(), "127.0.0.1");
        boolean cKnowsAlice = remote(net.c, BLUE, net.alice.mac(), "127.0.0.1");
        boolean cKnowsNotBob = net.c.vtep().forwardingTable().lookup(BLUE, net.bob.mac()) == null;
        fact(
                "learned",
                aKnowsBob && bKnowsAlice && cKnowsAlice && cKnowsNotBob,
                "A: bob at 127.0.0.2; B and C: alice at 127.0.0.1; C never heard bob (the reply was unicast)");
    }

    private void unicastAfterLearning() throws InterruptedException {
        step(3, "Unicast once learned");
        SegmentStats a0 = stats(net.a, BLUE);
        long carol0 = net.carol.received();
        int replies = 0;
        for (int seq = 1; seq <= PINGS; seq++) {
            replies += net.alice.ping(net.bob.ip(), seq, WAIT) ? 1 : 0;
        }
        seen(net.bob, net.alice);
        long sent = stats(net.a, BLUE).packetsToUnderlay() - a0.packetsToUnderlay();
        long floods = stats(net.a, BLUE).floods() - a0.floods();
        long carolGot = net.carol.received() - carol0;
        line("alice pinged bob " + PINGS + " times: " + replies + " replies. VTEP A sent " + sent + " packets, flooded "
                + floods + ";");
        line("carol received " + carolGot + " frames.");
        fact(
                "unicast",
                replies == PINGS && sent == PINGS && floods == 0 && carolGot == 0,
                "every echo went to VTEP B alone; VTEP C saw none of it");
    }

    private void vnisAreIsolated() throws InterruptedException {
        step(4, "Isolation: VNI 5002 reuses the same IP addresses");
        long bob0 = net.bob.received();
        line("dave (VNI 5002, also 10.0.0.1) asks who has 10.0.0.2 - in his VNI that is erin, not bob.");
        Long answer = net.dave.resolve(net.erin.ip(), WAIT);
        boolean pinged = answer != null && net.dave.ping(net.erin.ip(), 1, WAIT);
        seen(net.erin, net.dave);
        fact(
                "green-answered-by-erin",
                answer != null && answer == net.erin.mac() && pinged,
                "dave resolved 10.0.0.2 to erin's MAC and pinged her");
        fact(
                "bob-saw-nothing-of-5002",
                net.bob.received() == bob0,
                "bob (same IP, VNI 5001) received nothing while VNI 5002 talked");

        line("");
        line("alice now sends a ping straight to erin's MAC, as if she knew it, in her own VNI 5001.");
        long erin0 = net.erin.received();
        long bob1 = net.bob.received();
        long carol1 = net.carol.received();
        SegmentStats a0 = stats(net.a, BLUE);
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {'h', 'i'});
        try {
            net.alice.send(Frames.icmpEcho(
                    ByteBufAllocator.DEFAULT,
                    Frames.ICMP_ECHO_REQUEST,
                    net.alice.mac(),
                    net.erin.mac(),
                    net.alice.ip(),
                    net.erin.ip(),
                    1,
                    99,
                    data));
        } finally {
            data.release();
        }
        boolean floodArrived = await(() -> net.bob.received() > bob1 && net.carol.received() > carol1);
        seen(net.bob, net.carol, net.erin);
        long floods = stats(net.a, BLUE).floods() - a0.floods();
        line("VTEP A does not know that MAC in VNI 5001: unknown unicast, flooded " + floods + " time(s), within");
        line("VNI 5001 only. bob and carol drop it (not their MAC); erin received " + (net.erin.received() - erin0)
                + " frames.");
        fact(
                "erin-saw-nothing-of-5001",
                floodArrived && net.erin.received() == erin0,
                "the unknown unicast reached VNI 5001's hosts and never VNI 5002");
    }

    private void idleMacsAgeOut() throws InterruptedException {
        step(5, "Ageing: idle MACs are forgotten, then flooded for again");
        for (Station station : net.stations()) {
            station.vtep().segment(BLUE).ageing(SHORT_AGEING);
        }
        line("VNI 5001's ageing time is now " + SHORT_AGEING.toSeconds() + " s on all three VTEPs (VNI 5002 keeps "
                + "300 s). Everybody is quiet...");
        long start = System.nanoTime();
        boolean aged = await(AGEING_BOUND, () -> net.a.vtep().forwardingTable().lookup(BLUE, net.bob.mac()) == null);
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        line(
                aged
                        ? String.format(
                                "after %.1f s VTEP A has forgotten bob; VNI 5001 now has %d entries there, "
                                        + "VNI 5002 still %d",
                                waited.toMillis() / 1000.0,
                                net.a.vtep().forwardingTable().size(BLUE),
                                net.a.vtep().forwardingTable().size(GREEN))
                        : "VTEP A still knows bob after " + AGEING_BOUND.toSeconds() + " s");
        fact("aged", aged, "bob's entry left VTEP A's table within " + AGEING_BOUND.toSeconds() + " s");
        fact(
                "green-kept",
                net.a.vtep().forwardingTable().lookup(GREEN, net.erin.mac()) != null,
                "VNI 5002's entries, with their own ageing time, stayed");

        SegmentStats a0 = stats(net.a, BLUE);
        SegmentStats b0 = stats(net.b, BLUE);
        boolean bKnewBob = net.b.vtep().forwardingTable().lookup(BLUE, net.bob.mac()) != null;
        long carol0 = net.carol.received();
        line("");
        line("alice pings bob again (her ARP cache still has his MAC; VTEP A's table does not).");
        boolean replied = net.alice.ping(net.bob.ip(), PINGS + 1, WAIT);
        await(() -> net.carol.received() > carol0);
        seen(net.bob, net.carol, net.alice);
        long floods = stats(net.a, BLUE).floods() - a0.floods();
        long replicas = stats(net.a, BLUE).packetsToUnderlay() - a0.packetsToUnderlay();
        line("VTEP A flooded the echo request (" + floods + " flood, " + replicas + " packets) and learned bob "
                + "again from the reply;");
        narrateVtepB(b0, bKnewBob);
        fact(
                "reflooded",
                replied && floods == 1 && replicas == 2 && net.carol.received() > carol0,
                "after ageing the next frame to bob was flooded again, and the reply came back");
        fact("relearned", remote(net.a, BLUE, net.bob.mac(), "127.0.0.2"), "VTEP A learned bob at 127.0.0.2 again");
    }

    /** Step 5 from VTEP B's side: only what its table and counters show (B's entries age on their own clock). */
    private void narrateVtepB(SegmentStats b0, boolean bKnewBob) {
        long bFloods = stats(net.b, BLUE).floods() - b0.floods();
        long bSent = stats(net.b, BLUE).packetsToUnderlay() - b0.packetsToUnderlay();
        boolean learnedAlice = remote(net.b, BLUE, net.alice.mac(), "127.0.0.1");
        Location bob = net.b.vtep().forwardingTable().lookup(BLUE, net.bob.mac());
        if (bKnewBob && bFloods == 0) {
            line("VTEP B still knew bob, so the request went straight to his port (floods: 0);");
        } else if (!bKnewBob && bFloods > 0) {
            line("VTEP B had aged out bob as well, so it flooded the request to its own ports (floods: " + bFloods
                    + ");");
        } else {
            line("VTEP B " + (bKnewBob ? "still knew bob" : "had aged out bob as well") + " and counted " + bFloods
                    + " flood(s);");
        }
        line((learnedAlice ? "it has alice behind 127.0.0.1 (from the request)" : "it has no entry for alice")
                + (bob != null && !bob.isRemote() ? " and bob at his port" : "") + "; "
                + (bSent == 1 && learnedAlice
                        ? "the reply left as 1 unicast packet."
                        : "it sent " + bSent + " packet(s) back."));
    }

    // ---- helpers ----

    private static SegmentStats stats(Station station, int vni) {
        return station.vtep().stats().segment(vni);
    }

    private static boolean remote(Station station, int vni, long mac, String address) {
        Location where = station.vtep().forwardingTable().lookup(vni, mac);
        return where != null
                && where.isRemote()
                && where.address().getHostAddress().equals(address);
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        return await(WAIT, condition);
    }

    /** Polls {@code condition} every 10 ms until it holds or {@code bound} passed; returns whether it held. */
    static boolean await(Duration bound, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private void step(int n, String title) {
        out.println();
        out.println(n + ". " + title);
        out.println("   " + "-".repeat(title.length() + 3));
    }

    private void line(String text) {
        out.println(text.isEmpty() ? "" : "   " + text);
    }

    private void sent(SimulatedHost host, String what) {
        out.printf("   %-6s -> %s%n", host.name(), what);
    }

    private void vtep(Station station, String what) {
        out.printf("   VTEP %s  : %s%n", station.letter(), what);
    }

    private void seen(SimulatedHost host, String note) {
        for (String frame : host.drainSeen()) {
            out.println(String.format("   %-6s <- %-40s %s", host.name(), frame, note)
                    .stripTrailing());
        }
    }

    private void seen(SimulatedHost... hosts) {
        for (SimulatedHost host : List.of(hosts)) {
            for (String frame : host.drainSeen()) {
                out.printf("   %-6s <- %s%n", host.name(), frame);
            }
        }
    }

    private void fact(String key, boolean held, String detail) {
        report.record(key, held, detail);
        out.println("   " + (held ? "[ok] " : "[FAILED] ") + detail);
        out.flush();
    }
}
