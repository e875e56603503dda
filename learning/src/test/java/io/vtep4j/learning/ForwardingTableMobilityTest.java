package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.PORT_1;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static io.vtep4j.learning.Fixtures.VTEP_3;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingTableMobilityTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb =
            ForwardingTable.builder().ticker(clock).listener(events).build();

    /** Moves MAC_A back and forth between VTEP_1 and VTEP_2 {@code times} times, one second apart. */
    private LearnResult bounce(int times) {
        LearnResult last = null;
        for (int i = 0; i < times; i++) {
            clock.advance(Duration.ofSeconds(1));
            last = fdb.learn(VNI, MAC_A, fdb.lookup(VNI, MAC_A) == VTEP_1 ? VTEP_2 : VTEP_1);
        }
        return last;
    }

    @Test
    void aMacSeenAtANewLocationMovesThereWithAnEventAndACounter() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        events.drain();
        assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, PORT_1));
        assertSame(PORT_1, fdb.lookup(VNI, MAC_A));
        assertEquals(1, fdb.counters().moved());
        assertEquals(List.of("moved 5001 02:00:00:00:00:0a dst 192.0.2.1 -> port 1 vm1"), events.drain());
        assertEquals(1, fdb.size());
    }

    @Test
    void aMoveRestartsTheAge() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(250));
        fdb.learn(VNI, MAC_A, VTEP_2);
        clock.advance(Duration.ofSeconds(250));
        assertEquals(0, fdb.expire());
    }

    @Test
    void theFifthMoveWithin180SecondsFreezesTheEntryWhereItIs() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertEquals(LearnResult.MOVED, bounce(4));
        final Location before = fdb.lookup(VNI, MAC_A);
        events.drain();
        // RFC 7432 §15.1: N (5) moves before the M (180 s) timer expires = duplicate MAC.
        assertEquals(LearnResult.FROZEN, bounce(1));
        assertSame(before, fdb.lookup(VNI, MAC_A), "frozen where it was, the fifth move is not applied");
        assertEquals(List.of("duplicate 5001 02:00:00:00:00:0a " + before), events.drain());
        assertEquals(1, fdb.counters().duplicates());
        assertEquals(4, fdb.counters().moved());
        assertEquals(FdbEntry.Type.FROZEN, fdb.entries().get(0).type());
    }

    @Test
    void aFrozenEntryIgnoresLearningFromAnywhereAndCountsIt() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        bounce(5);
        final Location frozenAt = fdb.lookup(VNI, MAC_A);
        assertEquals(LearnResult.FROZEN, fdb.learn(VNI, MAC_A, VTEP_3));
        assertEquals(LearnResult.FROZEN, fdb.learn(VNI, MAC_A, frozenAt));
        assertSame(frozenAt, fdb.lookup(VNI, MAC_A));
        assertEquals(2, fdb.counters().frozenHits());
    }

    @Test
    void aFrozenEntryStaysFrozenUntilItAgesOutBecauseLearningNoLongerRefreshesIt() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        bounce(5);
        for (int i = 0; i < 30; i++) {
            clock.advance(Duration.ofSeconds(10));
            assertEquals(LearnResult.FROZEN, fdb.learn(VNI, MAC_A, VTEP_1));
            assertEquals(LearnResult.FROZEN, fdb.learn(VNI, MAC_A, VTEP_2));
        }
        assertEquals(1, fdb.expire(), "300 s after its last refresh the frozen entry ages out");
        assertNull(fdb.lookup(VNI, MAC_A));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, VTEP_1), "and afterwards is learned afresh");
        assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, VTEP_2), "with a clean move history");
    }

    @Test
    void clearingAFreezeLetsTheMacMoveAgainWithACleanHistory() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        bounce(5);
        assertTrue(fdb.unfreeze(VNI, MAC_A));
        assertFalse(fdb.unfreeze(VNI, MAC_A), "no longer frozen");
        assertEquals(FdbEntry.Type.LEARNED, fdb.entries().get(0).type());
        assertEquals(LearnResult.MOVED, bounce(4));
        assertEquals(LearnResult.FROZEN, bounce(1));
    }

    @Test
    void removingAFrozenEntryClearsIt() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        bounce(5);
        assertTrue(fdb.remove(VNI, MAC_A));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, VTEP_3));
    }

    @Test
    void movesSpreadOverMoreThanTheWindowNeverFreeze() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        for (int i = 0; i < 20; i++) {
            clock.advance(Duration.ofSeconds(50));
            assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, i % 2 == 0 ? VTEP_2 : VTEP_1), "move " + i);
        }
        assertEquals(0, fdb.counters().duplicates());
    }

    @Test
    void theMoveWindowIsPerMacAndPerVni() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI + 1, MAC_A, VTEP_1);
        for (int i = 0; i < 4; i++) {
            fdb.learn(VNI, MAC_A, i % 2 == 0 ? VTEP_2 : VTEP_1);
            fdb.learn(VNI + 1, MAC_A, i % 2 == 0 ? VTEP_2 : VTEP_1);
        }
        assertEquals(0, fdb.counters().duplicates(), "four moves each: neither is a duplicate yet");
    }

    @Test
    void moveDetectionThresholdsAreConfigurable() {
        final ForwardingTable strict = ForwardingTable.builder()
                .ticker(clock)
                .moveDetection(2, Duration.ofSeconds(10))
                .build();
        strict.learn(VNI, MAC_A, VTEP_1);
        assertEquals(LearnResult.MOVED, strict.learn(VNI, MAC_A, VTEP_2));
        clock.advance(Duration.ofSeconds(11));
        assertEquals(LearnResult.MOVED, strict.learn(VNI, MAC_A, VTEP_1), "the first window has closed");
        clock.advance(Duration.ofSeconds(9));
        assertEquals(LearnResult.FROZEN, strict.learn(VNI, MAC_A, VTEP_2));
    }

    @Test
    void moveDetectionCanBeTurnedOff() {
        final ForwardingTable free =
                ForwardingTable.builder().ticker(clock).noMoveDetection().build();
        free.learn(VNI, MAC_A, VTEP_1);
        for (int i = 0; i < 50; i++) {
            assertEquals(LearnResult.MOVED, free.learn(VNI, MAC_A, i % 2 == 0 ? VTEP_2 : VTEP_1));
        }
    }

    @Test
    void invalidMoveDetectionSettingsAreRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> ForwardingTable.builder().moveDetection(0, Duration.ofSeconds(1)));
        assertThrows(
                IllegalArgumentException.class, () -> ForwardingTable.builder().moveDetection(5, Duration.ZERO));
    }
}
