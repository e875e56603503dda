package io.vtep4j.evpn;

import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Puts what the remote routes say into the VTEP: a control-plane entry per winning type-2 route (and a neighbour
 * binding per address its VTEP's routes give the MAC, {@link HostBindings}) and a flood target per type-3
 * originator, held in EVPN's name so that manual flood targets and EVPN's never remove each other. Not thread-safe:
 * the agent's thread owns it.
 */
final class Installer {

    /** The owner name of the flood targets EVPN holds ({@code Segment.floodTo(address, owner)}). */
    static final String OWNER = "evpn";

    private final Vtep vtep;
    private final InetAddress self;
    private final MacMobility mobility;
    private final long localHoldNanos;
    /** Written by the agent's thread only; read from any thread ({@link #isInstalled}). */
    private final Map<MacKey, Location> installed = new java.util.concurrent.ConcurrentHashMap<>();

    private final Map<Integer, Set<InetAddress>> flooding = new HashMap<>();
    private final Map<InetAddress, Location> locations = new HashMap<>();
    /** The addresses of the installed MACs' routes, as neighbour bindings. */
    final HostBindings hosts;

    private long refused;

    /**
     * {@code localHold}: a local MAC used by its port within this time keeps its place against a remote route with a
     * higher sequence number, and is advertised again above it (zero: the remote always wins, as in FRR).
     */
    Installer(Vtep vtep, InetAddress self, MacMobility mobility, java.time.Duration localHold) {
        this.vtep = vtep;
        this.self = self;
        this.mobility = mobility;
        this.localHoldNanos = localHold.toNanos();
        this.hosts = new HostBindings(vtep);
    }

    /** Brings the touched MACs and segments in line with {@code rib}, after the local side had its say. */
    void apply(RemoteRib.Touched touched, RemoteRib rib, Advertiser local) {
        for (MacKey k : touched.macs) {
            EvpnRoute.MacIp winner = rib.winner(k);
            applyMac(k, winner, local);
            Location there = winner == null ? null : location(winner.nextHop());
            boolean installedThere = there != null
                    && isInstalled(k, there)
                    && there.equals(vtep.forwardingTable().lookup(k.vni(), k.mac()));
            hosts.apply(k, rib.routes(k), installedThere ? winner.nextHop() : null);
        }
        for (int vni : touched.segments) {
            applyFlood(vni, rib.floodTargets(vni));
        }
    }

    private void applyMac(MacKey k, EvpnRoute.MacIp winner, Advertiser local) {
        ForwardingTable table = vtep.forwardingTable();
        if (winner != null) {
            if (mobility.isFrozen(k)) {
                return; // RFC 7432 §15.1: a duplicate stays where it was frozen until the freeze ends
            }
            Location here = table.lookup(k.vni(), k.mac());
            boolean ours = here != null && here.equals(installed.get(k));
            if (here != null && !here.isRemote() && !ours) {
                // RFC 7432 §7.7: the MAC is on a local port; the remote route wins only with a higher sequence
                // number (or an equal one from a lower address) than the one we advertise.
                long seq = local.sequence(k);
                if (seq < 0 || !RemoteRib.beats(winner.sequence(), winner.nextHop(), seq, self)) {
                    return;
                }
                if (localHoldNanos > 0 && usedWithin(k, localHoldNanos)) {
                    // Local wins: the port used the MAC moments ago, so we claim it back above the remote's number.
                    if (mobility.moved(k, here)) {
                        local.yield(k); // a duplicate: frozen at the port, no longer advertised
                    } else {
                        local.advertise(k, winner.sequence() + 1);
                    }
                    return;
                }
                local.yield(k);
                table.remove(k.vni(), k.mac());
                mobility.moved(k, location(winner.nextHop())); // if a duplicate: frozen at the remote
            }
            Location where = location(winner.nextHop());
            if (!where.equals(installed.get(k)) || !where.equals(table.lookup(k.vni(), k.mac()))) {
                try {
                    table.addControl(k.vni(), k.mac(), where);
                    installed.put(k, where);
                } catch (IllegalStateException | IllegalArgumentException e) {
                    refused++; // table full or a group MAC in a peer's route: counted, the rest goes on
                }
            }
            return;
        }
        Location was = installed.remove(k);
        if (was != null && was.equals(table.lookup(k.vni(), k.mac()))) {
            table.remove(k.vni(), k.mac());
        }
    }

    private void applyFlood(int vni, Set<InetAddress> targets) {
        Segment segment = vtep.segment(vni);
        Set<InetAddress> mine = flooding.computeIfAbsent(vni, x -> new HashSet<>());
        for (InetAddress t : targets) {
            if (!mine.contains(t) && !t.equals(self)) {
                try {
                    segment.floodTo(t, OWNER); // held in our name: manual targets are never touched
                    mine.add(t);
                } catch (IllegalArgumentException | IllegalStateException e) {
                    refused++; // e.g. an IPv6 originator on an IPv4-only VTEP
                }
            }
        }
        for (InetAddress t : Set.copyOf(mine)) {
            if (!targets.contains(t)) {
                segment.stopFloodingTo(t, OWNER);
                mine.remove(t);
            }
        }
        if (mine.isEmpty()) {
            flooding.remove(vni);
        }
    }

    /** Whether a local port used {@code k} within the last {@code nanos} (a scan of the VNI: conflicts are rare). */
    private boolean usedWithin(MacKey k, long nanos) {
        for (io.vtep4j.learning.FdbEntry e : vtep.forwardingTable().entries(k.vni())) {
            if (e.mac() == k.mac()) {
                return !e.location().isRemote() && e.age().toNanos() < nanos;
            }
        }
        return false;
    }

    /** Removes everything this installer put into the VTEP (the grace period ended, or the agent stopped). */
    void flushAll() {
        hosts.flushAll();
        ForwardingTable table = vtep.forwardingTable();
        for (Map.Entry<MacKey, Location> e : installed.entrySet()) {
            MacKey k = e.getKey();
            if (e.getValue().equals(table.lookup(k.vni(), k.mac()))) {
                table.remove(k.vni(), k.mac());
            }
        }
        installed.clear();
        for (Map.Entry<Integer, Set<InetAddress>> e : flooding.entrySet()) {
            if (vtep.isOpen()) {
                Segment segment = vtep.segment(e.getKey());
                e.getValue().forEach(t -> segment.stopFloodingTo(t, OWNER));
            }
        }
        flooding.clear();
    }

    /** Whether {@code k} is installed from a remote route at {@code where}; any thread. */
    boolean isInstalled(MacKey k, Location where) {
        return where.equals(installed.get(k));
    }

    int macs() {
        return installed.size();
    }

    int floodTargets() {
        return flooding.values().stream().mapToInt(Set::size).sum();
    }

    long refused() {
        return refused;
    }

    private Location location(InetAddress vtepAddress) {
        return locations.computeIfAbsent(vtepAddress, a -> Location.remote(a));
    }
}
