package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.MAC_B;
import static io.vtep4j.learning.Fixtures.PORT_1;
import static io.vtep4j.learning.Fixtures.PORT_2;
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

class ForwardingTableOperationsTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb =
            ForwardingTable.builder().ticker(clock).listener(events).build();

    @Test
    void flushByVniRemovesLearnedEntriesOfThatVniOnly() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, PORT_1);
        fdb.addStatic(VNI, Fixtures.mac(9), VTEP_2);
        fdb.learn(VNI + 1, MAC_A, VTEP_1);
        assertEquals(2, fdb.flushVni(VNI));
        assertNull(fdb.lookup(VNI, MAC_A));
        assertNull(fdb.lookup(VNI, MAC_B));
        assertSame(VTEP_2, fdb.lookup(VNI, Fixtures.mac(9)), "static entries survive a flush");
        assertSame(VTEP_1, fdb.lookup(VNI + 1, MAC_A));
        assertEquals(2, fdb.size());
        assertEquals(2, fdb.counters().flushed());
    }

    @Test
    void clearingAVniRemovesStaticEntriesToo() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, VTEP_1);
        assertEquals(2, fdb.clearVni(VNI));
        assertEquals(0, fdb.size());
    }

    /** Minus one is no VNI: it must not reach the flush that means "every VNI" inside the table. */
    @Test
    void aVniOutOfRangeIsRefusedNotTakenAsEveryVni() {
        fdb.addStatic(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI + 1, MAC_B, VTEP_1);
        for (int vni : new int[] {-1, 1 << 24}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fdb.clearVni(vni));
            assertEquals("vni: " + vni + " (expected: 0..16777215)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> fdb.flushVni(vni));
            assertThrows(IllegalArgumentException.class, () -> fdb.size(vni));
        }
        assertEquals(2, fdb.size(), "nothing removed");
    }

    @Test
    void flushByRemoteVtepRemovesItsEntriesInEveryVni() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI + 1, MAC_B, VTEP_1);
        fdb.learn(VNI, MAC_B, VTEP_2);
        assertEquals(2, fdb.flushLocation(Fixtures.remote("192.0.2.1")));
        assertNull(fdb.lookup(VNI, MAC_A));
        assertNull(fdb.lookup(VNI + 1, MAC_B));
        assertSame(VTEP_2, fdb.lookup(VNI, MAC_B));
    }

    @Test
    void flushByLocalPortRemovesOnlyThatPortsEntries() {
        fdb.learn(VNI, MAC_A, PORT_1);
        fdb.learn(VNI, MAC_B, PORT_2);
        assertEquals(1, fdb.flushLocation(PORT_1));
        assertNull(fdb.lookup(VNI, MAC_A));
        assertSame(PORT_2, fdb.lookup(VNI, MAC_B));
        assertEquals(0, fdb.flushLocation(PORT_1), "nothing left there");
        assertEquals(0, fdb.flushLocation(Fixtures.remote("198.51.100.1")), "a location never seen");
    }

    /** One event per bulk removal that removed something, so that a listener mirroring the table can read it again. */
    @Test
    void eachFlushThatRemovesEntriesIsReportedOnceNotPerEntry() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, PORT_1);
        fdb.learn(VNI + 1, MAC_A, VTEP_1);
        fdb.addStatic(VNI + 2, MAC_A, VTEP_2);
        events.drain();
        assertEquals(2, fdb.flushLocation(VTEP_1));
        assertEquals(1, fdb.flushVni(VNI));
        assertEquals(0, fdb.flushVni(VNI), "nothing left: not reported");
        assertEquals(0, fdb.flushVni(VNI + 2), "static entries stay in a flush");
        assertEquals(1, fdb.clearVni(VNI + 2));
        assertEquals(
                List.of("flushed -1 " + VTEP_1, "flushed " + VNI + " null", "flushed " + (VNI + 2) + " null"),
                events.drain());
        assertEquals(0, fdb.counters().listenerErrors());
    }

    @Test
    void aListenerThatThrowsOnAFlushIsCountedAndTheFlushStands() {
        ForwardingTable table = ForwardingTable.builder()
                .ticker(clock)
                .listener(new FdbListener() {
                    @Override
                    public void flushed(int vni, Location where) {
                        throw new IllegalStateException("listener bug");
                    }
                })
                .build();
        table.learn(VNI, MAC_A, VTEP_1);
        assertEquals(1, table.flushVni(VNI));
        assertNull(table.lookup(VNI, MAC_A));
        assertEquals(1, table.counters().listenerErrors());
    }

    @Test
    void aFlushedLocationCanBeLearnedAgain() {
        fdb.learn(VNI, MAC_A, PORT_1);
        fdb.flushLocation(PORT_1);
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, PORT_1));
        assertSame(PORT_1, fdb.lookup(VNI, MAC_A));
    }

    @Test
    void removeReportsWhetherThereWasAnEntry() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertTrue(fdb.remove(VNI, MAC_A));
        assertFalse(fdb.remove(VNI, MAC_A));
        assertFalse(fdb.remove(VNI + 7, MAC_A));
        assertEquals(0, fdb.size());
    }

    @Test
    void listingGivesVniMacTypeLocationAndAgeSorted() {
        fdb.learn(VNI + 1, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_B, PORT_1);
        fdb.addStatic(VNI, MAC_A, VTEP_2);
        clock.advance(Duration.ofMillis(1500));
        final List<FdbEntry> all = fdb.entries();
        assertEquals(
                List.of(
                        new FdbEntry(VNI, MAC_A, FdbEntry.Type.STATIC, VTEP_2, Duration.ZERO),
                        new FdbEntry(VNI, MAC_B, FdbEntry.Type.LEARNED, PORT_1, Duration.ofMillis(1500)),
                        new FdbEntry(VNI + 1, MAC_A, FdbEntry.Type.LEARNED, VTEP_1, Duration.ofMillis(1500))),
                all);
        assertEquals(2, fdb.entries(VNI).size());
        assertEquals(List.of(), fdb.entries(42));
    }

    @Test
    void formatterPrintsABridgeFdbShowStyleTable() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        fdb.addStatic(VNI, MAC_B, PORT_1);
        clock.advance(Duration.ofMillis(2_250));
        final String[] lines = fdb.show().split("\n");
        assertEquals(3, lines.length);
        assertEquals("VNI       MAC               TYPE     LOCATION                         AGE", lines[0]);
        assertEquals("5001      02:00:00:00:00:0a learned  dst 192.0.2.1                    2.250s", lines[1]);
        assertEquals("5001      02:00:00:00:00:0b static   port 1 vm1                       0.000s", lines[2]);
        assertEquals(
                "vni 5001 02:00:00:00:00:0a learned dst 192.0.2.1 age 2.250s",
                fdb.entries().get(0).toString());
    }

    @Test
    void countersAreAnImmutableSnapshot() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        final FdbCounters before = fdb.counters();
        fdb.learn(VNI, MAC_B, VTEP_1);
        fdb.learn(VNI, 0L, VTEP_1);
        assertEquals(1, before.learned());
        assertEquals(1, before.entries());
        assertEquals(0, before.refusedZero());
        final FdbCounters after = fdb.counters();
        assertEquals(2, after.learned());
        assertEquals(2, after.entries());
        assertEquals(1, after.refusedZero());
        assertTrue(after.toString().contains("learned=2"), after.toString());
    }

    @Test
    void aThrowingListenerIsCountedAndNeverBreaksLearning() {
        final ForwardingTable noisy = ForwardingTable.builder()
                .ticker(clock)
                .listener(new FdbListener() {
                    @Override
                    public void learned(int vni, long mac, Location location) {
                        throw new IllegalStateException("boom");
                    }
                })
                .build();
        assertEquals(LearnResult.LEARNED, noisy.learn(VNI, MAC_A, VTEP_1));
        assertSame(VTEP_1, noisy.lookup(VNI, MAC_A));
        assertEquals(1, noisy.counters().listenerErrors());
    }

    @Test
    void theListenerMayCallBackIntoTheTable() {
        final ForwardingTable[] self = new ForwardingTable[1];
        self[0] = ForwardingTable.builder()
                .ticker(clock)
                .listener(new FdbListener() {
                    @Override
                    public void learned(int vni, long mac, Location location) {
                        self[0].addStatic(vni + 1, mac, location);
                    }
                })
                .build();
        self[0].learn(VNI, MAC_A, VTEP_1);
        assertSame(VTEP_1, self[0].lookup(VNI + 1, MAC_A));
        assertEquals(0, self[0].counters().listenerErrors());
    }

    @Test
    void manyDistinctLocationsComeAndGoWithoutRunningOutOfIndices() {
        // Each round uses fresh ports; flushing them must recycle their location indices.
        for (int round = 0; round < 5; round++) {
            for (int p = 0; p < 10_000; p++) {
                final Location port = Location.localPort(round * 10_000 + p, "p");
                assertEquals(LearnResult.LEARNED, fdb.learn(VNI, Fixtures.mac(p + 1), port), "round " + round);
            }
            assertEquals(10_000, fdb.flushVni(VNI));
        }
    }
}
