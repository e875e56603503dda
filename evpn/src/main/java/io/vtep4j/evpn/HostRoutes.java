package io.vtep4j.evpn;

import io.vtep4j.Vtep;
import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborEntry;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Local host addresses to BGP: for each IP to MAC binding that ARP/ND suppression snooped from a local port (on a
 * segment that suppresses ARP/ND now), a type-2 route with the MAC and the IP (RFC 7432 §7.2, §10), next to the
 * MAC-only route of that MAC and with its sequence number (RFC 7432 §7.7), as FRR advertises its hosts. Such a route stands while its MAC is advertised and
 * sits on a local port and the binding holds; it is withdrawn when the binding ages out with its MAC or changes MAC,
 * or when the MAC moves away, yields to a remote route or is frozen as a duplicate. At most one route per binding of
 * the VTEP's neighbour table, which is bounded. Not thread-safe: the agent's thread owns it.
 */
final class HostRoutes {

    private final Vtep vtep;
    private final InetAddress self;
    private final Advertiser.Bgp bgp;
    /** Per advertised MAC: the addresses we advertise with it, each with the sequence number sent. */
    private final Map<MacKey, Map<InetAddress, Long>> advertised = new HashMap<>();

    private int size;

    HostRoutes(Vtep vtep, InetAddress self, Advertiser.Bgp bgp) {
        this.vtep = vtep;
        this.self = self;
        this.bgp = bgp;
    }

    /**
     * Brings the host routes of {@code origin}'s segment in line with its bindings: {@code sequence} gives the
     * sequence number a MAC is advertised with, or -1 when it is not advertised (then neither are its addresses).
     */
    void scan(Advertiser.Origin origin, ToLongFunction<MacKey> sequence) {
        int vni = origin.vni();
        Map<MacKey, Map<InetAddress, Long>> want = new HashMap<>();
        // Only a suppressing segment snoops bindings; skipping the others spares a walk of the whole table per scan.
        boolean snoops = vtep.neighborTable().size() > 0 && vtep.segment(vni).suppressesNeighbors();
        for (NeighborEntry e : snoops ? vtep.neighborTable().entries(vni) : List.<NeighborEntry>of()) {
            if (e.origin() != NeighborEntry.Origin.LOCAL) {
                continue; // snooped from the underlay or put there by a control plane: another VTEP's host
            }
            Location at = vtep.forwardingTable().lookup(vni, e.mac());
            MacKey k = new MacKey(vni, e.mac());
            long seq = at == null || at.isRemote() ? -1 : sequence.applyAsLong(k);
            if (seq >= 0) {
                want.computeIfAbsent(k, x -> new HashMap<>(2)).put(e.address(), seq);
            }
        }
        for (Iterator<Map.Entry<MacKey, Map<InetAddress, Long>>> it =
                        advertised.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<MacKey, Map<InetAddress, Long>> e = it.next();
            if (e.getKey().vni() != vni) {
                continue;
            }
            Map<InetAddress, Long> keep = want.getOrDefault(e.getKey(), Map.of());
            for (Iterator<Map.Entry<InetAddress, Long>> ips =
                            e.getValue().entrySet().iterator();
                    ips.hasNext(); ) {
                Map.Entry<InetAddress, Long> ip = ips.next();
                if (!keep.containsKey(ip.getKey())) {
                    ips.remove();
                    size--;
                    bgp.delete(path(origin, e.getKey().mac(), ip.getKey(), ip.getValue(), true));
                }
            }
            if (e.getValue().isEmpty()) {
                it.remove();
            }
        }
        for (Map.Entry<MacKey, Map<InetAddress, Long>> e : want.entrySet()) {
            for (Map.Entry<InetAddress, Long> ip : e.getValue().entrySet()) {
                put(origin, e.getKey(), ip.getKey(), ip.getValue());
            }
        }
    }

    /** {@code k} is advertised again with {@code sequence} (local wins): its addresses follow with the same number. */
    void follow(Advertiser.Origin origin, MacKey k, long sequence) {
        Map<InetAddress, Long> ips = advertised.get(k);
        if (ips != null) {
            for (InetAddress ip : Map.copyOf(ips).keySet()) {
                put(origin, k, ip, sequence);
            }
        }
    }

    /** {@code k} is no longer advertised (a remote route won it, or it is frozen): withdraw its addresses. */
    void withdraw(Advertiser.Origin origin, MacKey k) {
        Map<InetAddress, Long> ips = advertised.remove(k);
        if (ips != null) {
            size -= ips.size();
            ips.forEach((ip, seq) -> bgp.delete(path(origin, k.mac(), ip, seq, true)));
        }
    }

    /** Every host route we want advertised, by destination key. */
    void wanted(Map<Integer, Advertiser.Origin> origins, Map<String, Path> out) {
        for (Map.Entry<MacKey, Map<InetAddress, Long>> e : advertised.entrySet()) {
            Advertiser.Origin o = origins.get(e.getKey().vni());
            for (Map.Entry<InetAddress, Long> ip : e.getValue().entrySet()) {
                Path p = path(o, e.getKey().mac(), ip.getKey(), ip.getValue(), false);
                out.put(RouteCodec.decode(p).key(), p);
            }
        }
    }

    /** Withdraws every host route (a clean stop). */
    void withdrawAll(Map<Integer, Advertiser.Origin> origins) {
        for (MacKey k : Map.copyOf(advertised).keySet()) {
            withdraw(origins.get(k.vni()), k);
        }
    }

    /** Host routes advertised. */
    int size() {
        return size;
    }

    private void put(Advertiser.Origin origin, MacKey k, InetAddress ip, long seq) {
        Map<InetAddress, Long> ips = advertised.computeIfAbsent(k, x -> new HashMap<>(2));
        Long was = ips.put(ip, seq);
        if (was == null) {
            size++;
        }
        if (was == null || was != seq) {
            bgp.add(path(origin, k.mac(), ip, seq, false)); // the same destination: a new sequence replaces the old
        }
    }

    private Path path(Advertiser.Origin o, long mac, InetAddress ip, long seq, boolean withdraw) {
        return RouteCodec.macIp(o.vni(), o.rd(), o.target(), self, mac, ip, seq, withdraw);
    }
}
