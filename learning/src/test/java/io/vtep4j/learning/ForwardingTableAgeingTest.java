package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.MAC_B;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingTableAgeingTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb =
            ForwardingTable.builder().ticker(clock).listener(events).build();

    @Test
    void defaultAgeingIsThreeHundredSeconds() {
        assertEquals(Duration.ofSeconds(300), fdb.ageing(VNI));
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(299));
        assertEquals(0, fdb.expire());
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, fdb.expire());
        assertNull(fdb.lookup(VNI, MAC_A));
    }

    @Test
    void expiredEntriesDisappearAndAreReported() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, VTEP_2);
        events.drain();
        clock.advance(Duration.ofSeconds(301));
        assertEquals(2, fdb.expire());
        assertEquals(0, fdb.size());
        assertEquals(2, fdb.counters().aged());
        assertEquals(
                List.of("aged 5001 02:00:00:00:00:0a dst 192.0.2.1", "aged 5001 02:00:00:00:00:0b dst 192.0.2.2"),
                events.drain().stream().sorted().toList());
    }

    /** What the owner does: time passes and the periodic sweep runs. */
    private int sweepAfter(Duration elapsed) {
        clock.advance(elapsed);
        return fdb.expire();
    }

    @Test
    void seeingTheMacAgainAtTheSameLocationRestartsItsAge() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertEquals(0, sweepAfter(Duration.ofSeconds(200)));
        assertEquals(LearnResult.REFRESHED, fdb.learn(VNI, MAC_A, VTEP_1));
        clock.advance(Duration.ofSeconds(200));
        assertEquals(0, fdb.expire(), "400 s after learning but only 200 s after last seen");
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        clock.advance(Duration.ofSeconds(100));
        assertEquals(1, fdb.expire());
    }

    /** The owner's refresh of a MAC it knows is active: only where the table still has it, and never a move. */
    @Test
    void aRefreshRestartsTheAgeOnlyWhereTheEntryStillIs() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, VTEP_1);
        fdb.learn(VNI, Fixtures.mac(5), VTEP_1); // never refreshed
        fdb.addStatic(VNI, Fixtures.mac(9), VTEP_1);
        events.drain();
        assertEquals(0, sweepAfter(Duration.ofSeconds(200)));
        assertTrue(fdb.refresh(VNI, MAC_A, VTEP_1));
        fdb.learn(VNI, MAC_B, VTEP_2); // moved after the owner read where it was
        assertFalse(fdb.refresh(VNI, MAC_B, VTEP_1), "a move made meanwhile stands");
        assertSame(VTEP_2, fdb.lookup(VNI, MAC_B));
        assertFalse(fdb.refresh(VNI, Fixtures.mac(7), VTEP_1), "never adds");
        assertFalse(fdb.refresh(VNI + 1, MAC_A, VTEP_1), "another VNI");
        assertFalse(fdb.refresh(VNI, Fixtures.mac(9), VTEP_1), "a static entry has no age");
        assertNull(fdb.lookup(VNI, Fixtures.mac(7)));
        assertEquals(List.of("moved 5001 02:00:00:00:00:0b dst 192.0.2.1 -> dst 192.0.2.2"), events.drain());
        assertEquals(1, sweepAfter(Duration.ofSeconds(100)), "300 s: the MAC never refreshed");
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(2, sweepAfter(Duration.ofSeconds(200)), "500 s: 300 s after the refresh and the move");
        assertThrows(NullPointerException.class, () -> fdb.refresh(VNI, MAC_A, null));
    }

    @Test
    void anEntrySeenContinuouslyBetweenSweepsNeverAges() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        for (int second = 0; second < 1000; second++) {
            assertEquals(LearnResult.REFRESHED, fdb.learn(VNI, MAC_A, VTEP_1));
            assertEquals(0, sweepAfter(Duration.ofSeconds(1)), "second " + second);
        }
        assertEquals(Duration.ofSeconds(1), fdb.entries().get(0).age(), "age lags by at most one sweep interval");
    }

    @Test
    void refreshesAreJudgedByTheClockOfTheLastSweepOrChange() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(200));
        fdb.learn(VNI, MAC_A, VTEP_1); // no sweep since: the table's clock still says 0 s, nothing is due
        clock.advance(Duration.ofSeconds(100));
        assertEquals(1, fdb.expire(), "without sweeps the table cannot see time pass on the fast path");
        fdb.learn(VNI, MAC_B, VTEP_2);
        clock.advance(Duration.ofSeconds(200));
        fdb.learn(VNI, Fixtures.mac(77), VTEP_2); // a change reads the ticker and moves the clock too
        fdb.learn(VNI, MAC_B, VTEP_2);
        clock.advance(Duration.ofSeconds(150));
        assertEquals(0, fdb.expire(), "MAC_B, learned 350 s ago, was refreshed 150 s ago");
        assertSame(VTEP_2, fdb.lookup(VNI, MAC_B));
    }

    @Test
    void listingShowsTheAgeSinceLastSeen() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofMillis(12_345));
        assertEquals(Duration.ofMillis(12_345), fdb.entries().get(0).age());
    }

    @Test
    void tableWideAgeingIsSetByTheBuilder() {
        final ForwardingTable quick = ForwardingTable.builder()
                .ticker(clock)
                .ageing(Duration.ofSeconds(10))
                .build();
        quick.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(10));
        assertEquals(1, quick.expire());
    }

    @Test
    void ageingCanBeSetPerVni() {
        fdb.ageing(VNI, Duration.ofSeconds(30));
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI + 1, MAC_A, VTEP_1);
        assertEquals(Duration.ofSeconds(30), fdb.ageing(VNI));
        assertEquals(Duration.ofSeconds(300), fdb.ageing(VNI + 1));
        clock.advance(Duration.ofSeconds(31));
        assertEquals(1, fdb.expire());
        assertNull(fdb.lookup(VNI, MAC_A));
        assertSame(VTEP_1, fdb.lookup(VNI + 1, MAC_A));
    }

    @Test
    void perVniAgeingAppliesToEntriesAlreadyLearned() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(60));
        fdb.ageing(VNI, Duration.ofSeconds(30));
        assertEquals(1, fdb.expire());
    }

    @Test
    void staticEntriesNeverAge() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofDays(3));
        assertEquals(0, fdb.expire());
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
    }

    @Test
    void anOverdueEntryStillForwardsUntilTheNextSweep() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(400));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        fdb.expire();
        assertNull(fdb.lookup(VNI, MAC_A));
    }

    @Test
    void anAgedMacIsLearnedAfreshNextTime() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(301));
        fdb.expire();
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, VTEP_2));
        assertEquals(2, fdb.counters().learned());
    }

    @Test
    void ageingOutsideOneMillisecondToTenDaysIsRejected() {
        final IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ForwardingTable.builder().ageing(Duration.ZERO));
        assertEquals("ageing: PT0S (expected: PT0.001S .. PT240H)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fdb.ageing(VNI, Duration.ofDays(11)));
        assertThrows(IllegalArgumentException.class, () -> fdb.ageing(1 << 24, Duration.ofSeconds(1)));
    }

    @Test
    void manySweepsOverAChurningTableKeepLiveEntriesAndDropOldOnes() {
        for (int round = 0; round < 20; round++) {
            for (int i = 1; i <= 500; i++) {
                fdb.learn(VNI, Fixtures.mac(round * 1000L + i), VTEP_1);
            }
            clock.advance(Duration.ofSeconds(100));
            fdb.expire();
            // Rounds are 100 s apart: only this round (100 s old) and the previous one (200 s) survive.
            assertEquals(round == 0 ? 500 : 1000, fdb.size(), "round " + round);
        }
        for (int i = 1; i <= 500; i++) {
            assertSame(VTEP_1, fdb.lookup(VNI, Fixtures.mac(19_000L + i)));
            assertSame(VTEP_1, fdb.lookup(VNI, Fixtures.mac(18_000L + i)));
            assertNull(fdb.lookup(VNI, Fixtures.mac(17_000L + i)));
        }
    }
}
