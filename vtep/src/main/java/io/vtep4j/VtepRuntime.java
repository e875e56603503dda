package io.vtep4j;

import io.netty.channel.EventLoopGroup;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.Vni;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.Underlays;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What a {@link Vtep} owns and its lifecycle: the event loops, the forwarding table, the segments (copy-on-write VNI
 * map), multicast group memberships, the ageing sweep and the underlay. The data path lives in {@link Forwarder}.
 * Thread-safe: configuration changes are synchronized; the data path reads volatile snapshots.
 */
final class VtepRuntime {

    /** How long a second close() waits for the first to finish releasing. */
    private static final long CLOSE_WAIT_SECONDS = 30;

    private final VtepConfig config;
    private final EventLoopGroup group;
    private final ForwardingTable table;
    private final NeighborTable neighbors;
    private final boolean gre;
    /** Joined groups by transport: a group is joined on the underlay of the encapsulation that floods to it. */
    private final Map<GroupKey, Integer> groupRefs = new HashMap<>();

    private final AtomicInteger portIds = new AtomicInteger();
    private final AtomicLong sweeps = new AtomicLong();
    private final Forwarder forwarder;
    private final Lanes lanes;
    /** The configured local addresses as an array: the receive path compares each outer source against them. */
    private final InetAddress[] localAddresses;
    /** Counted down when close() has released everything. */
    private final CountDownLatch closed = new CountDownLatch(1);

    private volatile IntObjectHashMap<SegmentImpl> segments = new IntObjectHashMap<>();
    private Underlay underlay;
    /** The underlays' own loss totals, registered after open; closed after the underlays. */
    private final List<LossCounter> lossCounters = new CopyOnWriteArrayList<>();

    private ScheduledFuture<?> sweep;
    private volatile boolean open = true;

    private VtepRuntime(VtepConfig config, EventLoopGroup group) {
        this.config = config;
        this.group = group;
        this.table = ForwardingTable.builder()
                .ticker(config.ticker())
                .ageing(config.ageing())
                .maxEntries(config.maxMacs())
                .maxEntriesPerVni(config.maxMacsPerVni())
                .localHold(config.localHold())
                .maxRemoteLocations(config.maxRemoteLocations())
                .listener(config.fdbListener())
                .locationCheck(this::checkLocation)
                .build();
        this.neighbors = NeighborTable.builder(table)
                .ticker(config.ticker())
                .maxEntries(config.neighbors().maxEntries)
                .maxEntriesPerVni(config.neighbors().maxEntriesPerVni)
                .listener(config.neighbors().listener)
                .build();
        this.gre = config.encapsulations().stream().anyMatch(e -> e != Encapsulation.VXLAN);
        this.localAddresses = config.localAddresses().toArray(new InetAddress[0]);
        this.lanes = new Lanes(config);
        this.forwarder = new Forwarder(this, config, table, lanes);
    }

    /** Starts event loops and underlay; on failure leaves nothing running. */
    static VtepRuntime start(VtepConfig config) throws IOException {
        EventLoopGroup group = config.sharedGroup() != null
                ? config.sharedGroup()
                : Transports.newGroup(config.eventLoops(), "vtep", config.busyWaitNanos());
        VtepRuntime runtime;
        try {
            runtime = new VtepRuntime(config, group);
        } catch (RuntimeException | Error e) {
            if (group != config.sharedGroup()) {
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS); // the loops this call started
            }
            throw e;
        }
        try {
            runtime.openUnderlays(group);
            long period = config.sweepInterval().toNanos();
            runtime.sweep = group.next().scheduleAtFixedRate(runtime::sweep, period, period, TimeUnit.NANOSECONDS);
            return runtime;
        } catch (IOException | RuntimeException | Error e) {
            runtime.close();
            throw e;
        }
    }

    /** One underlay per encapsulation, transport 0 first; each reports to the forwarder under its number. */
    private void openUnderlays(EventLoopGroup group) throws IOException {
        Lanes l = lanes;
        for (int t = 0; t < l.count(); t++) {
            Encapsulation e = l.encapsulation(t);
            l.underlay(t, Underlays.create(e, config.underlayConfig(group, e)));
        }
        underlay = l.underlay(0);
        for (int t = 0; t < l.count(); t++) {
            l.underlay(t).open(l.receiver(forwarder, t));
            l.underlay(t).lossTotals().forEach((r, total) -> lossCounters.add(countLosses(r, total)));
        }
    }

    private LossCounter countLosses(DropReason reason, LongSupplier total) {
        return forwarder.drops().sources().add(reason, total);
    }

    /** Whether the default underlay moves packets through AF_XDP. */
    boolean afXdp() {
        Underlay u = underlay;
        return u != null && u.afXdp();
    }

    VtepConfig config() {
        return config;
    }

    Lanes lanes() {
        return lanes;
    }

    ForwardingTable table() {
        return table;
    }

    NeighborTable neighbors() {
        return neighbors;
    }

    boolean isOpen() {
        return open;
    }

    /**
     * True once the event loops are shutting down (every loop of the group, ours or the application's): nothing sent
     * now would be written. One volatile read while they run.
     */
    boolean loopsShutDown() {
        return group.isShuttingDown();
    }

    /** Is {@code address} one of this VTEP's configured local addresses? Lock-free, no allocation (data path). */
    /**
     * Refuses, as the location of a static or control entry, a remote this VTEP cannot send to: a transport it does
     * not run, an address of a family none of its local addresses has, or one of its own addresses (every frame to
     * the MAC would otherwise be dropped on sending). Local ports pass: they come and go.
     */
    private void checkLocation(Location where) {
        if (!where.isRemote()) {
            return;
        }
        InetAddress address = where.address();
        if (where.transport() >= lanes.count()) {
            throw new IllegalArgumentException("where: " + address.getHostAddress() + " over transport "
                    + where.transport() + " (expected: a transport 0.." + (lanes.count() - 1) + ", of "
                    + config.encapsulations() + ")");
        }
        if (isLocalAddress(address)) {
            throw new IllegalArgumentException("where: " + address.getHostAddress()
                    + " (expected: a remote VTEP, not one of this VTEP's own addresses)");
        }
        boolean family = false;
        for (InetAddress local : localAddresses) {
            family |= local.getClass() == address.getClass();
        }
        if (!family) {
            throw new IllegalArgumentException("where: " + address.getHostAddress()
                    + " (expected: an address of the family of a local address, "
                    + java.util.Arrays.stream(localAddresses)
                            .map(InetAddress::getHostAddress)
                            .toList() + ")");
        }
    }

    boolean isLocalAddress(InetAddress address) {
        for (InetAddress local : localAddresses) {
            if (local.equals(address)) {
                return true;
            }
        }
        return false;
    }

    Forwarder forwarder() {
        return forwarder;
    }

    /** The open segment for {@code vni}, or null; lock-free, no allocation (data path). */
    SegmentImpl segmentFor(int vni) {
        SegmentImpl s = segments.get(vni);
        return s != null && s.isOpen() ? s : null;
    }

    int nextPortId() {
        return portIds.getAndIncrement();
    }

    List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        for (int t = 0; t < lanes.count(); t++) {
            Underlay u = lanes.underlay(t);
            if (u != null) {
                out.addAll(u.boundAddresses());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- segments

    synchronized Segment segment(int vni) {
        checkOpen();
        if (gre) {
            Vni.check(vni);
            if (NvgreCodec.isReservedVsid(vni)) {
                throw new IllegalArgumentException("vsid: " + vni + " (expected: 4096..16777214; RFC 7637 §3.2 "
                        + "reserves 0..4095 and 16777215)");
            }
        } else {
            Vni.check(vni);
        }
        SegmentImpl s = segments.get(vni);
        if (s == null) {
            s = new SegmentImpl(this, vni);
            IntObjectHashMap<SegmentImpl> next = new IntObjectHashMap<>(segments.size() + 1);
            next.putAll(segments);
            next.put(vni, s);
            segments = next;
        }
        return s;
    }

    synchronized List<Segment> segments() {
        return List.copyOf(segments.values());
    }

    synchronized boolean removeSegment(SegmentImpl s) {
        if (segments.get(s.vni) != s) {
            return false;
        }
        IntObjectHashMap<SegmentImpl> next = new IntObjectHashMap<>(segments.size());
        next.putAll(segments);
        next.remove(s.vni);
        segments = next;
        return true;
    }

    boolean hasLocalFamily(InetAddress address) {
        boolean v6 = address instanceof Inet6Address;
        for (InetAddress local : config.localAddresses()) {
            if ((local instanceof Inet6Address) == v6) {
                return true;
            }
        }
        return false;
    }

    synchronized void joinGroup(InetAddress groupAddress) {
        joinGroup(0, groupAddress);
    }

    synchronized void leaveGroup(InetAddress groupAddress) {
        leaveGroup(0, groupAddress);
    }

    /** Joins {@code groupAddress} on the underlay of {@code transport}; reference-counted per (transport, group). */
    synchronized void joinGroup(int transport, InetAddress groupAddress) {
        checkOpen();
        GroupKey key = new GroupKey(transport, groupAddress);
        if (config.multicastInterface() == null) {
            throw new IllegalStateException("multicastInterface: not set (expected: Vtep.builder()"
                    + ".multicastInterface(name) before flooding to group " + groupAddress.getHostAddress() + ")");
        }
        int refs = groupRefs.getOrDefault(key, 0);
        if (refs == 0) {
            try {
                lanes.underlay(transport).joinGroup(groupAddress);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "join " + groupAddress.getHostAddress() + " on " + config.multicastInterface() + ": "
                                + e.getMessage(),
                        e);
            }
        }
        groupRefs.put(key, refs + 1);
    }

    synchronized void leaveGroup(int transport, InetAddress groupAddress) {
        GroupKey key = new GroupKey(transport, groupAddress);
        int refs = groupRefs.getOrDefault(key, 0);
        Underlay u = lanes.underlay(transport);
        if (refs <= 1) {
            groupRefs.remove(key);
            if (refs == 1 && u != null) {
                try {
                    u.leaveGroup(groupAddress);
                } catch (IOException e) {
                    // Leaving is best effort: the socket closes with the VTEP anyway.
                }
            }
        } else {
            groupRefs.put(key, refs - 1);
        }
    }

    /** A multicast membership: one group on one transport's underlay. */
    private record GroupKey(int transport, InetAddress group) {}

    // ---------------------------------------------------------------- lifecycle

    private void sweep() {
        try {
            table.expire();
            neighbors.expire(); // bindings age with their MACs
            forwarder.traffic().observe(Instant.now());
            forwarder.traffic().reclaim(table, segmentsSnapshot(), lanes.count());
            sweeps.incrementAndGet();
        } catch (Throwable t) {
            // Counted and reported; the next sweep tries again (a throwing task would cancel the timer).
            forwarder.internalError(t, null, null);
        }
    }

    /** The underlay's send messages and datagrams (tests check GSO coalescing with it). */
    SendCounters sendCounters() {
        Underlay u = underlay;
        return u == null ? new SendCounters() : u.sendCounters();
    }

    /** Payloads the default underlay received through AF_XDP (tests check the AF_XDP receive path with it). */
    long afXdpReceived() {
        Underlay u = underlay;
        return u == null ? 0 : u.afXdpReceived();
    }

    /** The underlay's receive messages and datagrams (tests check GRO coalescing with it). */
    ReceiveCounters receiveCounters() {
        Underlay u = underlay;
        return u == null ? new ReceiveCounters() : u.receiveCounters();
    }

    /** Ageing sweeps completed (tests wait on it). */
    long sweeps() {
        return sweeps.get();
    }

    VtepStats stats() {
        Map<Integer, VtepStats.SegmentStats> perVni = new HashMap<>();
        for (SegmentImpl s : segmentsSnapshot()) {
            perVni.put(s.vni, s.counters.snapshot(s.vni));
        }
        Map<Encapsulation, EncapsulationStats> perEncap = new EnumMap<>(Encapsulation.class);
        for (int t = 0; t < lanes.count(); t++) {
            perEncap.put(lanes.encapsulation(t), lanes.counters(t).snapshot(lanes.encapsulation(t)));
        }
        RemoteTraffic traffic = forwarder.traffic();
        return new VtepStats(
                forwarder.drops().snapshot(),
                perVni,
                table.size(),
                perEncap,
                traffic.snapshot(Instant.now()),
                traffic.uncounted());
    }

    private List<SegmentImpl> segmentsSnapshot() {
        return new ArrayList<>(segments.values());
    }

    /**
     * Stops the data path at once (no segment maps a VNI, every port refuses frames), then releases sockets and
     * threads. On one of our own event loops it cannot wait for that loop to stop: the release then runs on a thread
     * of its own and this returns at once. Otherwise it blocks until done, also when another close got there first.
     */
    void close() {
        List<SegmentImpl> toClose;
        boolean first;
        synchronized (this) {
            first = open;
            open = false;
            toClose = first ? segmentsSnapshot() : List.of();
            if (first) {
                segments = new IntObjectHashMap<>();
            }
        }
        for (SegmentImpl s : toClose) {
            s.closePorts();
        }
        boolean onOwnLoop = onOwnLoop();
        if (first && onOwnLoop) {
            Thread releaser = new Thread(() -> release(toClose), "vtep4j-close");
            releaser.setDaemon(true);
            releaser.start();
        } else if (first) {
            release(toClose);
        } else if (!onOwnLoop) {
            try {
                closed.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether the calling thread is one of the event loops this VTEP runs on (a frame handler, a timer task). */
    private boolean onOwnLoop() {
        for (EventExecutor loop : group) {
            if (loop.inEventLoop()) {
                return true;
            }
        }
        return false;
    }

    private void release(List<SegmentImpl> toClose) {
        try {
            releaseAll(toClose);
        } finally {
            closed.countDown();
        }
    }

    /** Each step runs even if an earlier one failed (reported as an internal error): nothing is left open. */
    private void releaseAll(List<SegmentImpl> toClose) {
        if (sweep != null) {
            sweep.cancel(false);
        }
        for (SegmentImpl s : toClose) {
            try {
                s.closeInternal();
            } catch (Throwable t) {
                forwarder.internalError(t, s, null);
            }
        }
        for (int i = 0; i < lanes.count(); i++) {
            Underlay u = lanes.underlay(i);
            if (u != null) {
                try {
                    u.close();
                } catch (Throwable t) {
                    forwarder.internalError(t, null, null);
                }
            }
        }
        lossCounters.forEach(LossCounter::close);
        if (config.sharedGroup() == null) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private void checkOpen() {
        if (!open) {
            throw new IllegalStateException("vtep: closed (expected: an open Vtep)");
        }
    }
}
