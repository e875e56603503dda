package io.vtep4j.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/**
 * Random sequences of learn / move / static / remove / flush / unfreeze / expire with clock jumps, against
 * {@link FdbModel}. Small limits, a short hold and a short move window so that every rule fires: entry limits,
 * refresh steps, ageing, local wins and duplicate freezing (at a remote and at a local port).
 *
 * <p>After each operation the table's entries (type, location and age), size and counters must equal the model's.
 */
class ForwardingTableModelTest {

    private static final int[] VNIS = {5001, 5002};
    private static final long[] MACS = {
        Fixtures.mac(1), Fixtures.mac(2), Fixtures.mac(3), Fixtures.mac(4), Fixtures.mac(5), 0L, 0x0100_5e00_0001L
    };
    private static final Location[] LOCATIONS = {
        Fixtures.VTEP_1, Fixtures.VTEP_2, Fixtures.VTEP_3, Fixtures.PORT_1, Fixtures.PORT_2
    };
    private static final int[] JUMPS_MS = {1, 100, 400, 999, 1_000, 2_000, 5_000, 10_000, 30_000};
    private static final int AGEING_MS = 30_000;
    private static final int MAX_ENTRIES = 5;
    private static final int MAX_PER_VNI = 3;
    private static final int MOVES = 3;
    private static final int WINDOW_MS = 10_000;
    private static final int HOLD_MS = 2_000;

    enum Kind {
        LEARN,
        STATIC,
        REMOVE,
        UNFREEZE,
        FLUSH_VNI,
        FLUSH_LOCATION,
        CLEAR_VNI,
        TICK,
        EXPIRE
    }

    record Op(Kind kind, int vni, long mac, Location where, int jump) {
        @Override
        public String toString() {
            return kind + "(" + vni + ", " + MacAddress.toString(mac) + ", " + where + ", +" + jump + "ms)";
        }
    }

    @Provide
    Arbitrary<Op> op() {
        final Arbitrary<Kind> kinds = Arbitraries.frequency(
                Tuple.of(12, Kind.LEARN),
                Tuple.of(2, Kind.STATIC),
                Tuple.of(2, Kind.REMOVE),
                Tuple.of(1, Kind.UNFREEZE),
                Tuple.of(1, Kind.FLUSH_VNI),
                Tuple.of(1, Kind.FLUSH_LOCATION),
                Tuple.of(1, Kind.CLEAR_VNI),
                Tuple.of(6, Kind.TICK),
                Tuple.of(2, Kind.EXPIRE));
        return Combinators.combine(
                        kinds,
                        Arbitraries.of(VNIS[0], VNIS[1]),
                        Arbitraries.integers().between(0, MACS.length - 1),
                        Arbitraries.of(LOCATIONS),
                        Arbitraries.integers().between(0, JUMPS_MS.length - 1))
                .as((k, vni, m, where, j) -> new Op(k, vni, MACS[m], where, JUMPS_MS[j]));
    }

    @Property(tries = 400, shrinking = ShrinkingMode.BOUNDED)
    void theTableBehavesLikeTheModel(@ForAll @Size(max = 80) List<@From("op") Op> ops) {
        final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
        final ForwardingTable fdb = ForwardingTable.builder()
                .ticker(clock)
                .ageing(Duration.ofMillis(AGEING_MS))
                .maxEntries(MAX_ENTRIES)
                .maxEntriesPerVni(MAX_PER_VNI)
                .moveDetection(MOVES, Duration.ofMillis(WINDOW_MS))
                .localHold(Duration.ofMillis(HOLD_MS))
                .build();
        final FdbModel model = new FdbModel(AGEING_MS, MAX_ENTRIES, MAX_PER_VNI, MOVES, WINDOW_MS, HOLD_MS);
        int step = 0;
        for (Op op : ops) {
            final String at = "step " + step++ + ": " + op;
            apply(fdb, model, clock, op, at);
            assertEquals(model.entries(), fdb.entries(), at);
            assertEquals(model.entries().size(), fdb.size(), at);
            final FdbCounters c = fdb.counters();
            assertEquals(model.counter("learned"), c.learned(), at + " learned");
            assertEquals(model.counter("moved"), c.moved(), at + " moved");
            assertEquals(model.counter("aged"), c.aged(), at + " aged");
            assertEquals(model.counter("duplicates"), c.duplicates(), at + " duplicates");
            assertEquals(model.counter("frozenHits"), c.frozenHits(), at + " frozenHits");
            assertEquals(model.counter("refusedFull"), c.refusedFull(), at + " refusedFull");
            assertEquals(model.counter("refusedLocal"), c.refusedLocal(), at + " refusedLocal");
            assertEquals(model.counter("refusedGroup"), c.refusedGroup(), at + " refusedGroup");
            assertEquals(model.counter("refusedZero"), c.refusedZero(), at + " refusedZero");
            assertEquals(model.counter("flushed"), c.flushed(), at + " flushed");
            for (FdbEntry e : model.entries()) {
                assertEquals(e.location(), fdb.lookup(e.vni(), e.mac()), at + " lookup");
            }
        }
    }

    private static void apply(ForwardingTable fdb, FdbModel model, Fixtures.FakeTicker clock, Op op, String at) {
        final boolean unicast = op.mac() != 0 && !MacAddress.isGroup(op.mac());
        switch (op.kind()) {
            case LEARN ->
                assertEquals(
                        model.learn(op.vni(), op.mac(), op.where()), fdb.learn(op.vni(), op.mac(), op.where()), at);
            case STATIC -> {
                if (!unicast) {
                    assertThrows(
                            IllegalArgumentException.class, () -> fdb.addStatic(op.vni(), op.mac(), op.where()), at);
                } else if (model.addStatic(op.vni(), op.mac(), op.where())) {
                    fdb.addStatic(op.vni(), op.mac(), op.where());
                } else {
                    assertThrows(IllegalStateException.class, () -> fdb.addStatic(op.vni(), op.mac(), op.where()), at);
                }
            }
            case REMOVE -> assertEquals(model.remove(op.vni(), op.mac()), fdb.remove(op.vni(), op.mac()), at);
            case UNFREEZE -> assertEquals(model.unfreeze(op.vni(), op.mac()), fdb.unfreeze(op.vni(), op.mac()), at);
            case FLUSH_VNI -> assertEquals(model.flush(op.vni(), null, false), fdb.flushVni(op.vni()), at);
            case FLUSH_LOCATION -> assertEquals(model.flush(-1, op.where(), false), fdb.flushLocation(op.where()), at);
            case CLEAR_VNI -> assertEquals(model.flush(op.vni(), null, true), fdb.clearVni(op.vni()), at);
            case TICK -> {
                clock.advance(Duration.ofMillis(op.jump()));
                model.now += op.jump();
            }
            case EXPIRE -> assertEquals(model.expire(), fdb.expire(), at);
        }
    }

    @Property(tries = 1)
    void theModelItselfSeesEveryRule() {
        // A fixed run through the rules the random runs rely on, so a model that silently lost one fails here.
        final FdbModel m = new FdbModel(AGEING_MS, MAX_ENTRIES, MAX_PER_VNI, MOVES, WINDOW_MS, HOLD_MS);
        assertEquals(LearnResult.LEARNED, m.learn(5001, Fixtures.mac(1), Fixtures.PORT_1));
        assertEquals(LearnResult.REFUSED_LOCAL, m.learn(5001, Fixtures.mac(1), Fixtures.VTEP_1));
        m.now += HOLD_MS;
        assertEquals(LearnResult.MOVED, m.learn(5001, Fixtures.mac(1), Fixtures.VTEP_1));
        assertEquals(LearnResult.MOVED, m.learn(5001, Fixtures.mac(1), Fixtures.VTEP_2));
        assertEquals(LearnResult.FROZEN, m.learn(5001, Fixtures.mac(1), Fixtures.VTEP_1));
        assertEquals(Fixtures.PORT_1, m.entries().get(0).location(), "frozen at the port: local wins");
        assertTrue(m.unfreeze(5001, Fixtures.mac(1)));
        assertFalse(m.unfreeze(5001, Fixtures.mac(1)));
        m.now += AGEING_MS;
        assertEquals(1, m.expire());
    }
}
