package io.vtep4j.evpn;

import io.vtep4j.Vtep;
import io.vtep4j.evpn.internal.gobgp.Global;
import io.vtep4j.evpn.internal.gobgp.Path;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The agent's routing state once it knows its GoBGP daemon: what we advertise ({@link Advertiser}), what others
 * advertise ({@link RemoteRib}), what of that is in the VTEP ({@link Installer}), and how a snapshot or a stream
 * batch of GoBGP's table changes them. Not thread-safe: the agent's thread owns it.
 */
final class RouteSync {

    final RemoteRib rib;
    final MacMobility mobility;
    final Installer installer;
    final Advertiser advertiser;
    private final InetAddress self;
    private final Advertiser.Bgp bgp;
    /** Received paths that were malformed, of another route type, ours reflected, or imported by no segment. */
    long ignored;
    /** Routes of ours re-sent because a full snapshot lacked them. */
    long resent;

    private RouteSync(
            RemoteRib rib,
            MacMobility mobility,
            Installer installer,
            Advertiser advertiser,
            InetAddress self,
            Advertiser.Bgp bgp) {
        this.rib = rib;
        this.mobility = mobility;
        this.installer = installer;
        this.advertiser = advertiser;
        this.self = self;
        this.bgp = bgp;
    }

    /**
     * Sets up every segment of {@code config} on {@code vtep}: route targets (automatic ones under the configured AS,
     * else GoBGP's), RDs, and a first scan of the local MACs.
     */
    static RouteSync create(EvpnAgent.Builder config, Vtep vtep, InetAddress self, Global global, Advertiser.Bgp bgp) {
        long asn = config.asn > 0 ? config.asn : Integer.toUnsignedLong(global.getAsn());
        Map<RouteTarget, Integer> imports = new HashMap<>();
        Map<Integer, Advertiser.Origin> origins = new HashMap<>();
        Map<Integer, Integer> assigned = assignRds(config.vnis.keySet());
        // RFC 4364 §4.2: an RD's administrator is an IPv4 address; an IPv6 VTEP uses GoBGP's router id there.
        InetAddress rdAdmin = self.getAddress().length == 4 ? self : routerId(global);
        for (Map.Entry<Integer, RouteTarget> e : config.vnis.entrySet()) {
            int vni = e.getKey();
            RouteTarget rt = e.getValue() != null ? e.getValue() : RouteTarget.auto(asn, vni);
            imports.put(rt, vni);
            origins.put(vni, new Advertiser.Origin(vni, RouteCodec.rd(rdAdmin, assigned.get(vni)), rt));
            vtep.segment(vni); // the segment exists from now on, also before any route
        }
        RemoteRib rib = new RemoteRib(imports, config.maxRemoteRoutes);
        MacMobility mobility = new MacMobility(
                config.duplicateMoves, config.duplicateWindow, config.duplicateFreeze, config.ticker, config.listener);
        Installer installer = new Installer(vtep, self, mobility, config.localHold);
        Advertiser advertiser = new Advertiser(vtep, self, origins, bgp, mobility);
        for (int vni : origins.keySet()) {
            advertiser.scan(vni, rib, new RemoteRib.Touched());
        }
        return new RouteSync(rib, mobility, installer, advertiser, self, bgp);
    }

    private static InetAddress routerId(Global global) {
        try {
            InetAddress id = RouteCodec.address(global.getRouterId());
            if (id.getAddress().length == 4) {
                return id;
            }
        } catch (java.net.UnknownHostException e) {
            // fall through
        }
        throw new IllegalStateException("gobgpd router id: '" + global.getRouterId()
                + "' (expected: an IPv4 address, the RD administrator of an IPv6 VTEP)");
    }

    /**
     * RD type 1 {@code vtep:N}, unique per VTEP and VNI: N = the VNI when it fits 16 bits; a larger VNI takes the
     * first free number from its low 16 bits on (in VNI order, so the same configuration gives the same RDs).
     */
    static Map<Integer, Integer> assignRds(Set<Integer> vnis) {
        Map<Integer, Integer> out = new TreeMap<>();
        Set<Integer> used = new HashSet<>();
        for (int vni : new TreeSet<>(vnis)) {
            if (vni <= 0xFFFF) {
                out.put(vni, vni);
                used.add(vni);
            }
        }
        for (int vni : new TreeSet<>(vnis)) {
            if (vni > 0xFFFF) {
                int n = vni & 0xFFFF;
                while (used.contains(n)) {
                    n = (n + 1) & 0xFFFF;
                }
                out.put(vni, n);
                used.add(n);
            }
        }
        return out;
    }

    /**
     * Brings our state in line with a snapshot of GoBGP's EVPN table: takes the other speakers' best paths and
     * withdraws paths of ours we no longer want. A {@code full} re-sync also drops this connection's remote routes
     * the snapshot lacks and re-sends wanted routes of ours it lacks (a send that failed).
     */
    void reconcile(List<Path> snapshot, int gen, boolean full) {
        RemoteRib.Touched touched = new RemoteRib.Touched();
        Set<String> wanted = advertiser.keys();
        Set<String> ours = new HashSet<>();
        Set<String> theirs = new HashSet<>();
        List<Path> best = new ArrayList<>();
        for (Path p : snapshot) {
            if (isLocal(p)) {
                EvpnRoute r = RouteCodec.decode(p);
                if (r != null && !wanted.contains(r.key())) {
                    bgp.delete(p); // ours, but no longer wanted: withdrawn while we were away
                } else if (r != null) {
                    ours.add(r.key());
                }
            } else if (p.getBest()) {
                best.add(p);
            }
        }
        for (Path p : best) {
            EvpnRoute r = take(p, gen, touched);
            if (r != null) {
                theirs.add(r.key());
            }
        }
        if (full) {
            rib.retain(gen, theirs, touched);
            resent += advertiser.advertiseMissing(ours);
        }
        installer.apply(touched, rib, advertiser);
    }

    /** One batch of the watch stream: other speakers' changes are taken, ours coming back are skipped. */
    void apply(List<Path> paths, int gen) {
        RemoteRib.Touched touched = new RemoteRib.Touched();
        for (Path p : paths) {
            if (!isLocal(p)) {
                take(p, gen, touched);
            }
        }
        installer.apply(touched, rib, advertiser);
    }

    /**
     * One path of another speaker: add or withdraw its destination; ours coming back is ignored. Returns the route
     * when it is held now, else null.
     */
    private EvpnRoute take(Path p, int gen, RemoteRib.Touched touched) {
        EvpnRoute r = RouteCodec.decode(p);
        if (r == null) {
            ignored++;
            return null;
        }
        if (p.getIsWithdraw()) {
            rib.remove(r.key(), touched);
        } else if (self.equals(r.nextHop())) {
            ignored++; // a route with our own address: ours reflected back, or a misconfigured twin
        } else {
            switch (rib.put(r, gen, touched)) {
                case HELD -> {
                    return r;
                }
                case IGNORED -> ignored++;
                case REFUSED -> {} // counted by the rib: the table is full
            }
        }
        return null;
    }

    /** GoBGP reports a path it originated itself (from AddPath) without a neighbour address. */
    static boolean isLocal(Path p) {
        String n = p.getNeighborIp();
        return n.isEmpty() || n.equals("<nil>") || n.equals("0.0.0.0") || n.equals("::");
    }
}
