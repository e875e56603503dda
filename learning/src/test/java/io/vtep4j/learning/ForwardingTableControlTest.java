package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.MAC_B;
import static io.vtep4j.learning.Fixtures.PORT_1;
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

/** Control-plane entries (EVPN): remote, never aged, kept from the underlay, taken over by a local port. */
class ForwardingTableControlTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb = ForwardingTable.builder()
            .ticker(clock)
            .ageing(Duration.ofSeconds(10))
            .listener(events)
            .build();

    @Test
    void aControlEntryIsNeverAgedByTheDataPlane() {
        fdb.addControl(VNI, MAC_A, VTEP_1);
        clock.advance(Duration.ofHours(1));
        assertEquals(0, fdb.expire());
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(FdbEntry.Type.CONTROL, fdb.entries().get(0).type());
    }

    @Test
    void learningFromTheUnderlayDoesNotOverrideIt() {
        fdb.addControl(VNI, MAC_A, VTEP_1);
        assertEquals(List.of("installed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1), events.drain());
        assertEquals(LearnResult.STATIC, fdb.learn(VNI, MAC_A, VTEP_2));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(List.of(), events.drain());
    }

    @Test
    void theMacShowingUpOnALocalPortMovesItThereAsALearnedEntry() {
        fdb.addControl(VNI, MAC_A, VTEP_1);
        events.drain();
        assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, PORT_1));
        assertEquals(PORT_1, fdb.lookup(VNI, MAC_A));
        assertEquals(FdbEntry.Type.LEARNED, fdb.entries().get(0).type());
        assertEquals(1, events.drain().size(), "one move reported");
        clock.advance(Duration.ofSeconds(11));
        assertEquals(1, fdb.expire(), "from now on it ages like any learned entry");
    }

    @Test
    void flushesOfLearnedEntriesKeepItRemoveTakesIt() {
        fdb.addControl(VNI, MAC_A, VTEP_1);
        assertEquals(0, fdb.flushVni(VNI));
        assertEquals(0, fdb.flushLocation(VTEP_1));
        assertFalse(fdb.unfreeze(VNI, MAC_A));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertTrue(fdb.remove(VNI, MAC_A));
        assertNull(fdb.lookup(VNI, MAC_A));
    }

    @Test
    void aLearnedEntryTheOwnerReplacesOrRemovesIsReportedAsRemoved() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, PORT_1);
        events.drain();
        fdb.addControl(VNI, MAC_A, VTEP_2); // EVPN places it elsewhere: whoever followed the learned entry must drop it
        fdb.addStatic(VNI, MAC_B, VTEP_2);
        assertEquals(
                List.of(
                        "removed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1,
                        "installed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_2,
                        "removed " + VNI + " " + MacAddress.toString(MAC_B) + " " + PORT_1,
                        "installed " + VNI + " " + MacAddress.toString(MAC_B) + " " + VTEP_2),
                events.drain());
        fdb.addControl(VNI, MAC_A, VTEP_1);
        assertEquals(
                List.of("installed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1),
                events.drain(),
                "a control-plane entry replaced: installed at its new place");
        assertTrue(fdb.remove(VNI, MAC_A));
        assertEquals(
                List.of("removed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1),
                events.drain(),
                "a control-plane entry removed");
        fdb.learn(VNI, MAC_A, VTEP_1);
        events.drain();
        assertTrue(fdb.remove(VNI, MAC_A));
        assertEquals(List.of("removed " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1), events.drain());
        assertFalse(fdb.remove(VNI, MAC_A));
        assertEquals(List.of(), events.drain());
    }

    @Test
    void anEntryEvictedToMakeRoomForAControlEntryIsReported() {
        ForwardingTable small = ForwardingTable.builder()
                .ticker(clock)
                .maxEntries(1)
                .evictFromBusiestLocation(true)
                .listener(events)
                .build();
        small.learn(VNI, MAC_A, VTEP_1);
        events.drain();
        small.addControl(VNI, MAC_B, VTEP_2);
        assertEquals(
                List.of(
                        "evicted " + VNI + " " + MacAddress.toString(MAC_A) + " " + VTEP_1,
                        "installed " + VNI + " " + MacAddress.toString(MAC_B) + " " + VTEP_2),
                events.drain());
        assertSame(VTEP_2, small.lookup(VNI, MAC_B));
    }

    @Test
    void aControlEntryAtALocalPortIsRefusedWithTheRule() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> fdb.addControl(VNI, MAC_A, PORT_1));
        assertTrue(e.getMessage().contains("expected: a remote VTEP"), e.getMessage());
    }
}
