package io.vtep4j;

import io.netty.channel.EventLoopGroup;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.Vni;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.Underlays;
import io.vtep4j.learning.ForwardingTable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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
    private final boolean gre;
    private final Map<InetAddress, Integer> groupRefs = new HashMap<>();
    private final AtomicInteger portIds = new AtomicInteger();
    private final AtomicLong sweeps = new AtomicLong();
    private final Forwarder forwarder;
    /** The configured local addresses as an array: the receive path compares each outer source against them. */
    private final InetAddress[] localAddresses;
    /** Counted down when close() has released everything. */
    private final CountDownLatch closed = new CountDownLatch(1);

    private volatile IntObjectHashMap<SegmentImpl> segments = new IntObjectHashMap<>();
    private Underlay underlay;
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
                .build();
        this.gre = config.encapsulation() != Encapsulation.VXLAN;
        this.localAddresses = config.localAddresses().toArray(new InetAddress[0]);
        this.forwarder = new Forwarder(this, config, table);
    }

    /** Starts event loops and underlay; on failure leaves nothing running. */
    static VtepRuntime start(VtepConfig config) throws IOException {
        EventLoopGroup group =
                config.sharedGroup() != null ? config.sharedGroup() : Transports.newGroup(config.eventLoops(), "vtep");
        VtepRuntime runtime = new VtepRuntime(config, group);
        try {
            runtime.underlay = Underlays.create(config.encapsulation(), config.underlayConfig(group));
            runtime.forwarder.underlay(runtime.underlay);
            runtime.underlay.open(runtime.forwarder);
            long period = config.sweepInterval().toNanos();
            runtime.sweep = group.next().scheduleAtFixedRate(runtime::sweep, period, period, TimeUnit.NANOSECONDS);
            return runtime;
        } catch (IOException | RuntimeException | Error e) {
            runtime.close();
            throw e;
        }
    }

    VtepConfig config() {
        return config;
    }

    ForwardingTable table() {
        return table;
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
        Underlay u = underlay;
        return u == null ? List.of() : u.boundAddresses();
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
        checkOpen();
        if (config.multicastInterface() == null) {
            throw new IllegalStateException("multicastInterface: not set (expected: Vtep.builder()"
                    + ".multicastInterface(name) before flooding to group " + groupAddress.getHostAddress() + ")");
        }
        int refs = groupRefs.getOrDefault(groupAddress, 0);
        if (refs == 0) {
            try {
                underlay.joinGroup(groupAddress);
            } catch (IOException e) {
                throw new UncheckedIOException(
                        "join " + groupAddress.getHostAddress() + " on " + config.multicastInterface() + ": "
                                + e.getMessage(),
                        e);
            }
        }
        groupRefs.put(groupAddress, refs + 1);
    }

    synchronized void leaveGroup(InetAddress groupAddress) {
        int refs = groupRefs.getOrDefault(groupAddress, 0);
        if (refs <= 1) {
            groupRefs.remove(groupAddress);
            if (refs == 1 && underlay != null) {
                try {
                    underlay.leaveGroup(groupAddress);
                } catch (IOException e) {
                    // Leaving is best effort: the socket closes with the VTEP anyway.
                }
            }
        } else {
            groupRefs.put(groupAddress, refs - 1);
        }
    }

    // ---------------------------------------------------------------- lifecycle

    private void sweep() {
        try {
            table.expire();
            forwarder.traffic().observe(Instant.now());
            forwarder.traffic().reclaim(table, segmentsSnapshot());
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

    /** Ageing sweeps completed (tests wait on it). */
    long sweeps() {
        return sweeps.get();
    }

    VtepStats stats() {
        Map<Integer, VtepStats.SegmentStats> perVni = new HashMap<>();
        for (SegmentImpl s : segmentsSnapshot()) {
            perVni.put(s.vni, s.counters.snapshot(s.vni));
        }
        RemoteTraffic traffic = forwarder.traffic();
        return new VtepStats(
                forwarder.drops().snapshot(),
                perVni,
                table.size(),
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
        if (underlay != null) {
            try {
                underlay.close();
            } catch (Throwable t) {
                forwarder.internalError(t, null, null);
            }
        }
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
