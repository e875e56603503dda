package io.vtep4j.evpn;

import io.vtep4j.Vtep;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborListener;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * BGP EVPN for a {@link Vtep} through a running GoBGP daemon's gRPC API (RFC 7432, RFC 8365): each EVPN segment is
 * advertised as a type-3 route and each MAC on a local port as a type-2 route (and, with ARP/ND suppression, each
 * address bound to such a MAC as a type-2 route with MAC and IP); other VTEPs' type-3 routes fill the segment's
 * flood list, their type-2 routes install remote entries, and the addresses in them become neighbour bindings.
 *
 * <pre>{@code
 * EvpnAgent evpn = EvpnAgent.builder().gobgp("127.0.0.1", 50051).vni(5000).build();
 * Vtep vtep = Vtep.builder().localAddress("10.0.0.1").fdbListener(evpn.fdbListener()).build();
 * evpn.start(vtep);              // connects in the background, retrying with backoff
 * System.out.println(evpn.status());
 * evpn.close();                  // withdraws everything we advertised, then vtep.close()
 * }</pre>
 *
 * <p>Threading: every method may be called from any thread. The agent runs on one daemon thread of its own; the
 * {@link #fdbListener()} only marks segments for a rescan and returns. Nothing here takes or returns buffers.
 */
public final class EvpnAgent implements AutoCloseable {

    /** Package-private for the tests' view of the agent's internals. */
    final AgentLoop loop;

    private EvpnAgent(Builder b) {
        this.loop = new AgentLoop(b);
    }

    /** A new builder; {@link Builder#gobgp} and at least one {@link Builder#vni} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Pass to {@code Vtep.Builder.fdbListener}: local MACs are advertised as soon as they are learned. Without it
     * the agent still finds them, at its next periodic scan ({@link Builder#scanInterval}).
     */
    public FdbListener fdbListener() {
        return loop.listener();
    }

    /**
     * Pass to {@code Vtep.Builder.neighborListener} when the segments suppress ARP/ND: a host address snooped on a
     * local port is advertised with its MAC (a type-2 route with MAC and IP) as soon as it is bound, and withdrawn
     * as soon as the binding goes. Without it the agent still finds the bindings at its next periodic scan. The
     * listener only marks the segment for a rescan and returns; any thread.
     */
    public NeighborListener neighborListener() {
        return loop.neighborListener();
    }

    /**
     * Starts the agent on {@code vtep} and returns at once; the connection to GoBGP is made in the background.
     *
     * @throws IllegalArgumentException if {@code vtep} does not use VXLAN
     * @throws IllegalStateException if already started, or closed (then neither the VTEP nor the agent changes)
     */
    public EvpnAgent start(Vtep vtep) {
        loop.start(Objects.requireNonNull(vtep, "vtep"));
        return this;
    }

    /** The state for a status line. */
    public EvpnStatus status() {
        return loop.status();
    }

    /**
     * True when the forwarding table's entry for {@code mac} in {@code vni} is at {@code where} and was installed by
     * this agent from a BGP route (for listings that mark EVPN entries). Lock-free.
     */
    public boolean installed(int vni, long mac, Location where) {
        return loop.installed(vni, mac, where);
    }

    /**
     * A clean stop: withdraws every route we advertised (waiting at most the call deadline for GoBGP), removes what
     * we installed and stops the agent's thread. Idempotent. Does not close the VTEP.
     */
    @Override
    public void close() {
        loop.close();
    }

    /** Configures an {@link EvpnAgent}; each setter checks its argument at once. Not thread-safe. */
    public static final class Builder {
        /** The default of {@link #resyncInterval}: two minutes. */
        public static final Duration DEFAULT_RESYNC_INTERVAL = Duration.ofMinutes(2);

        /** The default of {@link #maxRemoteRoutes}: 1,048,576 routes of other VTEPs. */
        public static final int DEFAULT_MAX_REMOTE_ROUTES = 1 << 20;

        /** The largest {@link #maxRemoteRoutes}: 16,777,216 routes. */
        public static final int MAX_REMOTE_ROUTES = 1 << 24;

        String host;
        int port;
        InetAddress vtepAddress;
        long asn = -1;
        final Map<Integer, RouteTarget> vnis = new LinkedHashMap<>();
        Duration grace = Duration.ofSeconds(60);
        Duration retryMin = Duration.ofMillis(200);
        Duration retryMax = Duration.ofSeconds(10);
        Duration scanInterval = Duration.ofSeconds(1);
        Duration deadline = Duration.ofSeconds(5);
        Duration resyncInterval = DEFAULT_RESYNC_INTERVAL;
        int maxRemoteRoutes = DEFAULT_MAX_REMOTE_ROUTES;
        int duplicateMoves = 5;
        Duration duplicateWindow = Duration.ofSeconds(180);
        Duration duplicateFreeze = Duration.ofSeconds(180);
        Duration localHold = Duration.ZERO;
        EvpnListener listener = new EvpnListener() {};
        /** Nanoseconds; tests in this package replace it. */
        java.util.function.LongSupplier ticker = System::nanoTime;

        boolean learnFromUnderlay;

        private Builder() {}

        /** GoBGP's API address ({@code gobgpd --api-hosts}), e.g. {@code 127.0.0.1}, {@code 50051}. */
        public Builder gobgp(String host, int port) {
            Objects.requireNonNull(host, "host");
            if (host.isBlank()) {
                throw new IllegalArgumentException("gobgp host: \"" + host + "\" (expected: a host name or address)");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("gobgp port: " + port + " (expected: 1..65535)");
            }
            this.host = host;
            this.port = port;
            return this;
        }

        /** {@code HOST:PORT} form of {@link #gobgp(String, int)}; an IPv6 host goes in brackets. */
        public Builder gobgp(String hostPort) {
            Objects.requireNonNull(hostPort, "hostPort");
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("gobgp: '" + hostPort + "' (expected: HOST:PORT)");
            }
            String h = hostPort.substring(0, colon).replace("[", "").replace("]", "");
            try {
                return gobgp(h, Integer.parseInt(hostPort.substring(colon + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("gobgp: '" + hostPort + "' (expected: HOST:PORT)", e);
            }
        }

        /**
         * Our VTEP address as advertised: the routes' next hop, the type-3 route's originator and PMSI tunnel id
         * (default: the VTEP's first local address). IPv4 or IPv6; an IPv4 address is also the administrator of our
         * route distinguishers (RD type 1), for an IPv6 one GoBGP's router id takes that place (an RD holds only
         * IPv4). Other VTEPs send to it, so it must be a unicast address: blank text (which the resolver would take for
         * loopback), the wildcard ({@code 0.0.0.0}, {@code ::}) and multicast addresses are refused. A loopback address
         * is taken, for VTEPs that all run on one host.
         *
         * @throws IllegalArgumentException if {@code address} is blank, not an address, or not such a unicast address
         */
        public Builder vtepAddress(String address) {
            Objects.requireNonNull(address, "address");
            if (address.isBlank()) {
                // InetAddress.getByName would take "" for the loopback address
                throw new IllegalArgumentException("vtepAddress: \"" + address + "\" (expected: an IP address)");
            }
            InetAddress a;
            try {
                a = InetAddress.getByName(address.strip());
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("vtepAddress: \"" + address + "\" (expected: an IP address)", e);
            }
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                throw new IllegalArgumentException("vtepAddress: \"" + address
                        + "\" (expected: a unicast address other VTEPs can reach, not wildcard or multicast)");
            }
            this.vtepAddress = a;
            return this;
        }

        /**
         * The AS number of the automatic route targets (default: GoBGP's own AS, read at connection). A four-octet AS
         * gives the target FRR derives for it: {@code (asn & 0xFFFF):VNI} ({@link RouteTarget#auto}).
         */
        public Builder asn(long asn) {
            if (asn < 1 || asn > RouteTarget.MAX_ASN4) {
                throw new IllegalArgumentException("asn: " + asn + " (expected: 1.." + RouteTarget.MAX_ASN4 + ")");
            }
            this.asn = asn;
            return this;
        }

        /**
         * Runs EVPN on segment {@code vni} with the automatic route target {@code ASN:VNI}.
         *
         * @throws IllegalArgumentException if {@code vni} is out of range or was given before
         */
        public Builder vni(int vni) {
            return vni(vni, null);
        }

        /**
         * Runs EVPN on segment {@code vni} with an explicit route target (imported and exported). Each VNI is given
         * once, by this method or {@link #vni(int)}: a second call for it is refused, so that neither call's route
         * target silently replaces the other's.
         *
         * @throws IllegalArgumentException if {@code vni} is out of range or was given before, or if another VNI
         *     has {@code target}
         */
        public Builder vni(int vni, RouteTarget target) {
            if (vni < 1 || vni > 0xFF_FFFF) {
                throw new IllegalArgumentException("vni: " + vni + " (expected: 1..16777215)");
            }
            if (vnis.containsKey(vni)) {
                throw new IllegalArgumentException("vni: " + vni + " already given"
                        + (vnis.get(vni) != null ? " with route target " + vnis.get(vni) : "")
                        + " (expected: each VNI once)");
            }
            if (target != null && vnis.containsValue(target)) {
                throw new IllegalArgumentException("route target " + target + " of vni " + vni
                        + ": already used by another VNI (expected: one route target per VNI)");
            }
            vnis.put(vni, target);
            return this;
        }

        /**
         * The bound of the remote route table: at most {@code max} EVPN routes of other VTEPs are held (default
         * {@link #DEFAULT_MAX_REMOTE_ROUTES}; 1..{@link #MAX_REMOTE_ROUTES}). A route with a new destination
         * beyond it is refused: not held and not installed, and counted in {@link EvpnStatus#refused()}; updates
         * and withdrawals of routes already held still apply. A refused route is taken at a later re-sync
         * ({@link #resyncInterval}) if there is room by then. What the held routes install (forwarding entries,
         * flood targets, neighbour bindings) is bounded by them.
         */
        public Builder maxRemoteRoutes(int max) {
            if (max < 1 || max > MAX_REMOTE_ROUTES) {
                throw new IllegalArgumentException(
                        "maxRemoteRoutes: " + max + " (expected: 1.." + MAX_REMOTE_ROUTES + ")");
            }
            this.maxRemoteRoutes = max;
            return this;
        }

        /**
         * Whether the EVPN segments also learn remote MACs from the underlay's packets (default false: remote MACs
         * come only from BGP; local ports always learn). Applied to each segment at {@link EvpnAgent#start}.
         */
        public Builder learnFromUnderlay(boolean on) {
            this.learnFromUnderlay = on;
            return this;
        }

        /** How long remote entries stay installed after the connection to GoBGP is lost (default 60 s). */
        public Builder gracePeriod(Duration grace) {
            this.grace = check("gracePeriod", grace, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** Reconnection backoff: the first retry after {@code min}, doubling up to {@code max} (200 ms, 10 s). */
        public Builder retry(Duration min, Duration max) {
            this.retryMin = check("retry min", min, Duration.ofMillis(10), Duration.ofMinutes(5));
            this.retryMax = check("retry max", max, retryMin, Duration.ofMinutes(10));
            return this;
        }

        /**
         * How often every segment's local MACs are compared with what we advertise (default 1 s); a scan of a large
         * table waits longer, at least 20 times its own duration, so that comparing an
         * unchanged table takes at most about 5 % of a CPU. MACs the {@link #fdbListener} reports are rescanned
         * sooner.
         */
        public Builder scanInterval(Duration interval) {
            this.scanInterval = check("scanInterval", interval, Duration.ofMillis(10), Duration.ofMinutes(10));
            return this;
        }

        /**
         * How often the agent reads GoBGP's whole EVPN table and reconciles with it, a safety net behind the watch
         * stream: it re-sends routes of ours the table lacks and drops remote routes it no longer holds (default
         * {@link #DEFAULT_RESYNC_INTERVAL}; each re-sync costs one ListPath of the whole EVPN table).
         */
        public Builder resyncInterval(Duration interval) {
            this.resyncInterval = check("resyncInterval", interval, Duration.ofMillis(100), Duration.ofHours(24));
            return this;
        }

        /**
         * Duplicate-MAC detection across BGP (RFC 7432 §15.1): the {@code moves}-th move of a MAC between this VTEP
         * and others within {@code window} of its first move freezes it for {@code freeze}: it is no longer
         * advertised and no route moves it; {@link EvpnListener#duplicateMac} reports it and {@link
         * EvpnStatus#duplicates()} counts it. Default as FRR: 5 moves in 180 s, frozen for 180 s.
         */
        public Builder duplicateDetection(int moves, Duration window, Duration freeze) {
            if (moves < 2 || moves > 1000) {
                throw new IllegalArgumentException("duplicate moves: " + moves + " (expected: 2..1000)");
            }
            this.duplicateWindow = check("duplicate window", window, Duration.ofSeconds(1), Duration.ofHours(24));
            this.duplicateFreeze = check("duplicate freeze", freeze, Duration.ofSeconds(1), Duration.ofDays(7));
            this.duplicateMoves = moves;
            return this;
        }

        /** Turns duplicate-MAC detection across BGP off: MACs may move between VTEPs without limit. */
        public Builder noDuplicateDetection() {
            this.duplicateMoves = 0;
            return this;
        }

        /**
         * Local wins against BGP: a MAC that a local port used within {@code hold} stays there when a remote route
         * with a higher sequence number claims it, and is advertised again above that number (each such contest
         * counts as a move for duplicate detection). Default {@link Duration#ZERO}: the higher sequence number
         * always wins, as RFC 7432 §7.7 and FRR have it.
         */
        public Builder localHold(Duration hold) {
            this.localHold = check("localHold", hold, Duration.ZERO, Duration.ofHours(1));
            return this;
        }

        /** Receives the agent's events (duplicate MACs), on the agent's thread. */
        public Builder listener(EvpnListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The deadline of each unary call to GoBGP (default 5 s). */
        public Builder callDeadline(Duration deadline) {
            this.deadline = check("callDeadline", deadline, Duration.ofMillis(100), Duration.ofMinutes(1));
            return this;
        }

        /**
         * A new agent (not started).
         *
         * @throws IllegalStateException if no GoBGP address or no VNI was given
         */
        public EvpnAgent build() {
            if (host == null) {
                throw new IllegalStateException("gobgp: none (expected: gobgp(\"127.0.0.1\", 50051))");
            }
            if (vnis.isEmpty()) {
                throw new IllegalStateException("vni: none (expected: at least one vni(N))");
            }
            return new EvpnAgent(this);
        }

        private static Duration check(String name, Duration d, Duration min, Duration max) {
            Objects.requireNonNull(d, name);
            if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: " + min + " .. " + max + ")");
            }
            return d;
        }
    }
}
