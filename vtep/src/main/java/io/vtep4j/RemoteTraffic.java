package io.vtep4j;

import io.vtep4j.encap.DropReason;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;

/**
 * Per-remote-VTEP counters, one {@link Remote} per underlay address, which also carries the remote's interned
 * {@link Location} (so that learning from a known remote allocates nothing).
 *
 * <p>Bound: at most {@link #capacity()} remotes (default {@value #DEFAULT_MAX_REMOTES}). Past the cap a new remote gets
 * no counters of its own: its packets still count in the segment and VTEP counters and in {@link #uncounted()}, and
 * learning from it makes a {@link Location} per packet. {@link #reclaim} (the ageing sweep) removes the remotes that
 * nothing refers to any more (no table entry, flood target or allow-list), so a burst of spoofed sources holds slots
 * only until its MACs age out.
 *
 * <p>Cost on the data path: one lookup in a concurrent map keyed by the address (the receive path made the same lookup
 * before for the location cache) and two contention-free additions per packet; nothing is allocated once a remote is
 * known. Thread-safe: the data path reads and adds from any thread; {@link #observe}, {@link #reclaim} and
 * {@link #snapshot} are serialised among themselves.
 */
final class RemoteTraffic {

    /** Default bound on remotes with counters of their own. */
    static final int DEFAULT_MAX_REMOTES = 4096;

    /** One remote VTEP's counters; increments from any thread, no allocation. */
    static final class Remote {
        final InetAddress address;
        final Location location;
        final LongAdder packetsIn = new LongAdder();
        final LongAdder bytesIn = new LongAdder();
        final LongAdder packetsOut = new LongAdder();
        final LongAdder bytesOut = new LongAdder();
        final LongAdder floodCopies = new LongAdder();
        /** Made on the first drop (drops are rare; a Counters holds an adder per reason). */
        private volatile Counters drops;
        /** Guarded by the owning RemoteTraffic: packetsIn at the last observation, and when it last changed. */
        private long observedIn;

        private Instant lastSeen;
        /** Made since the last reclaim: spared once (its first packet may not have been learned yet). */
        private boolean young = true;

        Remote(InetAddress address) {
            this.address = address;
            this.location = Location.remote(address);
        }

        void received(int bytes) {
            packetsIn.increment();
            bytesIn.add(bytes);
        }

        void dropped(DropReason reason) {
            Counters c = drops;
            if (c == null) {
                synchronized (this) {
                    c = drops;
                    if (c == null) {
                        drops = c = new Counters();
                    }
                }
            }
            c.drop(reason);
        }

        /** Drops of this remote's packets for {@code reason}; no allocation. */
        long dropCount(DropReason reason) {
            Counters c = drops;
            return c == null ? 0 : c.count(reason);
        }

        void sent(int bytes, boolean floodCopy) {
            packetsOut.increment();
            bytesOut.add(bytes);
            if (floodCopy) {
                floodCopies.increment();
            }
        }
    }

    private final ConcurrentHashMap<InetAddress, Remote> remotes = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final LongAdder uncounted = new LongAdder();
    private final int capacity;

    RemoteTraffic(int capacity) {
        this.capacity = capacity;
    }

    /** The most remotes with counters of their own. */
    int capacity() {
        return capacity;
    }

    /** The remote's counters, or null if it has none; lock-free, allocation-free. */
    Remote get(InetAddress address) {
        return remotes.get(address);
    }

    /**
     * The remote's counters, made if it has none and the cap allows; null past the cap (counted in {@link
     * #uncounted()}) or for a group or wildcard address. Lock-free and allocation-free for a known remote.
     */
    Remote getOrCreate(InetAddress address) {
        Remote r = remotes.get(address);
        return r != null ? r : create(address);
    }

    private Remote create(InetAddress address) {
        if (address.isMulticastAddress() || address.isAnyLocalAddress()) {
            return null;
        }
        Remote r = remotes.computeIfAbsent(address, a -> {
            if (count.incrementAndGet() > capacity) {
                count.decrementAndGet();
                return null;
            }
            return new Remote(a);
        });
        if (r == null) {
            uncounted.increment();
        }
        return r;
    }

    /** Packets (in or out) of remotes that found the cap reached and have no counters of their own. */
    long uncounted() {
        return uncounted.sum();
    }

    /** The addresses of the remotes with counters now, in no particular order. */
    List<InetAddress> addresses() {
        return List.copyOf(remotes.keySet());
    }

    /** Remotes with counters now. */
    int size() {
        return count.get();
    }

    /** Notes, as of {@code now}, which remotes sent something since the last observation. */
    synchronized void observe(Instant now) {
        for (Remote r : remotes.values()) {
            long in = r.packetsIn.sum();
            if (in != r.observedIn) {
                r.observedIn = in;
                r.lastSeen = now;
            }
        }
    }

    /**
     * Removes the counters of every remote that no entry of {@code table}, no head-end replication list and no
     * allow-list of {@code segments} refers to any more.
     */
    void reclaim(ForwardingTable table, Collection<SegmentImpl> segments, int transports) {
        Set<InetAddress> configured = new HashSet<>();
        for (SegmentImpl s : segments) {
            configured.addAll(Arrays.asList(s.floodList.remotes()));
            configured.addAll(s.allowedRemotes());
        }
        reclaim(r -> configured.contains(r.address) || referredOnAnyTransport(table, r, transports));
    }

    /** A remote reached over several underlays has one location per transport; any of them keeps it. */
    private static boolean referredOnAnyTransport(ForwardingTable table, Remote r, int transports) {
        if (table.refersTo(r.location)) {
            return true;
        }
        for (int t = 1; t < transports; t++) {
            if (table.refersTo(Location.remote(r.address, t))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Removes the counters of every remote that {@code referred} says nothing refers to any more, except those made
     * since the previous call (their first packet may be on its way into the table). A packet racing with the removal
     * may still count on the removed object; the next packet makes new counters.
     */
    synchronized void reclaim(Predicate<Remote> referred) {
        for (Remote r : remotes.values()) {
            if (r.young) {
                r.young = false;
            } else if (!referred.test(r) && remotes.remove(r.address, r)) {
                count.decrementAndGet();
            }
        }
    }

    /** An immutable copy of every remote's counters; observes first, as of {@code now}. */
    synchronized Map<InetAddress, RemoteStats> snapshot(Instant now) {
        observe(now);
        Map<InetAddress, RemoteStats> out = new HashMap<>();
        for (Remote r : remotes.values()) {
            Counters c = r.drops;
            Map<DropReason, Long> drops = c == null ? Map.of() : c.snapshot();
            out.put(
                    r.address,
                    new RemoteStats(
                            r.address,
                            r.packetsIn.sum(),
                            r.bytesIn.sum(),
                            r.packetsOut.sum(),
                            r.bytesOut.sum(),
                            r.floodCopies.sum(),
                            drops,
                            r.lastSeen));
        }
        return out;
    }
}
