package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.PORT_1;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** A batch answers exactly what one lookup after the other would, whatever mix of VNIs, hits and misses it holds. */
class LookupBatchTest {

    private final ForwardingTable fdb = ForwardingTable.builder().build();

    @Test
    void aBatchAnswersLikeSingleLookupsAcrossVnisHitsMissesAndInvalidMacs() {
        Location[] where = {VTEP_1, VTEP_2, PORT_1};
        Random random = new Random(3);
        for (int i = 0; i < 5000; i++) {
            fdb.learn(VNI + i % 3, Fixtures.mac(i), where[i % 3]);
        }
        LookupBatch batch = new LookupBatch(64);
        for (int round = 0; round < 200; round++) {
            batch.clear();
            for (int i = 0; i < batch.capacity(); i++) {
                int pick = random.nextInt(8);
                long mac = pick == 0 ? 0 : pick == 1 ? 1L << 48 : Fixtures.mac(random.nextInt(10_000));
                batch.add(VNI + random.nextInt(4), mac); // VNI + 3 has no table at all
            }
            fdb.lookup(batch);
            for (int i = 0; i < batch.size(); i++) {
                assertSame(
                        fdb.lookup(batch.vnis[i], batch.macs[i]), batch.location(i), "round " + round + " lookup " + i);
            }
        }
        assertTrue(batch.size() == 64);
    }

    @Test
    void readAheadChangesNothingAndReadsTheSlotsOfStoredMacs() {
        assertEquals(0, fdb.readAhead(VNI, Fixtures.mac(1)), "a VNI without a table: nothing read");
        for (int i = 0; i < 1000; i++) {
            fdb.learn(VNI, Fixtures.mac(i), i % 2 == 0 ? VTEP_1 : PORT_1);
        }
        long[] hostile = {0, 1L << 48, -1L, Long.MIN_VALUE, 0xFFFF_FFFF_FFFFL, Fixtures.mac(5), Fixtures.mac(50_000)};
        for (long mac : hostile) {
            fdb.readAhead(VNI, mac);
            fdb.readAhead(-1, mac);
            fdb.readAhead(Integer.MAX_VALUE, mac);
        }
        assertEquals(1000, fdb.size(VNI));
        for (int i = 0; i < 1000; i++) {
            assertSame(i % 2 == 0 ? VTEP_1 : PORT_1, fdb.lookup(VNI, Fixtures.mac(i)), "entry " + i + " unchanged");
        }
        // A stored MAC's home slot holds a key (its own, or one that took the slot first): the MAC's top bytes, 0x02,
        // keep the folded value from being zero whatever the slot's last-seen time.
        for (int i = 0; i < 1000; i++) {
            assertNotEquals(0, fdb.readAhead(VNI, Fixtures.mac(i)), "stored MAC " + i + " read");
        }
    }

    @Test
    void clearEmptiesTheBatchAndAnswersDoNotLeakIntoTheNextOne() {
        fdb.learn(VNI, Fixtures.mac(1), VTEP_1);
        LookupBatch batch = new LookupBatch(2);
        batch.add(VNI, Fixtures.mac(1));
        fdb.lookup(batch);
        assertSame(VTEP_1, batch.location(0));
        batch.clear();
        assertEquals(0, batch.size());
        assertEquals(0, batch.add(VNI, Fixtures.mac(2)));
        assertNull(batch.location(0), "before the lookup, nothing");
        fdb.lookup(batch);
        assertNull(batch.location(0));
    }

    @Test
    void misuseFailsAtOnceNamingTheValue() {
        assertEquals(
                "capacity: 0 (expected: 1..1024)",
                assertThrows(IllegalArgumentException.class, () -> new LookupBatch(0))
                        .getMessage());
        LookupBatch one = new LookupBatch(1);
        one.add(VNI, Fixtures.mac(1));
        assertThrows(IllegalStateException.class, () -> one.add(VNI, Fixtures.mac(2)));
        assertThrows(IndexOutOfBoundsException.class, () -> one.location(1));
    }
}
