package io.vtep4j.evpn;

import com.google.protobuf.Any;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.learning.FdbEntry;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Local to BGP: a type-3 route per EVPN segment and a type-2 route per MAC on a local port, withdrawn when the MAC
 * ages, moves away or its port detaches. The desired set is kept even while GoBGP is unreachable and sent again in
 * full on every (re)connection. Not thread-safe: the agent's thread owns it.
 */
final class Advertiser {

    /** Where paths go; the agent drops them while disconnected (they are re-sent on reconnection). */
    interface Bgp {
        void add(Path path);

        void delete(Path path);
    }

    /** How one segment is advertised. */
    record Origin(int vni, Any rd, RouteTarget target) {}

    private final Vtep vtep;
    private final InetAddress self;
    private final Map<Integer, Origin> origins;
    private final Bgp bgp;
    /** MAC to the sequence number we advertise it with (RFC 7432 §7.7). */
    private final Map<MacKey, Long> advertised = new HashMap<>();

    Advertiser(Vtep vtep, InetAddress self, Map<Integer, Origin> origins, Bgp bgp) {
        this.vtep = vtep;
        this.self = self;
        this.origins = Map.copyOf(origins);
        this.bgp = bgp;
    }

    /**
     * Compares {@code vni}'s local MACs in the forwarding table with what we advertise: advertises the new ones
     * (with a sequence number above any remote route's for the MAC: it moved here), withdraws the gone ones and
     * adds those to {@code touched}, so that a remote route for them can take over.
     */
    void scan(int vni, RemoteRib rib, RemoteRib.Touched touched) {
        Origin origin = origins.get(vni);
        if (origin == null) {
            return;
        }
        List<FdbEntry> entries = vtep.forwardingTable().entries(vni);
        Set<Long> local = new HashSet<>();
        for (FdbEntry e : entries) {
            if (!e.location().isRemote()) {
                local.add(e.mac());
            }
        }
        for (long mac : local) {
            MacKey k = new MacKey(vni, mac);
            if (!advertised.containsKey(k)) {
                long seq = rib.highestSequence(k) + 1; // -1 + 1 = 0 when no remote route names it
                advertised.put(k, seq);
                bgp.add(macIp(origin, mac, seq, false));
            }
        }
        for (Iterator<Map.Entry<MacKey, Long>> it = advertised.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<MacKey, Long> e = it.next();
            MacKey k = e.getKey();
            if (k.vni() == vni && !local.contains(k.mac())) {
                it.remove();
                bgp.delete(macIp(origin, k.mac(), e.getValue(), true));
                touched.macs.add(k);
            }
        }
    }

    /** The sequence number we advertise {@code k} with, or -1 if we do not advertise it. */
    long sequence(MacKey k) {
        Long seq = advertised.get(k);
        return seq == null ? -1 : seq;
    }

    /** A remote route won {@code k} (RFC 7432 §7.7): withdraw ours. */
    void yield(MacKey k) {
        Long seq = advertised.remove(k);
        Origin origin = origins.get(k.vni());
        if (seq != null && origin != null) {
            bgp.delete(macIp(origin, k.mac(), seq, true));
        }
    }

    /** Sends every route we want advertised (after a (re)connection: GoBGP may have restarted empty). */
    void advertiseAll() {
        for (Origin o : origins.values()) {
            bgp.add(imet(o, false));
        }
        for (Map.Entry<MacKey, Long> e : advertised.entrySet()) {
            Origin o = origins.get(e.getKey().vni());
            bgp.add(macIp(o, e.getKey().mac(), e.getValue(), false));
        }
    }

    /** Withdraws everything (a clean stop). */
    void withdrawAll() {
        for (Map.Entry<MacKey, Long> e : advertised.entrySet()) {
            Origin o = origins.get(e.getKey().vni());
            bgp.delete(macIp(o, e.getKey().mac(), e.getValue(), true));
        }
        advertised.clear();
        for (Origin o : origins.values()) {
            bgp.delete(imet(o, true));
        }
    }

    /** The destination keys of every route we want advertised (to find stale ones of ours in GoBGP's table). */
    Set<String> keys() {
        Set<String> keys = new HashSet<>();
        for (Origin o : origins.values()) {
            keys.add(RouteCodec.decode(imet(o, false)).key());
        }
        for (Map.Entry<MacKey, Long> e : advertised.entrySet()) {
            Origin o = origins.get(e.getKey().vni());
            keys.add(RouteCodec.decode(macIp(o, e.getKey().mac(), e.getValue(), false))
                    .key());
        }
        return keys;
    }

    /** The VNIs we advertise. */
    Set<Integer> segments() {
        return origins.keySet();
    }

    /** Routes we advertise. */
    int size() {
        return origins.size() + advertised.size();
    }

    private Path imet(Origin o, boolean withdraw) {
        return RouteCodec.imet(o.vni(), o.rd(), o.target(), self, withdraw);
    }

    private Path macIp(Origin o, long mac, long seq, boolean withdraw) {
        return RouteCodec.macIp(o.vni(), o.rd(), o.target(), self, mac, seq, withdraw);
    }
}
