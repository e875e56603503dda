package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The location budget: spoofed outer sources cannot lock out local ports, static entries or a real new VTEP. */
class ForwardingTableLocationsTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();

    /** The n-th spoofed outer source, 10.0.0.0/8 and beyond; one instance per call, as a receive path makes them. */
    private static Location spoofed(int n) {
        try {
            return Location.remote(InetAddress.getByAddress(
                    new byte[] {(byte) (10 + (n >>> 24)), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n}));
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** One spoofed packet per source, each claiming its own MAC in VNI. */
    private static void spoof(ForwardingTable fdb, int from, int count) {
        for (int i = from; i < from + count; i++) {
            fdb.learn(VNI, mac(1_000_000 + i), spoofed(i));
        }
    }

    @Test
    void spoofedSourcesFillingTheRegistryLeaveLocalPortsAndStaticEntriesTheirRoom() {
        final ForwardingTable fdb = ForwardingTable.builder().ticker(clock).build();
        spoof(fdb, 0, ForwardingTable.MAX_LOCATIONS);
        assertEquals(ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS, fdb.size(), "the budget, not the index space");
        assertEquals(
                ForwardingTable.MAX_LOCATIONS - ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS,
                fdb.counters().refusedLocations());
        assertEquals(0, fdb.counters().refusedFull(), "entry limits were not the problem");
        for (int port = 0; port < 1000; port++) {
            assertEquals(LearnResult.LEARNED, fdb.learn(VNI + 1, mac(port), Location.localPort(port, "p" + port)));
        }
        fdb.addStatic(VNI + 2, mac(1), spoofed(-1)); // a new remote, configured by the owner
        assertEquals(spoofed(-1), fdb.lookup(VNI + 2, mac(1)));
    }

    @Test
    void aHundredThousandSpoofedSourcesCannotStopARealNewVtepFromBeingLearned() {
        final ForwardingTable fdb = ForwardingTable.builder().ticker(clock).build();
        final Location genuine = Fixtures.remote("192.0.2.77");
        final long host = mac(77);
        spoof(fdb, 0, ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS);
        // The real VTEP sends one packet for every thousand spoofed ones.
        int results = 0;
        for (int round = 0; round < 100; round++) {
            spoof(fdb, ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS + round * 1000, 1000);
            final LearnResult r = fdb.learn(VNI, host, genuine);
            results |= 1 << r.ordinal();
            clock.advance(Duration.ofMillis(10));
        }
        assertSame(genuine, fdb.lookup(VNI, host), "learned, and still there after 100,000 spoofed sources");
        assertEquals(
                1 << LearnResult.REFUSED_FULL.ordinal()
                        | 1 << LearnResult.LEARNED.ordinal()
                        | 1 << LearnResult.REFRESHED.ordinal(),
                results,
                "refused once, then learned, then refreshed");
        assertEquals(1, fdb.counters().reclaimedLocations(), "one spoofed source made room; none displaced another");
        assertEquals(1, fdb.counters().evicted());
        assertTrue(fdb.counters().refusedLocations() >= 100_000, fdb.counters().toString());
        assertEquals(ForwardingTable.DEFAULT_MAX_REMOTE_LOCATIONS, fdb.size());
    }

    @Test
    void establishedRemotesAreNeverDisplacedByNewcomers() {
        final ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).maxRemoteLocations(4).build();
        for (int i = 0; i < 4; i++) {
            fdb.learn(VNI, mac(2 * i), spoofed(i));
            fdb.learn(VNI, mac(2 * i + 1), spoofed(i)); // a second MAC: used again, established
        }
        final Location newcomer = spoofed(99);
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(99), newcomer));
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(99), newcomer), "asked twice, nobody weak");
        assertEquals(8, fdb.size());
        assertEquals(0, fdb.counters().reclaimedLocations());
        assertEquals(2, fdb.counters().refusedLocations());
        assertNull(fdb.lookup(VNI, mac(99)));
    }

    @Test
    void theWeakestRemoteIsDisplacedAndItsEntriesEvicted() {
        final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
        final ForwardingTable fdb = ForwardingTable.builder()
                .ticker(clock)
                .listener(events)
                .maxRemoteLocations(3)
                .build();
        fdb.learn(VNI, mac(1), spoofed(1));
        fdb.learn(VNI, mac(2), spoofed(1)); // established
        fdb.learn(VNI + 1, mac(3), spoofed(2)); // weak, older
        clock.advance(Duration.ofSeconds(1));
        fdb.learn(VNI, mac(4), spoofed(3)); // weak, newer
        events.drain();
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(5), spoofed(4)));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, mac(5), spoofed(4)));
        assertNull(fdb.lookup(VNI + 1, mac(3)), "the oldest weak remote made room, in whichever VNI it was");
        assertEquals(
                java.util.List.of(
                        "evicted 5002 02:00:00:00:00:03 dst 10.0.0.2", "learned 5001 02:00:00:00:00:05 dst 10.0.0.4"),
                events.drain());
        assertEquals(1, fdb.counters().reclaimedLocations());
    }

    @Test
    void locationsNoEntryUsesAreRecycled() {
        final ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).maxRemoteLocations(2).build();
        fdb.learn(VNI, mac(1), spoofed(1));
        fdb.learn(VNI, mac(2), spoofed(2));
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(3), spoofed(3)));
        fdb.remove(VNI, mac(1));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, mac(3), spoofed(3)));
        clock.advance(Duration.ofSeconds(301));
        fdb.expire();
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, mac(4), spoofed(4)));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, mac(5), spoofed(5)));
    }

    @Test
    void aBadBudgetIsRefusedAtOnce() {
        final IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ForwardingTable.builder().maxRemoteLocations(16_384));
        assertEquals("maxRemoteLocations: 16384 (expected: 1..16128)", e.getMessage());
    }
}
