package io.vtep4j.evpn;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The EVPN routes of other VTEPs, by destination, and what they mean per segment: the flood targets (type 3) and
 * the winning location of each MAC (type 2; RFC 7432 §7.7: highest sequence number, then lowest VTEP address).
 * Changes record which MACs and segments they touched, so a batch (a withdraw and an add of one update) is applied
 * to the data plane once, as its net effect.
 *
 * <p>Bounded: at most {@code maxRoutes} routes are held ({@link EvpnAgent.Builder#maxRemoteRoutes}); a route with a
 * new destination beyond that is refused and counted ({@link #refused()}), while updates and withdrawals of held
 * destinations always apply. The per-MAC and per-segment views hold one entry per held route and segment it imports
 * into, so they are bounded by the same number. Not thread-safe: the agent's thread owns it.
 */
final class RemoteRib {

    /** A MAC in a segment. */
    record MacKey(int vni, long mac) {}

    /** What a batch of changes touched. */
    static final class Touched {
        final Set<MacKey> macs = new HashSet<>();
        final Set<Integer> segments = new HashSet<>();

        boolean isEmpty() {
            return macs.isEmpty() && segments.isEmpty();
        }
    }

    /** What {@link #put} did with a route. */
    enum Put {
        /** Held now (added, or replaced the destination's earlier route). */
        HELD,
        /** Imported by no segment: not held, and the destination's earlier route, if any, is gone. */
        IGNORED,
        /** A new destination while {@code maxRoutes} are held: not held, nothing changed, counted. */
        REFUSED
    }

    private record Held(EvpnRoute route, int[] vnis, int generation) {}

    private final Map<RouteTarget, Integer> imports;
    private final Map<String, Held> routes = new HashMap<>();
    private final Map<MacKey, Map<String, EvpnRoute.MacIp>> macs = new HashMap<>();
    private final Map<Integer, Map<String, InetAddress>> floods = new HashMap<>();

    private final int maxRoutes;
    private long refused;

    /**
     * {@code imports}: route target to VNI; a route is taken into every segment one of its targets maps to.
     * {@code maxRoutes}: the most routes held.
     */
    RemoteRib(Map<RouteTarget, Integer> imports, int maxRoutes) {
        if (maxRoutes < 1) {
            throw new IllegalArgumentException("maxRoutes: " + maxRoutes + " (expected: at least 1)");
        }
        this.imports = Map.copyOf(imports);
        this.maxRoutes = maxRoutes;
    }

    /** The VNIs {@code route} is imported into (empty: no matching route target, ignored). */
    int[] vnis(EvpnRoute route) {
        int[] out = new int[0];
        for (RouteTarget rt : route.targets()) {
            Integer vni = imports.get(rt);
            if (vni != null && Arrays.stream(out).noneMatch(v -> v == vni)) {
                out = Arrays.copyOf(out, out.length + 1);
                out[out.length - 1] = vni;
            }
        }
        return out;
    }

    /**
     * Adds or replaces the route of its destination (marked with {@code generation}); a route importing into no
     * segment removes what the destination held. A new destination while {@code maxRoutes} routes are held is
     * refused and counted, and touches nothing.
     */
    Put put(EvpnRoute route, int generation, Touched touched) {
        int[] vnis = vnis(route);
        if (vnis.length > 0 && routes.size() >= maxRoutes && !routes.containsKey(route.key())) {
            refused++;
            return Put.REFUSED;
        }
        remove(route.key(), touched);
        if (vnis.length == 0) {
            return Put.IGNORED;
        }
        routes.put(route.key(), new Held(route, vnis, generation));
        for (int vni : vnis) {
            if (route instanceof EvpnRoute.MacIp m) {
                MacKey k = new MacKey(vni, m.mac());
                macs.computeIfAbsent(k, x -> new HashMap<>(2)).put(m.key(), m);
                touched.macs.add(k);
            } else if (route instanceof EvpnRoute.Imet i) {
                floods.computeIfAbsent(vni, x -> new HashMap<>()).put(i.key(), i.tunnel());
                touched.segments.add(vni);
            }
        }
        return Put.HELD;
    }

    /** Removes a destination's route; returns whether there was one. */
    boolean remove(String key, Touched touched) {
        Held held = routes.remove(key);
        if (held == null) {
            return false;
        }
        for (int vni : held.vnis()) {
            if (held.route() instanceof EvpnRoute.MacIp m) {
                MacKey k = new MacKey(vni, m.mac());
                Map<String, EvpnRoute.MacIp> byKey = macs.get(k);
                if (byKey != null) {
                    byKey.remove(key);
                    if (byKey.isEmpty()) {
                        macs.remove(k);
                    }
                }
                touched.macs.add(k);
            } else {
                Map<String, InetAddress> byKey = floods.get(vni);
                if (byKey != null) {
                    byKey.remove(key);
                    if (byKey.isEmpty()) {
                        floods.remove(vni);
                    }
                }
                touched.segments.add(vni);
            }
        }
        return true;
    }

    /** Removes every route marked with a generation older than {@code generation}; returns how many. */
    int removeOlderThan(int generation, Touched touched) {
        int removed = 0;
        for (Iterator<Map.Entry<String, Held>> it =
                        Map.copyOf(routes).entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, Held> e = it.next();
            if (e.getValue().generation() - generation < 0) {
                remove(e.getKey(), touched);
                removed++;
            }
        }
        return removed;
    }

    /**
     * Removes every route of {@code generation} whose destination is not in {@code keys} (a full snapshot of
     * GoBGP's table, taken on this generation's connection, no longer holds it); returns how many. Routes of older
     * generations are left to the grace period.
     */
    int retain(int generation, Set<String> keys, Touched touched) {
        int removed = 0;
        for (Map.Entry<String, Held> e : Map.copyOf(routes).entrySet()) {
            if (e.getValue().generation() == generation && !keys.contains(e.getKey())) {
                remove(e.getKey(), touched);
                removed++;
            }
        }
        return removed;
    }

    /** Every route naming {@code k} (with and without an IP address, from any VTEP); a live view, do not keep it. */
    java.util.Collection<EvpnRoute.MacIp> routes(MacKey k) {
        Map<String, EvpnRoute.MacIp> byKey = macs.get(k);
        return byKey == null ? java.util.List.of() : byKey.values();
    }

    /** RFC 7432 §7.7: the route for {@code k} with the highest sequence number, ties to the lowest VTEP address. */
    EvpnRoute.MacIp winner(MacKey k) {
        Map<String, EvpnRoute.MacIp> byKey = macs.get(k);
        if (byKey == null) {
            return null;
        }
        EvpnRoute.MacIp best = null;
        for (EvpnRoute.MacIp m : byKey.values()) {
            if (best == null || beats(m.sequence(), m.nextHop(), best.sequence(), best.nextHop())) {
                best = m;
            }
        }
        return best;
    }

    /** RFC 7432 §7.7 ordering: a higher sequence number wins; at equal numbers the lower VTEP address. */
    static boolean beats(long seqA, InetAddress vtepA, long seqB, InetAddress vtepB) {
        if (seqA != seqB) {
            return seqA > seqB;
        }
        return compare(vtepA, vtepB) < 0;
    }

    /** Unsigned byte-wise order of two addresses; IPv4 before IPv6. */
    static int compare(InetAddress a, InetAddress b) {
        byte[] x = a.getAddress();
        byte[] y = b.getAddress();
        if (x.length != y.length) {
            return Integer.compare(x.length, y.length);
        }
        return Arrays.compareUnsigned(x, y);
    }

    /** The highest sequence number any remote route holds for {@code k}, or -1 if none. */
    long highestSequence(MacKey k) {
        EvpnRoute.MacIp w = winner(k);
        return w == null ? -1 : w.sequence();
    }

    /** The flood targets of {@code vni}: the tunnel addresses of its type-3 routes. */
    Set<InetAddress> floodTargets(int vni) {
        Map<String, InetAddress> byKey = floods.get(vni);
        return byKey == null ? Set.of() : Set.copyOf(byKey.values());
    }

    /** Every MAC some route names (for a full re-sync). */
    Set<MacKey> macKeys() {
        return Set.copyOf(macs.keySet());
    }

    /** Routes held. */
    int size() {
        return routes.size();
    }

    /** Routes with a new destination refused because {@code maxRoutes} were held. */
    long refused() {
        return refused;
    }
}
