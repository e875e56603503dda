package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Which table events the kernel-side programs get: where each MAC is, and which ones to forget; applied in order on
 * the class's own thread, never on the thread that changed the table.
 */
class OffloadSourcesTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<String> calls = new CopyOnWriteArrayList<>();
    private final Set<String> threads = ConcurrentHashMap.newKeySet();
    private OffloadSources sources = new OffloadSources();

    @AfterEach
    void close() {
        sources.close();
    }

    /** Records each call, and the thread it came on. */
    private class Recorder implements OffloadSources.Target {
        @Override
        public void learned(int vni, long mac, InetAddress remote) {
            record("learned " + vni + " " + Long.toHexString(mac) + " " + remote.getHostAddress());
        }

        @Override
        public void learnedLocal(int vni, long mac) {
            record("local " + vni + " " + Long.toHexString(mac));
        }

        @Override
        public void forget(int vni, long mac) {
            record("forget " + vni + " " + Long.toHexString(mac));
        }

        @Override
        public void clear() {
            record("clear");
        }

        void record(String call) {
            calls.add(call);
            threads.add(Thread.currentThread().getName());
        }
    }

    @Test
    void locationsAreHandedOnInOrderAndEndsForgottenOnTheMapsThread() throws Exception {
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location other = Location.remote(InetAddress.getByName("10.99.0.3"));
        Location trunk = Location.localPort(0, "vlan100");
        sources.learned(10100, 0xA, remote); // before a target: dropped
        sources.target(new Recorder(), null);
        sources.learned(10100, 0xA, remote);
        sources.learned(10100, 0xB, trunk);
        sources.moved(10100, 0xA, remote, other);
        sources.moved(10100, 0xA, other, trunk);
        sources.moved(10100, 0xB, trunk, remote);
        sources.aged(10100, 0xB, remote);
        sources.evicted(10100, 0xC, remote);
        sources.duplicate(10100, 0xD, remote);
        sources.removed(10100, 0xE, remote); // replaced by a control-plane (EVPN) entry, or removed by the owner
        sources.installed(10100, 0xE, other); // and the owner's entry, where it put it
        sources.installed(10100, 0xF, trunk);
        assertTrue(sources.awaitApplied(WAIT), "applied");
        assertEquals(
                List.of(
                        "learned 10100 a 10.99.0.2",
                        "local 10100 b",
                        "learned 10100 a 10.99.0.3",
                        "local 10100 a",
                        "learned 10100 b 10.99.0.2",
                        "forget 10100 b",
                        "forget 10100 c",
                        "forget 10100 d",
                        "forget 10100 e",
                        "learned 10100 e 10.99.0.3",
                        "local 10100 f"),
                calls);
        assertEquals(Set.of("vtep4j-offload-maps"), threads, "never on the thread that changed the table");
        assertEquals(0, sources.resyncs());
        assertThrows(IllegalStateException.class, () -> sources.target(new Recorder(), null), "once only");
    }

    /** Given a port's name, only MACs on that port are handed on as local; others stay with the engine. */
    @Test
    void withAPortNamedOnlyItsMacsAreHandedOnAsLocal() throws Exception {
        sources = new OffloadSources(OffloadSources.DEFAULT_CAPACITY, "stitch");
        sources.target(new Recorder(), null);
        Location stitch = Location.localPort(0, "stitch");
        Location other = Location.localPort(1, "vm1");
        sources.learned(100, 0xA, stitch);
        sources.learned(100, 0xB, other);
        sources.moved(100, 0xA, stitch, other);
        sources.moved(100, 0xB, other, stitch);
        sources.installed(100, 0xC, other);
        assertTrue(sources.awaitApplied(WAIT), "applied");
        assertEquals(List.of("local 100 a", "forget 100 b", "forget 100 a", "local 100 b", "forget 100 c"), calls);
    }

    /** Events of one MAC from two threads can arrive swapped: the table, not the event, says where the MAC is. */
    @Test
    void theTableNotAStaleEventSaysWhereAMacIs() throws Exception {
        ForwardingTable table = ForwardingTable.builder().build(); // no listener: the test hands the events on
        sources.target(new Recorder(), table);
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location trunk = Location.localPort(0, "vlan100");
        table.learn(100, 0xA, trunk);
        table.addControl(100, 0xB, remote);
        sources.learned(100, 0xA, remote); // older than the table's entry on the trunk
        sources.removed(100, 0xB, trunk); // an entry replaced by the control plane's, reported after it
        sources.aged(100, 0xC, remote); // gone, and never marked by a program
        sources.duplicate(100, 0xA, trunk); // frozen: forgotten whatever the table holds
        assertTrue(sources.awaitApplied(WAIT), "applied");
        assertEquals(List.of("local 100 a", "learned 100 b 10.99.0.2", "forget 100 c", "forget 100 a"), calls);
    }

    /** A flush is reported once, not per entry: the maps are filled again from what the table holds after it. */
    @Test
    void aFlushByTheOwnerMakesTheMapsFollowTheTableAgain() throws Exception {
        ForwardingTable table = ForwardingTable.builder().listener(sources).build();
        sources.target(new Recorder(), table);
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location trunk = Location.localPort(0, "vlan100");
        table.learn(10100, 0xA, remote);
        table.learn(10100, 0xB, trunk);
        table.learn(10200, 0xC, remote);
        assertTrue(sources.awaitApplied(WAIT), "applied");
        calls.clear();
        assertEquals(2, table.flushVni(10100)); // as when the owner closes the segment
        assertTrue(sources.awaitApplied(WAIT), "applied");
        assertEquals(List.of("clear", "learned 10200 c 10.99.0.2"), calls);
        assertEquals(1, sources.resyncs());
        calls.clear();
        assertEquals(1, table.flushLocation(remote));
        assertTrue(sources.awaitApplied(WAIT), "applied");
        assertEquals(List.of("clear"), calls);
    }

    @Test
    void aMacTheProgramsForwardedSinceTheLastRefreshIsLearnedAgainWhenItAges() throws Exception {
        AtomicLong now = new AtomicLong();
        ForwardingTable table = ForwardingTable.builder()
                .ticker(now::get)
                .ageing(Duration.ofSeconds(300))
                .listener(sources)
                .build();
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location trunk = Location.localPort(0, "vlan100");
        Set<Long> marked = Set.of(0xAL, 0xCL); // the programs' marks: A at the remote, C on the trunk
        sources.target(
                new Recorder() {
                    @Override
                    public boolean seen(int vni, long mac) {
                        return marked.contains(mac);
                    }
                },
                table);
        table.learn(10100, 0xA, remote);
        table.learn(10100, 0xB, remote);
        table.learn(10100, 0xC, trunk);
        assertTrue(sources.awaitApplied(WAIT));
        calls.clear();

        now.addAndGet(Duration.ofSeconds(301).toNanos());
        assertEquals(3, table.expire());
        assertTrue(sources.awaitApplied(WAIT));

        // B was idle: forgotten; A and C were forwarded in the kernel: back in the table where they were, and in
        // the maps without a gap (no forget for them)
        // (the sweep reports in the table's slot order)
        assertEquals(3, calls.size(), calls.toString());
        assertEquals(Set.of("forget 10100 b", "learned 10100 a 10.99.0.2", "local 10100 c"), Set.copyOf(calls));
        assertEquals(remote, table.lookup(10100, 0xA));
        assertNull(table.lookup(10100, 0xB));
        assertEquals(trunk, table.lookup(10100, 0xC));
        assertEquals(2, sources.kept());

        // with a fresh age: a second sweep soon after leaves them
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertEquals(0, table.expire());
    }

    @Test
    void withoutATableAnAgedMacIsForgottenEvenIfMarked() throws Exception {
        sources.target(
                new Recorder() {
                    @Override
                    public boolean seen(int vni, long mac) {
                        return true;
                    }
                },
                null);
        sources.aged(10100, 0xA, Location.localPort(0, "vlan100"));
        assertTrue(sources.awaitApplied(WAIT));
        assertEquals(List.of("forget 10100 a"), calls);
        assertEquals(0, sources.kept());
    }

    @Test
    void anOverflowingQueueIsReplacedByTheTablesOwnEntries() throws Exception {
        sources.close();
        sources = new OffloadSources(4, null);
        ForwardingTable table = ForwardingTable.builder().listener(sources).build();
        Location remote = Location.remote(InetAddress.getByName("10.99.0.2"));
        Location trunk = Location.localPort(0, "vlan100");
        Map<Long, String> maps = new TreeMap<>(); // what the programs' maps would hold
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        sources.target(
                new OffloadSources.Target() {
                    @Override
                    public void learned(int vni, long mac, InetAddress at) {
                        hold();
                        maps.put(mac, at.getHostAddress());
                    }

                    @Override
                    public void learnedLocal(int vni, long mac) {
                        hold();
                        maps.put(mac, "trunk");
                    }

                    @Override
                    public void forget(int vni, long mac) {
                        maps.remove(mac);
                    }

                    @Override
                    public void clear() {
                        calls.add("clear");
                        maps.clear();
                    }

                    private void hold() {
                        holding.countDown();
                        try {
                            release.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                },
                table);
        table.learn(10100, 0x1, remote);
        assertTrue(holding.await(10, TimeUnit.SECONDS), "the maps' thread is busy with the first change");
        // far more changes than the queue holds, while the maps' thread is held: the learning thread never waits
        for (long mac = 2; mac <= 40; mac++) {
            table.learn(10100, mac, mac % 2 == 0 ? remote : trunk);
        }
        table.flushLocation(trunk); // reported once, not per entry: a refill from the table shows it
        table.addStatic(10100, 0x41, trunk); // the owner's entries come back with the refill too
        table.addControl(10100, 0x42, remote);
        release.countDown();
        assertTrue(sources.awaitApplied(WAIT));

        Map<Long, String> expected = new TreeMap<>();
        table.entries().forEach(e -> expected.put(e.mac(), e.location().isRemote() ? "10.99.0.2" : "trunk"));
        assertEquals(expected, maps, "the maps hold what the table holds");
        assertEquals(23, maps.size(), "1 and the even ones of 2..40 (remote), the static and control entries");
        assertEquals("trunk", maps.get(0x41L));
        assertEquals("10.99.0.2", maps.get(0x42L));
        assertNotEquals(0, sources.resyncs());
        assertTrue(calls.contains("clear"));
    }
}
