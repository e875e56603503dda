package io.vtep4j;

import java.util.concurrent.atomic.LongAdder;

/** One segment's traffic counters beside its drops; contention-free increments from any thread, no allocation. */
final class SegmentCounters {
    final Counters drops = new Counters();
    final LongAdder framesFromPorts = new LongAdder();
    final LongAdder packetsToUnderlay = new LongAdder();
    final LongAdder floods = new LongAdder();
    final LongAdder packetsFromUnderlay = new LongAdder();
    final LongAdder framesToPorts = new LongAdder();

    VtepStats.SegmentStats snapshot(int vni) {
        return new VtepStats.SegmentStats(
                vni,
                framesFromPorts.sum(),
                packetsToUnderlay.sum(),
                floods.sum(),
                packetsFromUnderlay.sum(),
                framesToPorts.sum(),
                drops.snapshot());
    }
}
