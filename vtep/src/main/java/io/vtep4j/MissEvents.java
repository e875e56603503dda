package io.vtep4j;

/**
 * Tells the {@link VtepListener} about unicast frames from local ports whose destination MAC is not in the forwarding
 * table (the l2miss Linux's vxlan driver sends over netlink), so that a control plane can resolve the MAC; at most
 * the configured rate per segment, a token bucket with a burst of one second's worth
 * ({@link Vtep.Builder#missEvents}). The frame itself is flooded as before. Thread-safe; allocates nothing.
 */
final class MissEvents {

    private MissEvents() {}

    /** A token bucket for one segment, or null when miss events are off. */
    static FloodLimiter limiter(VtepConfig config) {
        int rate = config.neighbors().missEvents;
        return rate == 0 ? null : new FloodLimiter(rate, rate, config.ticker().getAsLong());
    }

    /** Reports that {@code port} sent a frame to the unknown {@code mac}, if the segment's bucket has a token. */
    static void report(VtepConfig config, SegmentImpl seg, LocalPortImpl port, long mac) {
        FloodLimiter limiter = seg.missLimiter;
        if (limiter == null || !limiter.tryAcquire(config.ticker().getAsLong())) {
            return;
        }
        try {
            config.listener().unknownDestination(seg.vni, mac, port);
        } catch (Throwable ignored) {
            // a listener must not break the data path
        }
    }
}
