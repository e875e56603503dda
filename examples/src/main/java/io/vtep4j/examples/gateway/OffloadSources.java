package io.vtep4j.examples.gateway;

import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.Location;
import java.net.InetAddress;

/**
 * Keeps the kernel-side programs' MACs in step with the forwarding table: a MAC learned at, or moved to, a remote
 * VTEP, or on the trunk, is handed on with where it is; once it ages, is evicted or frozen as a duplicate, it is
 * forgotten and its frames go to the engine again. Events before a target is set are dropped (the gateway sets it
 * before any segment exists). Thread-safe: the target is set once, then read.
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
    }

    private volatile Target target;

    void target(Target target) {
        this.target = target;
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
