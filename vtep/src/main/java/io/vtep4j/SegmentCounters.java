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
    /** Bytes of the frames counted in framesFromPorts. */
    final LongAdder bytesFromPorts = new LongAdder();
    /** Bytes of the tunnel packets counted in packetsToUnderlay: tunnel header and inner frame. */
    final LongAdder bytesToUnderlay = new LongAdder();
    /** Bytes of the tunnel packets counted in packetsFromUnderlay: tunnel header and inner frame. */
    final LongAdder bytesFromUnderlay = new LongAdder();
    /** Bytes of the frames counted in framesToPorts. */
    final LongAdder bytesToPorts = new LongAdder();

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
