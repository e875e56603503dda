package io.vtep4j.evpn;

import io.vtep4j.Vtep;
import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborEntry;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * BGP to ARP/ND suppression: the IP of each remote type-2 route with MAC and IP, whose MAC is installed from BGP at
 * that route's VTEP, becomes a control-plane binding in the segment's neighbour table (RFC 7432 §10, RFC 9161), so
 * that a local host's ARP request or neighbour solicitation for it can be answered here. The binding goes when no
 * such route names it any more (withdrawn, or the MAC moved to another VTEP or to a local port).
 *
 * <p>When two MACs claim one address, the latest claim holds the binding and an older one takes over if the latest
 * goes. Local wins: a binding snooped from a local port whose MAC still sits on a local port is never replaced; the
 * refusal is counted, as is a binding the full neighbour table refuses. Bounded by the routes the agent holds ({@link EvpnAgent.Builder#maxRemoteRoutes}): one claim per route with an address. Not
 * thread-safe: the agent's thread owns it.
 */
final class HostBindings {

    /** An address in a segment. */
    private record Host(int vni, InetAddress ip) {}

    private final Vtep vtep;
    /** Per address, the MACs whose installed routes claim it, oldest claim first; the last one is bound. */
    private final Map<Host, List<Long>> claims = new HashMap<>();
    /** Per installed MAC, the addresses it claims. */
    private final Map<MacKey, Set<InetAddress>> byMac = new HashMap<>();

    private long refused;

    HostBindings(Vtep vtep) {
        this.vtep = vtep;
    }

    /**
     * Brings {@code k}'s bindings in line with its routes: {@code at} is the VTEP the MAC is installed at (null: not
     * installed from BGP), and only the addresses of routes from that VTEP count.
     */
    void apply(MacKey k, Collection<EvpnRoute.MacIp> routes, InetAddress at) {
        Set<InetAddress> want = new HashSet<>();
        if (at != null) {
            for (EvpnRoute.MacIp r : routes) {
                if (r.ip() != null && at.equals(r.nextHop())) {
                    want.add(r.ip());
                }
            }
        }
        Set<InetAddress> have = byMac.getOrDefault(k, Set.of());
        if (want.equals(have)) {
            return;
        }
        for (InetAddress ip : have) {
            if (!want.contains(ip)) {
                unclaim(new Host(k.vni(), ip), k.mac());
            }
        }
        for (InetAddress ip : want) {
            if (!have.contains(ip)) {
                claim(new Host(k.vni(), ip), k.mac());
            }
        }
        if (want.isEmpty()) {
            byMac.remove(k);
        } else {
            byMac.put(k, want);
        }
    }

    /** Removes every binding this class put into the neighbour table (the grace period ended, or the agent stopped). */
    void flushAll() {
        for (Map.Entry<Host, List<Long>> e : claims.entrySet()) {
            List<Long> macs = e.getValue();
            unbind(e.getKey(), macs.get(macs.size() - 1));
        }
        claims.clear();
        byMac.clear();
    }

    /** Addresses bound from BGP. */
    int size() {
        return claims.size();
    }

    /** Bindings refused: local wins, or the neighbour table was full. */
    long refused() {
        return refused;
    }

    private void claim(Host h, long mac) {
        List<Long> macs = claims.computeIfAbsent(h, x -> new ArrayList<>(1));
        macs.remove(Long.valueOf(mac));
        macs.add(mac);
        bind(h, mac);
    }

    private void unclaim(Host h, long mac) {
        List<Long> macs = claims.get(h);
        if (macs == null) {
            return;
        }
        boolean wasBound = macs.get(macs.size() - 1) == mac;
        macs.remove(Long.valueOf(mac));
        if (wasBound) {
            unbind(h, mac);
        }
        if (macs.isEmpty()) {
            claims.remove(h);
        } else if (wasBound) {
            bind(h, macs.get(macs.size() - 1)); // an older claim takes over
        }
    }

    private void bind(Host h, long mac) {
        NeighborEntry now = vtep.neighborTable().get(h.vni(), h.ip());
        if (now != null && now.mac() == mac && now.origin() == NeighborEntry.Origin.CONTROL) {
            return;
        }
        if (now != null && now.origin() == NeighborEntry.Origin.LOCAL && now.mac() != mac) {
            Location owner = vtep.forwardingTable().lookup(h.vni(), now.mac());
            if (owner != null && !owner.isRemote()) {
                refused++; // local wins: a host on our port holds this address
                return;
            }
        }
        try {
            if (!vtep.segment(h.vni()).addNeighbor(h.ip(), mac)) {
                refused++; // the table or the segment's share is full
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            refused++; // a group MAC in a peer's route, or the segment closed
        }
    }

    /** Removes the binding of {@code h} if it is still the control-plane binding to {@code mac} we made. */
    private void unbind(Host h, long mac) {
        NeighborEntry now = vtep.neighborTable().get(h.vni(), h.ip());
        if (now != null && now.mac() == mac && now.origin() == NeighborEntry.Origin.CONTROL) {
            vtep.neighborTable().remove(h.vni(), h.ip());
        }
    }
}
