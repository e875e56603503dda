package io.vtep4j;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.learning.FloodList;
import io.vtep4j.learning.NeighborEntry;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** The one {@link Segment} implementation. Reads on the data path are lock-free (volatile snapshots). */
final class SegmentImpl implements Segment {

    private static final LocalPortImpl[] NO_PORTS = new LocalPortImpl[0];

    final VtepRuntime runtime;
    final int vni;
    /** Group and remotes change only under this segment's lock, so that group memberships follow the group. */
    final FloodList floodList = new FloodList();

    private final Flooding flooding;
    final SegmentCounters counters = new SegmentCounters();
    /** Copy on write; the data path reads one snapshot per frame. */
    volatile LocalPortImpl[] ports = NO_PORTS;
    /** Empty: every source accepted. Immutable set: {@code contains} allocates nothing. */
    private volatile Set<InetAddress> allowed = Set.of();

    /** IEEE 802.1D link-local destinations: forwarded only when true. */
    volatile boolean forwardLinkLocal;
    /** BUM storm control for frames from local ports; null when off. */
    volatile FloodLimiter floodLimiter;
    /** Per-packet outer TOS / TTL; null when every packet takes the socket's fixed values. */
    volatile OuterHeader outerHeader;
    /** The rule as set (or the VTEP's), for {@link #outerHeader()}. */
    private volatile OuterHeader outerRule;

    private volatile boolean open = true;
    /** Set once closeInternal has released the group and the MACs. */
    private boolean released;
    /** Who holds each unicast flood target (guarded by this). */
    private final java.util.Map<InetAddress, Set<String>> owners = new java.util.HashMap<>();
    /** Read once per packet from the underlay. */
    volatile boolean underlayLearning = true;
    /** ARP/ND suppression: read once per frame in each direction. */
    volatile boolean suppressNeighbors;
    /** Miss events' token bucket; null when off. */
    final FloodLimiter missLimiter;

    SegmentImpl(VtepRuntime runtime, int vni) {
        this.runtime = runtime;
        this.vni = vni;
        VtepConfig config = runtime.config();
        this.flooding = new Flooding(floodList, config.encapsulations());
        this.forwardLinkLocal = config.forwardLinkLocal();
        this.outerRule = config.outerHeader();
        this.outerHeader = config.perPacket(outerRule);
        this.suppressNeighbors = config.neighbors().suppress;
        this.missLimiter = MissEvents.limiter(config);
        if (config.floodLimit() > 0) {
            this.floodLimiter = new FloodLimiter(
                    config.floodLimit(), config.floodBurst(), config.ticker().getAsLong());
        }
    }

    @Override
    public int vni() {
        return vni;
    }

    boolean isOpen() {
        return open;
    }

    /** RFC 7348 §7: is {@code source} allowed to send into this segment? Lock-free, no allocation. */
    boolean allows(InetAddress source) {
        Set<InetAddress> a = allowed;
        return a.isEmpty() || a.contains(source);
    }

    /** The open port with this id, or null. */
    LocalPortImpl port(int id) {
        for (LocalPortImpl p : ports) {
            if (p.id == id) {
                return p;
            }
        }
        return null;
    }

    @Override
    public Segment floodTo(String address) {
        return floodTo(resolve("address", address));
    }

    @Override
    public Segment floodTo(InetAddress address) {
        return floodTo(runtime.config().encapsulation(), address);
    }

    @Override
    public Segment floodTo(Encapsulation encapsulation, String address) {
        return floodTo(encapsulation, resolve("address", address));
    }

    @Override
    public synchronized Segment floodTo(Encapsulation encapsulation, InetAddress address) {
        Objects.requireNonNull(encapsulation, "encapsulation");
        int transport = MultiUnderlay.transportOf(runtime.config(), encapsulation);
        checkTarget(address);
        if (address.isMulticastAddress()) {
            InetAddress old = floodList.group(transport);
            if (!address.equals(old)) {
                runtime.joinGroup(transport, address);
                floodList.group(transport, address);
                if (old != null) {
                    runtime.leaveGroup(transport, old);
                }
            }
        } else {
            floodList.addRemote(address, transport); // first: a full list refuses it and owns nothing
            owners.computeIfAbsent(address, a -> new HashSet<>(2)).add(MANUAL);
        }
        return this;
    }

    @Override
    public synchronized Segment floodTo(InetAddress address, String owner) {
        Objects.requireNonNull(owner, "owner");
        checkTarget(address);
        if (address.isMulticastAddress()) {
            throw new IllegalArgumentException("address: " + address.getHostAddress()
                    + " (expected: a remote VTEP's unicast address; a group has no owners)");
        }
        addOwned(address, owner);
        return this;
    }

    private void checkTarget(InetAddress address) {
        Objects.requireNonNull(address, "address");
        checkOpen();
        if (address.isAnyLocalAddress()) {
            throw new IllegalArgumentException("address: " + address.getHostAddress()
                    + " (expected: a multicast group or a remote VTEP's unicast address)");
        }
        if (runtime.isLocalAddress(address)) {
            // Every flood would come straight back to us (and be dropped as SOURCE_IS_LOCAL).
            throw new IllegalArgumentException("address: " + address.getHostAddress()
                    + " (expected: a multicast group or a remote VTEP's address, not one of this VTEP's own local "
                    + "addresses " + runtime.config().localAddresses() + ")");
        }
        if (!runtime.hasLocalFamily(address)) {
            throw new IllegalArgumentException(
                    "address: " + address.getHostAddress() + " (expected: the family of a local address, "
                            + runtime.config().localAddresses() + ")");
        }
    }

    private void addOwned(InetAddress address, String owner) {
        int transport = floodList.transportOf(address); // an owner keeps the encapsulation a target already has
        floodList.addRemote(address, transport < 0 ? 0 : transport);
        owners.computeIfAbsent(address, a -> new HashSet<>(2)).add(owner);
    }

    @Override
    public synchronized Segment stopFloodingTo(InetAddress address, String owner) {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(owner, "owner");
        Set<String> holders = owners.get(address);
        if (holders != null && holders.remove(owner) && holders.isEmpty()) {
            owners.remove(address);
            floodList.removeRemote(address);
        }
        return this;
    }

    @Override
    public synchronized Segment stopFloodingTo(InetAddress address) {
        Objects.requireNonNull(address, "address");
        InetAddress[] groups = floodList.groups();
        for (int t = 0; t < groups.length; t++) {
            if (address.equals(groups[t])) {
                floodList.group(t, null);
                runtime.leaveGroup(t, address);
                return this;
            }
        }
        stopFloodingTo(address, MANUAL);
        return this;
    }

    @Override
    public Segment floodBroadcast(boolean on) {
        floodList.floodBroadcast(on);
        return this;
    }

    @Override
    public Segment floodMulticast(boolean on) {
        floodList.floodMulticast(on);
        return this;
    }

    @Override
    public Segment floodUnknownUnicast(boolean on) {
        floodList.floodUnknownUnicast(on);
        return this;
    }

    @Override
    public Flooding flooding() {
        return flooding;
    }

    @Override
    public Segment allowRemotes(Set<InetAddress> remotes) {
        Objects.requireNonNull(remotes, "remotes");
        checkOpen();
        for (InetAddress a : remotes) {
            if (a == null) {
                throw new IllegalArgumentException("remotes: a null element (expected: remote VTEP addresses)");
            }
            if (a.isAnyLocalAddress() || a.isMulticastAddress()) {
                throw new IllegalArgumentException(
                        "remote: " + a.getHostAddress() + " (expected: a remote VTEP's unicast address)");
            }
        }
        allowed = Set.copyOf(remotes);
        return this;
    }

    @Override
    public Segment allowRemotes(String... remotes) {
        Objects.requireNonNull(remotes, "remotes");
        Set<InetAddress> set = new HashSet<>();
        for (String r : remotes) {
            set.add(resolve("remote", r));
        }
        return allowRemotes(set);
    }

    @Override
    public Set<InetAddress> allowedRemotes() {
        return allowed;
    }

    @Override
    public Segment forwardLinkLocal(boolean forward) {
        this.forwardLinkLocal = forward;
        return this;
    }

    @Override
    public boolean forwardsLinkLocal() {
        return forwardLinkLocal;
    }

    @Override
    public Segment floodLimit(int packetsPerSecond) {
        return floodLimit(packetsPerSecond, Math.max(1, packetsPerSecond));
    }

    @Override
    public Segment floodLimit(int packetsPerSecond, int burst) {
        checkFloodLimit(packetsPerSecond, burst);
        checkOpen();
        floodLimiter = packetsPerSecond == 0
                ? null
                : new FloodLimiter(
                        packetsPerSecond, burst, runtime.config().ticker().getAsLong());
        return this;
    }

    @Override
    public Segment outerHeader(OuterHeader header) {
        java.util.Objects.requireNonNull(header, "header");
        checkOpen();
        synchronized (this) {
            outerRule = header;
            outerHeader = runtime.config().perPacket(header);
        }
        return this;
    }

    @Override
    public OuterHeader outerHeader() {
        return outerRule;
    }

    @Override
    public int floodLimit() {
        FloodLimiter l = floodLimiter;
        return l == null ? 0 : l.rate();
    }

    /** Validates a flood limit (0 = off) and its burst, naming the value and the rule. */
    static void checkFloodLimit(int packetsPerSecond, int burst) {
        if (packetsPerSecond < 0 || packetsPerSecond > 1_000_000_000) {
            throw new IllegalArgumentException(
                    "floodLimit: " + packetsPerSecond + " (expected: 0 for off, or 1..1000000000 packets per second)");
        }
        if (packetsPerSecond > 0 && burst < 1) {
            throw new IllegalArgumentException("floodLimit burst: " + burst + " (expected: >= 1)");
        }
    }

    @Override
    public Segment learnFromUnderlay(boolean on) {
        underlayLearning = on;
        return this;
    }

    @Override
    public boolean learnsFromUnderlay() {
        return underlayLearning;
    }

    @Override
    public Segment ageing(Duration ageing) {
        checkOpen(); // the table keeps a VNI's ageing for the next segment of that VNI
        runtime.table().ageing(vni, ageing);
        return this;
    }

    @Override
    public Segment suppressNeighbors(boolean on) {
        suppressNeighbors = on;
        return this;
    }

    @Override
    public boolean suppressesNeighbors() {
        return suppressNeighbors;
    }

    @Override
    public boolean addNeighbor(InetAddress address, long mac) {
        checkOpen();
        return runtime.neighbors().add(vni, address, mac);
    }

    @Override
    public boolean removeNeighbor(InetAddress address) {
        checkOpen(); // the bindings of this VNI may be another segment's by now
        return runtime.neighbors().remove(vni, address);
    }

    @Override
    public List<NeighborEntry> neighbors() {
        checkOpen();
        return runtime.neighbors().entries(vni);
    }

    @Override
    public LocalPort attach(FrameHandler handler) {
        return attach(null, handler);
    }

    @Override
    public synchronized LocalPort attach(String name, FrameHandler handler) {
        Objects.requireNonNull(handler, "handler");
        checkOpen();
        int id = runtime.nextPortId();
        LocalPortImpl port = new LocalPortImpl(id, name != null ? name : "port-" + id, this, handler);
        LocalPortImpl[] next = Arrays.copyOf(ports, ports.length + 1);
        next[next.length - 1] = port;
        ports = next;
        return port;
    }

    synchronized void detach(LocalPortImpl port) {
        List<LocalPortImpl> next = new ArrayList<>(Arrays.asList(ports));
        if (next.remove(port)) {
            ports = next.toArray(NO_PORTS);
        }
        runtime.table().flushLocation(port.location);
    }

    @Override
    public List<LocalPort> ports() {
        return List.of(ports);
    }

    @Override
    public void close() {
        if (runtime.removeSegment(this)) {
            closeInternal();
        }
    }

    /**
     * Closes the segment for new ports and marks every port closed (they refuse frames from now on) without releasing
     * anything yet; never blocks.
     */
    synchronized void closePorts() {
        open = false;
        for (LocalPortImpl p : ports) {
            p.markClosed();
        }
    }

    /** Closes ports, leaves the group, forgets the MACs; the runtime has already unmapped the VNI. */
    synchronized void closeInternal() {
        if (released) {
            return;
        }
        released = true;
        open = false;
        for (LocalPortImpl p : ports) {
            p.markClosed();
        }
        ports = NO_PORTS;
        InetAddress[] groups = floodList.groups();
        for (int t = 0; t < groups.length; t++) {
            if (groups[t] != null) {
                floodList.group(t, null);
                runtime.leaveGroup(t, groups[t]);
            }
        }
        runtime.table().clearVni(vni);
        runtime.neighbors().clearVni(vni);
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("segment " + vni + ": closed (expected: an open segment)");
        }
    }

    private static InetAddress resolve(String what, String address) {
        Objects.requireNonNull(address, what);
        if (address.isBlank()) { // the resolver would answer with loopback
            throw new IllegalArgumentException(what + ": \"" + address + "\" (expected: an IP address)");
        }
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(what + ": " + address + " (expected: an IP address)", e);
        }
    }

    @Override
    public String toString() {
        return "Segment{vni=" + vni + ", ports=" + ports.length + ", flood=" + floodList + '}';
    }
}
