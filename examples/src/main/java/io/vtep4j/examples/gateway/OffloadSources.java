package io.vtep4j.examples.gateway;

import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps the kernel-side programs' MACs in step with the forwarding table: a MAC learned at, or moved to, a remote
 * VTEP, or on the trunk, is handed on with where it is; once it ages, is evicted or frozen as a duplicate, it is
 * forgotten and its frames go to the engine again. Events before a target is set are dropped (the gateway sets it
 * before any segment exists). Thread-safe: the target is set once, then read.
 *
 * <p>A MAC whose frames only the programs see is refreshed in the table every so often from the programs' marks
 * (the gateway's refresh task). Between two refreshes the table may age a MAC that has just become active again;
 * when the programs marked it since the last refresh, it is learned again where it was instead of forgotten, so an
 * active MAC never leaves the kernel's path (nor, forward, becomes a flood) for want of a refresh.
 */
final class OffloadSources implements FdbListener {

    /** Where the MACs go: the programs' maps. */
    interface Target {
        /** {@code mac} is at remote VTEP {@code remote}. */
        void learned(int vni, long mac, InetAddress remote);

        /** {@code mac} is on the trunk. */
        void learnedLocal(int vni, long mac);

        /** The table no longer has {@code mac}. */
        void forget(int vni, long mac);

        /** Whether a program has forwarded frames from {@code mac} since the table last refreshed it. */
        default boolean seen(int vni, long mac) {
            return false;
        }
    }

    private volatile Target target;
    private volatile ForwardingTable table;
    private final LongAdder kept = new LongAdder();

    /** Where the MACs go; {@code table} (null: none) is where a MAC aged while active is learned again. */
    void target(Target target, ForwardingTable table) {
        this.table = table;
        this.target = target;
    }

    /** MACs the table aged while the programs were forwarding their frames, learned again. */
    long kept() {
        return kept.sum();
    }

    @Override
    public void learned(int vni, long mac, Location location) {
        at(vni, mac, location);
    }

    @Override
    public void moved(int vni, long mac, Location from, Location to) {
        at(vni, mac, to);
    }

    @Override
    public void aged(int vni, long mac, Location location) {
        Target t = target;
        ForwardingTable tbl = table;
        if (t != null && tbl != null && t.seen(vni, mac)) {
            // the table's lock is released before its listeners run: learning here is allowed
            if (tbl.lookup(vni, mac) == null) {
                tbl.learn(vni, mac, location);
            }
            if (tbl.lookup(vni, mac) != null) {
                kept.increment(); // its learned event has put it back; a newer location's event wins as usual
                return;
            }
        }
        forget(vni, mac);
    }

    @Override
    public void evicted(int vni, long mac, Location location) {
        forget(vni, mac);
    }

    @Override
    public void duplicate(int vni, long mac, Location location) {
        forget(vni, mac);
    }

    private void at(int vni, long mac, Location location) {
        Target t = target;
        if (t != null) {
            if (location.isRemote()) {
                t.learned(vni, mac, location.address());
            } else {
                t.learnedLocal(vni, mac);
            }
        }
    }

    private void forget(int vni, long mac) {
        Target t = target;
        if (t != null) {
            t.forget(vni, mac);
        }
    }
}
