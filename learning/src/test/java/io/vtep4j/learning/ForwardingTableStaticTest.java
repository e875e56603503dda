package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ForwardingTableStaticTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb =
            ForwardingTable.builder().ticker(clock).listener(events).build();

    /** The owner's location check runs before a static or control entry is added; what it refuses is not added. */
    @Test
    void theOwnersLocationCheckRefusesBeforeAnythingIsAdded() {
        ForwardingTable checked = ForwardingTable.builder()
                .locationCheck(where -> {
                    if (where.equals(VTEP_2)) {
                        throw new IllegalArgumentException("where: " + where + " (expected: not VTEP 2)");
                    }
                })
                .build();
        checked.addStatic(VNI, MAC_A, VTEP_1);
        assertThrows(IllegalArgumentException.class, () -> checked.addStatic(VNI, MAC_A, VTEP_2));
        assertThrows(IllegalArgumentException.class, () -> checked.addControl(VNI, MAC_A, VTEP_2));
        assertSame(VTEP_1, checked.lookup(VNI, MAC_A), "the refused entries replaced nothing");
        assertEquals(1, checked.size());
    }

    @Test
    void learningNeverOverwritesAStaticEntry() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        assertEquals(
                List.of("installed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1),
                events.drain(),
                "the owner's entry is reported as installed");
        assertEquals(LearnResult.STATIC, fdb.learn(VNI, MAC_A, VTEP_2));
        assertEquals(LearnResult.STATIC, fdb.learn(VNI, MAC_A, VTEP_1));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(0, fdb.counters().moved());
        assertEquals(List.of(), events.drain(), "static entries raise no learning events");
        assertTrue(fdb.remove(VNI, MAC_A));
        assertEquals(List.of("removed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1), events.drain());
    }

    @Test
    void addingStaticOverALearnedEntryReplacesIt() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.addStatic(VNI, MAC_A, VTEP_2);
        assertSame(VTEP_2, fdb.lookup(VNI, MAC_A));
        assertEquals(FdbEntry.Type.STATIC, fdb.entries().get(0).type());
        assertEquals(1, fdb.size());
    }

    @Test
    void aStaticEntryCanBeReplacedByAnotherStaticOne() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        fdb.addStatic(VNI, MAC_A, VTEP_2);
        assertSame(VTEP_2, fdb.lookup(VNI, MAC_A));
    }

    @Test
    void aRemovedStaticEntryCanBeLearned() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        assertTrue(fdb.remove(VNI, MAC_A));
        assertNull(fdb.lookup(VNI, MAC_A));
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, VTEP_2));
    }

    @Test
    void staticEntriesSurviveAgeingForever() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofDays(9));
        assertEquals(0, fdb.expire());
        assertEquals(Duration.ZERO, fdb.entries().get(0).age(), "static entries show no age, like 'permanent'");
    }

    @Test
    void staticGroupOrZeroMacsAreRejectedNamingTheValue() {
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> fdb.addStatic(VNI, MacAddress.BROADCAST, VTEP_1));
        assertTrue(e.getMessage().startsWith("mac: ff:ff:ff:ff:ff:ff (expected: a unicast"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fdb.addStatic(VNI, 0L, VTEP_1));
        assertThrows(IllegalArgumentException.class, () -> fdb.addStatic(1 << 24, MAC_A, VTEP_1));
    }

    @Test
    void addingStaticToAFullTableFailsAtOnce() {
        final ForwardingTable small =
                ForwardingTable.builder().ticker(clock).maxEntries(1).build();
        small.addStatic(VNI, MAC_A, VTEP_1);
        final IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> small.addStatic(VNI, Fixtures.MAC_B, VTEP_1));
        assertTrue(e.getMessage().startsWith("fdb full"), e.getMessage());
    }
}
