package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.MAC_B;
import static io.vtep4j.learning.Fixtures.PORT_1;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingTableLearningTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb =
            ForwardingTable.builder().ticker(clock).listener(events).build();

    @Test
    void unknownMacLooksUpAsNull() {
        assertNull(fdb.lookup(VNI, MAC_A));
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertNull(fdb.lookup(VNI, MAC_B));
        assertNull(fdb.lookup(VNI + 1, MAC_A), "the same MAC in another VNI is another entry");
    }

    @Test
    void learnsSourceMacAtItsLocationAndReportsIt() {
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, VTEP_1));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(1, fdb.size());
        assertEquals(1, fdb.size(VNI));
        assertEquals(1, fdb.counters().learned());
        assertEquals(List.of("learned 5001 02:00:00:00:00:0a dst 192.0.2.1"), events.drain());
    }

    @Test
    void keysAreVniAndMacTogether() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI + 1, MAC_A, VTEP_2);
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertSame(VTEP_2, fdb.lookup(VNI + 1, MAC_A));
        assertEquals(2, fdb.size());
    }

    @Test
    void relearningAtTheSameLocationIsARefreshWithoutEvent() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        events.drain();
        assertEquals(LearnResult.REFRESHED, fdb.learn(VNI, MAC_A, VTEP_1));
        assertEquals(
                LearnResult.REFRESHED,
                fdb.learn(VNI, MAC_A, Fixtures.remote("192.0.2.1")),
                "an equal location, not only the same instance, is the same place");
        assertEquals(List.of(), events.drain());
        assertEquals(1, fdb.counters().learned());
    }

    @Test
    void learnsLocalPortsAndRemotesSideBySide() {
        fdb.learn(VNI, MAC_A, PORT_1);
        fdb.learn(VNI, MAC_B, VTEP_1);
        assertSame(PORT_1, fdb.lookup(VNI, MAC_A));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_B));
    }

    @Test
    void refusesGroupSourceMacsAndCountsEach() {
        assertEquals(LearnResult.REFUSED_GROUP, fdb.learn(VNI, MacAddress.parse("01:00:5e:00:00:01"), VTEP_1));
        assertEquals(LearnResult.REFUSED_GROUP, fdb.learn(VNI, MacAddress.BROADCAST, VTEP_1));
        assertEquals(LearnResult.REFUSED_GROUP, fdb.learn(VNI, MacAddress.parse("33:33:00:00:00:01"), VTEP_1));
        assertEquals(3, fdb.counters().refusedGroup());
        assertEquals(0, fdb.size());
        assertNull(fdb.lookup(VNI, MacAddress.BROADCAST));
    }

    @Test
    void refusesTheAllZeroMacAndCountsIt() {
        assertEquals(LearnResult.REFUSED_ZERO, fdb.learn(VNI, 0L, VTEP_1));
        assertEquals(LearnResult.REFUSED_ZERO, fdb.learn(VNI, 0L, VTEP_1));
        assertEquals(2, fdb.counters().refusedZero());
        assertEquals(0, fdb.size());
        assertNull(fdb.lookup(VNI, 0L));
    }

    @Test
    void learningRejectsAVniOutsideTwentyFourBits() {
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> fdb.learn(1 << 24, MAC_A, VTEP_1));
        assertEquals("vni: 16777216 (expected: 0..16777215)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fdb.learn(-1, MAC_A, VTEP_1));
    }

    @Test
    void learningRejectsAMacWiderThan48Bits() {
        assertThrows(IllegalArgumentException.class, () -> fdb.learn(VNI, 1L << 48, VTEP_1));
    }

    @Test
    void lookupOfAnOutOfRangeMacIsAMissNotAnError() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertNull(fdb.lookup(VNI, MAC_A | 1L << 50));
        assertNull(fdb.lookup(-7, MAC_A));
    }

    @Test
    void learningRejectsANullLocation() {
        assertThrows(NullPointerException.class, () -> fdb.learn(VNI, MAC_A, null));
    }

    @Test
    void growsWellPastItsInitialCapacityKeepingEveryEntry() {
        for (int i = 1; i <= 10_000; i++) {
            assertEquals(LearnResult.LEARNED, fdb.learn(VNI, Fixtures.mac(i), i % 2 == 0 ? VTEP_1 : VTEP_2));
        }
        assertEquals(10_000, fdb.size());
        for (int i = 1; i <= 10_000; i++) {
            assertSame(i % 2 == 0 ? VTEP_1 : VTEP_2, fdb.lookup(VNI, Fixtures.mac(i)), "mac " + i);
        }
    }
}
