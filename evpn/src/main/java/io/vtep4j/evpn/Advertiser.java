package io.vtep4j.evpn;

import com.google.protobuf.Any;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.learning.FdbEntry;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Local to BGP: a type-3 route per EVPN segment and a type-2 route per MAC on a local port, withdrawn when the MAC
 * ages, moves away or its port detaches; plus a type-2 route with MAC and IP per address bound to such a MAC
 * ({@link HostRoutes}). The desired set is kept even while GoBGP is unreachable and sent again in
 * full on every (re)connection. Not thread-safe: the agent's thread owns it.
 */
final class Advertiser {

    /** Where paths go; the agent drops them while disconnected (they are re-sent on reconnection). */
    interface Bgp {
        void add(Path path);

        void delete(Path path);
    }

    /** The largest MAC mobility sequence number: the community's field is 32 bits (RFC 7432 §7.7). */
    static final long MAX_SEQUENCE = 0xFFFF_FFFFL;

    /** How one segment is advertised. */
    record Origin(int vni, Any rd, RouteTarget target) {}

    private final Vtep vtep;
    private final InetAddress self;
    private final Map<Integer, Origin> origins;
    private final Bgp bgp;
    private final MacMobility mobility;
    /** MAC to the sequence number we advertise it with (RFC 7432 §7.7). */
    private final Map<MacKey, Long> advertised = new HashMap<>();
    /** The same MACs with the addresses ARP/ND suppression bound to them. */
    private final HostRoutes hosts;

    Advertiser(Vtep vtep, InetAddress self, Map<Integer, Origin> origins, Bgp bgp, MacMobility mobility) {
        this.vtep = vtep;
        this.self = self;
        this.origins = Map.copyOf(origins);
        this.bgp = bgp;
        this.mobility = mobility;
        this.hosts = new HostRoutes(vtep, self, bgp);
    }

    /**
     * Compares {@code vni}'s local MACs in the forwarding table with what we advertise: advertises the new ones
     * (with a sequence number above any remote route's for the MAC: it moved here, RFC 7432 §7.7), withdraws the gone
     * ones and adds those to {@code touched}, so that a remote route for them can take over. A MAC frozen as a
     * duplicate is not advertised; a move here that makes one a duplicate freezes it (RFC 7432 §15.1).
     */
    void scan(int vni, RemoteRib rib, RemoteRib.Touched touched) {
        Origin origin = origins.get(vni);
        if (origin == null) {
            return;
        }
        List<FdbEntry> entries = vtep.forwardingTable().entries(vni);
        Map<Long, Location> local = new HashMap<>();
        for (FdbEntry e : entries) {
            if (!e.location().isRemote()) {
                local.put(e.mac(), e.location());
            }
        }
        for (Map.Entry<Long, Location> e : local.entrySet()) {
            found(new MacKey(vni, e.getKey()), e.getValue(), rib, touched);
        }
        for (Iterator<Map.Entry<MacKey, Long>> it = advertised.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<MacKey, Long> e = it.next();
            MacKey k = e.getKey();
            if (k.vni() == vni && !local.containsKey(k.mac())) {
                it.remove();
                gone(origin, k, e.getValue(), touched);
            }
        }
        hosts.scan(origin, this::sequence);
    }

    /**
     * {@link #scan} for only {@code macs} of {@code vni} (those the forwarding table's listener reported): each is
     * looked up on its own, so a burst of learns costs per MAC learned, not per MAC in the segment.
     */
    void scanMacs(int vni, Collection<Long> macs, RemoteRib rib, RemoteRib.Touched touched) {
        Origin origin = origins.get(vni);
        if (origin == null) {
            return;
        }
        for (long mac : macs) {
            MacKey k = new MacKey(vni, mac);
            Location at = vtep.forwardingTable().lookup(vni, mac);
            if (at != null && !at.isRemote()) {
                found(k, at, rib, touched);
            } else {
                Long seq = advertised.remove(k);
                if (seq != null) {
                    gone(origin, k, seq, touched);
                }
            }
        }
        hosts.scan(origin, this::sequence);
    }

    /** {@code k} is local {@code at}: advertised unless it already is or is frozen. */
    private void found(MacKey k, Location at, RemoteRib rib, RemoteRib.Touched touched) {
        if (advertised.containsKey(k) || mobility.isFrozen(k)) {
            return;
        }
        long remote = rib.highestSequence(k); // -1 when no remote route names it
        if (remote >= 0 && mobility.moved(k, at)) {
            return; // it moved here once too often: frozen at the port, not advertised
        }
        advertise(k, remote + 1);
        if (remote >= 0) {
            touched.macs.add(k); // it moved here: what was installed for it from BGP is checked again
        }
    }

    /** {@code k}, advertised with {@code seq}, is no longer local (already removed from {@link #advertised}). */
    private void gone(Origin origin, MacKey k, long seq, RemoteRib.Touched touched) {
        bgp.delete(macIp(origin, k.mac(), seq, true));
        touched.macs.add(k);
    }

    /**
     * Advertises {@code k} (again) with {@code sequence}: a new local MAC, or local wins over a remote claim
     * (RFC 7432 §7.7: the sequence number must exceed the other's). Sequence numbers stop at 2^32 - 1.
     */
    void advertise(MacKey k, long sequence) {
        long seq = Math.min(sequence, MAX_SEQUENCE);
        advertised.put(k, seq);
        bgp.add(macIp(origins.get(k.vni()), k.mac(), seq, false));
        hosts.follow(origins.get(k.vni()), k, seq);
    }

    /** The sequence number we advertise {@code k} with, or -1 if we do not advertise it. */
    long sequence(MacKey k) {
        Long seq = advertised.get(k);
        return seq == null ? -1 : seq;
    }

    /** A remote route won {@code k} (RFC 7432 §7.7), or {@code k} is frozen as a duplicate: withdraw ours. */
    void yield(MacKey k) {
        Long seq = advertised.remove(k);
        Origin origin = origins.get(k.vni());
        if (seq != null && origin != null) {
            bgp.delete(macIp(origin, k.mac(), seq, true));
            hosts.withdraw(origin, k);
        }
    }

    /** Sends every route we want advertised (after a (re)connection: GoBGP may have restarted empty). */
    void advertiseAll() {
        wanted().values().forEach(bgp::add);
    }

    /**
     * Sends the routes we want advertised whose destination {@code present} lacks (a snapshot of GoBGP's table no
     * longer holds them, e.g. after a failed send); returns how many.
     */
    int advertiseMissing(Set<String> present) {
        int sent = 0;
        for (Map.Entry<String, Path> e : wanted().entrySet()) {
            if (!present.contains(e.getKey())) {
                bgp.add(e.getValue());
                sent++;
            }
        }
        return sent;
    }

    /** Every route we want advertised, by destination key: type 3 per segment, type 2 per MAC, per MAC and IP. */
    private Map<String, Path> wanted() {
        Map<String, Path> out = new java.util.LinkedHashMap<>();
        for (Origin o : origins.values()) {
            Path p = imet(o, false);
            out.put(RouteCodec.decode(p).key(), p);
        }
        for (Map.Entry<MacKey, Long> e : advertised.entrySet()) {
            Path p = macIp(origins.get(e.getKey().vni()), e.getKey().mac(), e.getValue(), false);
            out.put(RouteCodec.decode(p).key(), p);
        }
        hosts.wanted(origins, out);
        return out;
    }

    /** Withdraws everything (a clean stop). */
    void withdrawAll() {
        hosts.withdrawAll(origins);
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
        return wanted().keySet();
    }

    /** The VNIs we advertise. */
    Set<Integer> segments() {
        return origins.keySet();
    }

    /** Routes we advertise. */
    int size() {
        return origins.size() + advertised.size() + hosts.size();
    }

    private Path imet(Origin o, boolean withdraw) {
        return RouteCodec.imet(o.vni(), o.rd(), o.target(), self, withdraw);
    }

    private Path macIp(Origin o, long mac, long seq, boolean withdraw) {
        return RouteCodec.macIp(o.vni(), o.rd(), o.target(), self, mac, seq, withdraw);
    }
}
