package io.vtep4j.evpn;

import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborEntry;
import io.vtep4j.learning.NeighborListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * When the agent compares the local side with what it advertises: the data plane's notifications (a MAC learned,
 * moved, aged or evicted; a neighbour binding added, changed or removed) are noted and coalesced into one paced
 * rescan of what they touched, and every segment is rescanned in full periodically, paced by the scan's own cost.
 *
 * <p>Threading: the listeners run on data-plane threads; they only note into concurrent sets and
 * queue a task. Every scan runs on the agent's thread, which owns the routing state it compares against.
 */
final class LocalScanner {

    /** MACs noted one by one at most; past that a segment is rescanned in full. */
    static final int MAX_DIRTY_MACS = 65_536;

    /** How many times its own duration a periodic scan waits before the next one, at least. */
    static final int SCAN_PACING = 20;

    private final EvpnAgent.Builder config;
    private final ScheduledExecutorService thread;
    /** The routing state to scan against; null before the first connection and once the agent is closed. */
    private final Supplier<RouteSync> routes;
    /** Runs on the agent's thread at the end of a scan: sends what it queued and publishes the status. */
    private final Runnable afterScan;

    /** Segments to rescan in full (a neighbour changed, or too many MACs were noted). */
    private final Set<Integer> dirty = ConcurrentHashMap.newKeySet();
    /** MACs the forwarding table reported, to rescan one by one; at most {@link #MAX_DIRTY_MACS}. */
    private final Set<MacKey> dirtyMacs = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean scanQueued = new AtomicBoolean();
    /** How long the last rescan of dirty segments took; the next one waits at least twice that. */
    private volatile long lastScanNanos;
    /** Written on the agent's thread; read by tests. */
    private volatile long segmentScans;

    LocalScanner(
            EvpnAgent.Builder config, ScheduledExecutorService thread, Supplier<RouteSync> routes, Runnable afterScan) {
        this.config = config;
        this.thread = thread;
        this.routes = routes;
        this.afterScan = afterScan;
    }

    FdbListener fdbListener() {
        return new FdbListener() {
            @Override
            public void learned(int vni, long mac, Location location) {
                touch(vni, mac);
            }

            @Override
            public void moved(int vni, long mac, Location from, Location to) {
                touch(vni, mac);
            }

            @Override
            public void aged(int vni, long mac, Location location) {
                touch(vni, mac);
            }

            @Override
            public void evicted(int vni, long mac, Location location) {
                touch(vni, mac);
            }

            @Override
            public void removed(int vni, long mac, Location location) {
                touch(vni, mac); // replaced by a remote route's entry, or removed: no longer ours to advertise
            }

            @Override
            public void flushed(int vni, Location where) {
                if (vni >= 0) {
                    touch(vni); // a segment's entries went in bulk: read it again
                } else {
                    config.vnis.keySet().forEach(LocalScanner.this::touch);
                }
            }
        };
    }

    NeighborListener neighborListener() {
        return new NeighborListener() {
            @Override
            public void added(NeighborEntry entry) {
                touch(entry.vni());
            }

            @Override
            public void changed(NeighborEntry before, NeighborEntry after) {
                touch(after.vni());
            }

            @Override
            public void removed(NeighborEntry entry) {
                touch(entry.vni());
            }
        };
    }

    /**
     * From a data-plane thread: note the MAC and queue one rescan of the MACs noted (coalescing a burst of learns).
     * Past {@link #MAX_DIRTY_MACS} noted, the whole segment is rescanned instead.
     */
    private void touch(int vni, long mac) {
        if (!config.vnis.containsKey(vni)) {
            return;
        }
        if (dirtyMacs.size() < MAX_DIRTY_MACS) {
            dirtyMacs.add(new MacKey(vni, mac));
        } else {
            dirty.add(vni);
        }
        queueScan();
    }

    /** From a data-plane thread: note the segment and queue one rescan of it (coalescing a burst of changes). */
    private void touch(int vni) {
        if (config.vnis.containsKey(vni)) {
            dirty.add(vni);
            queueScan();
        }
    }

    private void queueScan() {
        if (scanQueued.compareAndSet(false, true)) {
            try {
                // A rescan may read a whole segment: during a burst of changes it runs at most a third of the time.
                long delay = Math.max(TimeUnit.MILLISECONDS.toNanos(10), 2 * lastScanNanos);
                thread.schedule(this::scanDirty, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                scanQueued.set(false); // closed
            }
        }
    }

    /** Schedules the first periodic scan, one {@link EvpnAgent.Builder#scanInterval} from now. */
    void start() {
        thread.schedule(this::periodicScan, config.scanInterval.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void scanDirty() {
        long t0 = System.nanoTime();
        scanQueued.set(false);
        Set<Integer> full = new HashSet<>();
        for (Integer vni : List.copyOf(dirty)) {
            dirty.remove(vni);
            full.add(vni);
            scan(vni);
        }
        Map<Integer, List<Long>> macs = new HashMap<>();
        for (Iterator<MacKey> it = dirtyMacs.iterator(); it.hasNext(); ) {
            MacKey k = it.next();
            it.remove();
            if (!full.contains(k.vni())) {
                macs.computeIfAbsent(k.vni(), v -> new ArrayList<>()).add(k.mac());
            }
        }
        RouteSync s = routes.get();
        if (s != null) {
            macs.forEach((vni, some) -> {
                RemoteRib.Touched touched = new RemoteRib.Touched();
                s.advertiser.scanMacs(vni, some, s.rib, touched);
                s.installer.apply(touched, s.rib, s.advertiser);
            });
        }
        afterScan.run();
        lastScanNanos = System.nanoTime() - t0;
    }

    /**
     * The delay before the next periodic scan: {@code interval}, or {@value #SCAN_PACING} times the last scan's
     * duration if that is longer. A scan reads every entry of every segment (30-40 ms per 100,000 entries on an idle
     * 2-CPU machine, several times that under load): paced, it takes at most about 5 % of a CPU.
     */
    static long nextScanNanos(Duration interval, long lastScanNanos) {
        return Math.max(interval.toNanos(), SCAN_PACING * lastScanNanos);
    }

    private void periodicScan() {
        long t0 = System.nanoTime();
        try {
            scanAll();
        } finally {
            long next = nextScanNanos(config.scanInterval, System.nanoTime() - t0);
            try {
                thread.schedule(this::periodicScan, next, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // closed: nothing to do
            }
        }
    }

    private void scanAll() {
        RouteSync s = routes.get();
        if (s != null) {
            RemoteRib.Touched thawed = new RemoteRib.Touched();
            thawed.macs.addAll(s.mobility.thaw()); // freezes that ran out: BGP's say applies again
            s.installer.apply(thawed, s.rib, s.advertiser);
            s.advertiser.segments().forEach(this::scan);
            afterScan.run();
        }
    }

    private void scan(int vni) {
        RouteSync s = routes.get();
        if (s == null) {
            return;
        }
        segmentScans++;
        RemoteRib.Touched touched = new RemoteRib.Touched();
        s.advertiser.scan(vni, s.rib, touched);
        s.installer.apply(touched, s.rib, s.advertiser);
    }

    /** How often a whole segment was compared with what we advertise; for tests. */
    long segmentScans() {
        return segmentScans;
    }
}
