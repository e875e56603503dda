package io.vtep4j;

import io.vtep4j.encap.Encapsulation;
import java.util.concurrent.atomic.LongAdder;

/**
 * One underlay's traffic counters (see {@link EncapsulationStats}); contention-free increments from any thread, no
 * allocation.
 */
final class EncapsulationCounters {
    final Counters drops = new Counters();
    final LongAdder packetsToUnderlay = new LongAdder();
    final LongAdder bytesToUnderlay = new LongAdder();
    final LongAdder packetsFromUnderlay = new LongAdder();
    final LongAdder bytesFromUnderlay = new LongAdder();
    /** Frames that arrived over another encapsulation and left over this one. */
    final LongAdder framesCrossedIn = new LongAdder();

    void sent(int bytes) {
        packetsToUnderlay.increment();
        bytesToUnderlay.add(bytes);
    }

    void received(int bytes) {
        packetsFromUnderlay.increment();
        bytesFromUnderlay.add(bytes);
    }

    EncapsulationStats snapshot(Encapsulation encapsulation) {
        return new EncapsulationStats(
                encapsulation,
                packetsToUnderlay.sum(),
                bytesToUnderlay.sum(),
                packetsFromUnderlay.sum(),
                bytesFromUnderlay.sum(),
                framesCrossedIn.sum(),
                drops.snapshot());
    }
}
