package io.vtep4j.examples.gateway;

import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.Location;
import java.net.InetAddress;

/**
 * Keeps the kernel-side decapsulation's learned sources in step with the forwarding table: a MAC learned at, or
 * moved to, a remote VTEP may be decapsulated in the kernel when its packets come from there; once it moves to the
 * trunk, ages, is evicted or frozen as a duplicate, its packets go to the engine again. Events before a target is
 * set are dropped (the gateway sets it before any segment exists). Thread-safe: the target is set once, then read.
 */
final class OffloadSources implements FdbListener {

    /** Where the sources go: the program's map. */
    interface Target {
        void learned(int vni, long mac, InetAddress remote);

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
                t.forget(vni, mac);
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
