package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static io.vtep4j.learning.Fixtures.mac;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingTableLimitsTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();

    @Test
    void aFullTableStopsLearningNewMacsCountsThemAndStillForwardsToKnownOnes() {
        final ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).maxEntries(3).build();
        for (int i = 1; i <= 3; i++) {
            assertEquals(LearnResult.LEARNED, fdb.learn(VNI + i, mac(i), VTEP_1));
        }
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(4), VTEP_1));
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI + 9, mac(5), VTEP_1));
        assertEquals(2, fdb.counters().refusedFull());
        assertNull(fdb.lookup(VNI, mac(4)));
        for (int i = 1; i <= 3; i++) {
            assertSame(VTEP_1, fdb.lookup(VNI + i, mac(i)), "known MACs keep forwarding");
            assertEquals(LearnResult.REFRESHED, fdb.learn(VNI + i, mac(i), VTEP_1));
        }
        assertEquals(LearnResult.MOVED, fdb.learn(VNI + 1, mac(1), VTEP_2), "known MACs may still move");
        assertEquals(3, fdb.size());
    }

    @Test
    void roomFreedByAgeingIsLearnedAgain() {
        final ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).maxEntries(2).build();
        fdb.learn(VNI, mac(1), VTEP_1);
        fdb.learn(VNI, mac(2), VTEP_1);
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(3), VTEP_1));
        clock.advance(Duration.ofSeconds(301));
        fdb.expire();
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, mac(3), VTEP_1));
    }

    @Test
    void thePerVniLimitCapsOneVniWithoutTouchingOthers() {
        final ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).maxEntriesPerVni(2).build();
        fdb.learn(VNI, mac(1), VTEP_1);
        fdb.learn(VNI, mac(2), VTEP_1);
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(3), VTEP_1));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI + 1, mac(3), VTEP_1));
        assertEquals(2, fdb.size(VNI));
        assertEquals(1, fdb.counters().refusedFull());
    }

    @Test
    void fairnessEvictsFromTheLocationHoldingTheMostEntries() {
        final ForwardingTable fdb = ForwardingTable.builder()
                .ticker(clock)
                .listener(events)
                .maxEntries(4)
                .evictFromBusiestLocation(true)
                .build();
        fdb.learn(VNI, mac(1), VTEP_1);
        fdb.learn(VNI, mac(2), VTEP_1);
        fdb.learn(VNI, mac(3), VTEP_1);
        fdb.learn(VNI, mac(4), VTEP_2);
        events.drain();
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, mac(5), VTEP_2));
        assertEquals(4, fdb.size());
        assertEquals(1, fdb.counters().evicted());
        assertEquals(0, fdb.counters().refusedFull());
        final List<String> seen = events.drain();
        assertEquals(2, seen.size());
        assertEquals(true, seen.get(0).startsWith("evicted 5001 02:00:00:00:00:0"), seen.toString());
        assertEquals(true, seen.get(0).endsWith("dst 192.0.2.1"), "the busiest location pays: " + seen);
        assertNotNull(fdb.lookup(VNI, mac(4)), "the quiet location keeps its entry");
        assertSame(VTEP_2, fdb.lookup(VNI, mac(5)));
    }

    @Test
    void fairnessNeverEvictsStaticEntries() {
        final ForwardingTable fdb = ForwardingTable.builder()
                .ticker(clock)
                .maxEntriesPerVni(2)
                .evictFromBusiestLocation(true)
                .build();
        fdb.addStatic(VNI, mac(1), VTEP_1);
        fdb.addStatic(VNI, mac(2), VTEP_1);
        assertEquals(LearnResult.REFUSED_FULL, fdb.learn(VNI, mac(3), VTEP_2));
        assertEquals(2, fdb.size(VNI));
    }

    @Test
    void aFloodOfRandomSourceMacsCannotGrowTheTablePastItsLimit() {
        final ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).maxEntries(1000).build();
        for (int i = 1; i <= 50_000; i++) {
            fdb.learn(VNI, mac(i * 7919L), VTEP_1);
        }
        assertEquals(1000, fdb.size());
        assertEquals(49_000, fdb.counters().refusedFull());
    }

    @Test
    void limitsBelowOneAreRejected() {
        assertThrows(
                IllegalArgumentException.class, () -> ForwardingTable.builder().maxEntries(0));
        final IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ForwardingTable.builder().maxEntriesPerVni(-1));
        assertEquals("maxEntriesPerVni: -1 (expected: >= 1)", e.getMessage());
    }
}
