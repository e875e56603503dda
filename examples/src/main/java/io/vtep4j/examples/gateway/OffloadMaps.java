package io.vtep4j.examples.gateway;

import io.vtep4j.internal.xdp.DecapOffload;
import io.vtep4j.internal.xdp.EncapOffload;
import io.vtep4j.internal.xdp.OffloadSources;
import java.net.InetAddress;

/**
 * The kernel-side programs' maps as one {@link OffloadSources.Target}: a MAC at a remote VTEP is a source the
 * decapsulating program takes packets from and a destination the encapsulating one sends to; a MAC on the trunk is
 * a source of the encapsulating program only. Either program may be absent.
 */
final class OffloadMaps implements OffloadSources.Target {
    private final DecapOffload decap;
    private final EncapOffload encap;

    /** {@code decap} and {@code encap}: the programs' owners, either null when that option is off. */
    OffloadMaps(DecapOffload decap, EncapOffload encap) {
        this.decap = decap;
        this.encap = encap;
    }

    @Override
    public void learned(int vni, long mac, InetAddress remote) {
        if (decap != null) {
            decap.learned(vni, mac, remote);
        }
        if (encap != null) {
            encap.learnedRemote(vni, mac, remote);
        }
    }

    @Override
    public void learnedLocal(int vni, long mac) {
        if (decap != null) {
            decap.forget(vni, mac);
        }
        if (encap != null) {
            encap.learnedLocal(vni, mac);
        }
    }

    @Override
    public void forget(int vni, long mac) {
        if (decap != null) {
            decap.forget(vni, mac);
        }
        if (encap != null) {
            encap.forget(vni, mac);
        }
    }

    @Override
    public void clear() {
        if (decap != null) {
            decap.clear();
        }
        if (encap != null) {
            encap.clear();
        }
    }

    @Override
    public boolean seen(int vni, long mac) {
        return (decap != null && decap.seen(vni, mac)) || (encap != null && encap.seen(vni, mac));
    }
}
