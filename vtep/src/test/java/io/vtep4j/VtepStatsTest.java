package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Snapshots are values: they subtract, add up and compare by their counters. */
class VtepStatsTest {

    static VtepStats.SegmentStats segment(int vni, long base, Map<DropReason, Long> drops) {
        return new VtepStats.SegmentStats(vni, base, base + 1, base + 2, base + 3, base + 4, drops);
    }

    @Test
    void minusSubtractsEveryCounterRoundsUpToZeroAndKeepsTheLaterMacCount() {
        VtepStats earlier = new VtepStats(
                Map.of(DropReason.UNKNOWN_VNI, 5L, DropReason.MTU_EXCEEDED, 2L),
                Map.of(1, segment(1, 10, Map.of(DropReason.MTU_EXCEEDED, 2L)), 3, segment(3, 50, Map.of())),
                7);
        VtepStats later = new VtepStats(
                Map.of(DropReason.UNKNOWN_VNI, 8L, DropReason.MTU_EXCEEDED, 2L),
                Map.of(1, segment(1, 15, Map.of(DropReason.MTU_EXCEEDED, 3L)), 3, segment(3, 40, Map.of())),
                4);

        VtepStats delta = later.minus(earlier);

        assertEquals(Map.of(DropReason.UNKNOWN_VNI, 3L), delta.drops(), "reasons that did not move are absent");
        assertEquals(
                new VtepStats.SegmentStats(1, 5, 5, 5, 5, 5, Map.of(DropReason.MTU_EXCEEDED, 1L)), delta.segment(1));
        assertEquals(
                new VtepStats.SegmentStats(3, 0, 0, 0, 0, 0, Map.of()),
                delta.segment(3),
                "a segment that restarted from zero: rounded up to zero, never negative");
        assertEquals(4, delta.macs(), "a level, not a counter");
        assertEquals(later.segments().keySet(), delta.segments().keySet());
    }

    @Test
    void plusAddsEveryCounterTheSegmentsOfBothAndBothTables() {
        VtepStats a = new VtepStats(Map.of(DropReason.UNKNOWN_VNI, 1L), Map.of(1, segment(1, 10, Map.of())), 3);
        VtepStats b = new VtepStats(
                Map.of(DropReason.UNKNOWN_VNI, 2L, DropReason.SEND_FAILED, 1L),
                Map.of(1, segment(1, 1, Map.of(DropReason.SEND_FAILED, 1L)), 2, segment(2, 0, Map.of())),
                4);

        VtepStats sum = a.plus(b);

        assertEquals(Map.of(DropReason.UNKNOWN_VNI, 3L, DropReason.SEND_FAILED, 1L), sum.drops());
        assertEquals(
                new VtepStats.SegmentStats(1, 11, 13, 15, 17, 19, Map.of(DropReason.SEND_FAILED, 1L)), sum.segment(1));
        assertEquals(segment(2, 0, Map.of()), sum.segment(2));
        assertEquals(7, sum.macs());
        assertEquals(a.segment(1), sum.minus(b).segment(1), "minus undoes plus");
    }

    @Test
    void equalSnapshotsAreEqualAndOneDifferentCounterIsNot() {
        VtepStats one = new VtepStats(Map.of(DropReason.UNKNOWN_VNI, 1L), Map.of(1, segment(1, 10, Map.of())), 3);
        VtepStats same = new VtepStats(
                Map.of(DropReason.UNKNOWN_VNI, 1L, DropReason.SEND_FAILED, 0L), Map.of(1, segment(1, 10, Map.of())), 3);
        assertEquals(one, same, "a zero count equals an absent one");
        assertEquals(one.hashCode(), same.hashCode());
        assertNotEquals(one, new VtepStats(Map.of(DropReason.UNKNOWN_VNI, 2L), one.segments(), 3));
        assertNotEquals(one, new VtepStats(one.drops(), Map.of(1, segment(1, 11, Map.of())), 3));
        assertNotEquals(one, new VtepStats(one.drops(), one.segments(), 4));
        assertNotEquals(segment(1, 10, Map.of()), segment(2, 10, Map.of()), "the VNI counts");
    }

    @Test
    void theDifferenceOfTwoLiveSnapshotsIsTheTrafficInBetween() {
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            LocalPort port = vtep.segment(9).floodTo("127.0.0.2").attach(ByteBuf::release);
            port.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:09:01")));
            VtepStats before = vtep.stats();
            for (int i = 0; i < 3; i++) {
                port.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:09:01")));
            }
            VtepStats.SegmentStats delta = vtep.stats().minus(before).segment(9);
            assertEquals(new VtepStats.SegmentStats(9, 3, 3, 3, 0, 0, Map.of()), delta);
            assertEquals(vtep.stats(), vtep.stats(), "nothing moved between two snapshots");
        }
    }
}
