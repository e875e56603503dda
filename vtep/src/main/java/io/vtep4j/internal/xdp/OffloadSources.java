package io.vtep4j.internal.xdp;

import io.vtep4j.learning.FdbEntry;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keeps the kernel-side programs' MACs in step with a VTEP's forwarding table ({@link DecapOffload},
 * {@link EncapOffload}, {@link StitchOffload}): a MAC learned at, or moved to, a remote VTEP or a local port (a
 * VLAN gateway's trunk, a stitch port), or put there by the owner (a static or control-plane entry), is handed on
 * with where it is; once it ages, is evicted, frozen as a duplicate or removed, it is forgotten and its frames go to
 * the engine again.
 * Events before a target is set are dropped (the owner sets it before any segment exists).
 *
 * <p>The table reports its changes on the thread that made them, often an event loop forwarding frames; each map
 * change is a system call. So the listener only queues the change, and one thread of its own ("vtep4j-offload-maps")
 * applies the changes in order. The queue holds {@link #DEFAULT_CAPACITY} changes; when a burst of learning or
 * ageing overfills it, the thread starts over from the table itself: it empties the maps and puts back every learned
 * entry but the frozen ones the table then holds, so no change is lost, only delayed (counted in {@link #resyncs()}). It does the same
 * after the owner flushes entries in bulk, which the table reports once rather than entry by entry. Until a change is
 * applied, a MAC new to the table is the engine's, and one gone from it may still be forwarded by a program for that
 * long.
 *
 * <p>A MAC whose frames only the programs see is refreshed in the table every so often from the programs' marks
 * (the owner's refresh task). Between two refreshes the table may age a MAC that has just become active again;
 * when the programs marked it since the last refresh, it is learned again where it was instead of forgotten, so an
 * active MAC never leaves the kernel's path (nor, forward, becomes a flood) for want of a refresh.
 */
public final class OffloadSources implements FdbListener, AutoCloseable {

    /** Changes queued before the thread starts over from the table. */
    public static final int DEFAULT_CAPACITY = 65_536;

    /** Where the MACs go: the programs' maps. Called on the thread of this class only. */
    public interface Target {
        /** {@code mac} is at remote VTEP {@code remote}. */
        void learned(int vni, long mac, InetAddress remote);

        /** {@code mac} is on a local port (the owner's programs serve one per segment). */
        void learnedLocal(int vni, long mac);

        /** The table no longer has {@code mac}. */
        void forget(int vni, long mac);

        /** Whether a program has forwarded frames from {@code mac} since the table last refreshed it. */
        default boolean seen(int vni, long mac) {
            return false;
        }

        /** Removes every MAC from the maps, before they are filled again from the table. */
        default void clear() {}
    }

    private static final int LEARNED = 0;
    private static final int AGED = 1;
    private static final int GONE = 2;
    private static final int DUPLICATE = 3;

    private record Change(int kind, int vni, long mac, Location location) {}

    private final BlockingQueue<Change> queue;
    private final AtomicBoolean resync = new AtomicBoolean();
    /** Changes queued and not yet applied, plus one while a resync runs: 0 when the maps follow the table. */
    private final AtomicLong pending = new AtomicLong();

    private final LongAdder kept = new LongAdder();
    private final LongAdder resyncs = new LongAdder();
    private final LongAdder failures = new LongAdder();
    /** The one local port whose MACs are handed on as local, or null for every local port. */
    private final String localPort;

    private volatile Target target;
    private volatile ForwardingTable table;
    private volatile boolean closed;
    private Thread worker;

    public OffloadSources() {
        this(DEFAULT_CAPACITY, null);
    }

    /**
     * With room for {@code capacity} queued changes (at least 1). With a {@code localPort} name, only MACs on the
     * local port of that name are handed on as local; one on any other local port is forgotten, and its frames stay
     * with the engine. Null: every local port (a gateway's one trunk per segment).
     */
    public OffloadSources(int capacity, String localPort) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
        }
        queue = new ArrayBlockingQueue<>(capacity);
        this.localPort = localPort;
    }

    /**
     * Where the MACs go, and {@code table} (null: none), where a MAC aged while active is learned again and from which
     * the maps are filled after an overflow. Starts the thread; once only.
     */
    public synchronized void target(Target target, ForwardingTable table) {
        if (this.target != null) {
            throw new IllegalStateException("target: already set (expected: once)");
        }
        this.table = table;
        this.target = target;
        Thread t = new Thread(this::run, "vtep4j-offload-maps");
        t.setDaemon(true);
        worker = t;
        t.start();
    }

    /** MACs the table aged while the programs were forwarding their frames, learned again. */
    public long kept() {
        return kept.sum();
    }

    /** Times the maps were filled again from the table: the queue overflowed, or the owner flushed entries. */
    public long resyncs() {
        return resyncs.sum();
    }

    /** Map changes that threw (the maps keep their refusal counts; the MAC stays on whichever path it was). */
    public long failures() {
        return failures.sum();
    }

    /** Waits until every change so far is applied; false if that takes longer than {@code timeout}. */
    public boolean awaitApplied(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0 || resync.get()) {
            if (System.nanoTime() - end > 0) {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    @Override
    public void learned(int vni, long mac, Location location) {
        offer(LEARNED, vni, mac, location);
    }

    @Override
    public void moved(int vni, long mac, Location from, Location to) {
        offer(LEARNED, vni, mac, to);
    }

    @Override
    public void aged(int vni, long mac, Location location) {
        offer(AGED, vni, mac, location);
    }

    @Override
    public void evicted(int vni, long mac, Location location) {
        offer(GONE, vni, mac, location);
    }

    @Override
    public void duplicate(int vni, long mac, Location location) {
        offer(DUPLICATE, vni, mac, location);
    }

    @Override
    public void removed(int vni, long mac, Location location) {
        offer(GONE, vni, mac, location); // removed, or replaced by a static or control-plane entry
    }

    @Override
    public void installed(int vni, long mac, Location location) {
        offer(LEARNED, vni, mac, location); // static or control-plane: the engine forwards for it as for a learned one
    }

    /** The owner flushed entries in bulk, reported once: the thread fills the maps again from the table. */
    @Override
    public void flushed(int vni, Location where) {
        if (target != null && !closed) {
            resync.set(true);
        }
    }

    private void offer(int kind, int vni, long mac, Location location) {
        if (target == null || closed) {
            return;
        }
        pending.incrementAndGet();
        if (!queue.offer(new Change(kind, vni, mac, location))) {
            pending.decrementAndGet();
            resync.set(true); // the thread starts over from the table, which already has this change
        }
    }

    /** Stops the thread (changes still queued are dropped: the maps go with the programs). Idempotent. */
    @Override
    public void close() {
        closed = true;
        Thread t;
        synchronized (this) {
            t = worker;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        Target t = target;
        while (!closed) {
            try {
                if (resync.get()) {
                    resync(t);
                    continue;
                }
                Change c = queue.poll(100, TimeUnit.MILLISECONDS);
                if (c != null) {
                    try {
                        apply(t, c);
                    } finally {
                        pending.decrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                return; // closing
            } catch (RuntimeException e) {
                failures.increment(); // a map that refuses is the program's loss, not the thread's end
            }
        }
    }

    /**
     * With a table, the table says where the MAC is now, not the change: the changes of one MAC made on two threads
     * at once (an event loop learning, the control plane installing) may reach the queue in the other order. A frozen
     * duplicate is forgotten whatever the table holds: it stays with the engine.
     */
    private void apply(Target t, Change c) {
        if (c.kind == DUPLICATE) {
            t.forget(c.vni, c.mac);
            return;
        }
        if (c.kind == AGED && kept(t, c)) {
            return;
        }
        ForwardingTable tbl = table;
        Location now = tbl != null ? tbl.lookup(c.vni, c.mac) : c.kind == LEARNED ? c.location : null;
        if (now == null) {
            t.forget(c.vni, c.mac);
        } else {
            at(t, c.vni, c.mac, now);
        }
    }

    /** An aged MAC the programs marked since the last refresh, learned again where it was; true if the table has it. */
    private boolean kept(Target t, Change c) {
        ForwardingTable tbl = table;
        if (tbl == null || !t.seen(c.vni, c.mac)) {
            return false;
        }
        // from this thread: the table is thread-safe, and its learned event comes back through the queue
        if (tbl.lookup(c.vni, c.mac) == null) {
            tbl.learn(c.vni, c.mac, c.location);
        }
        if (tbl.lookup(c.vni, c.mac) != null) {
            kept.increment(); // the maps keep it meanwhile; a newer location's event wins as usual
            return true;
        }
        return false;
    }

    private void at(Target t, int vni, long mac, Location location) {
        if (location.isRemote()) {
            t.learned(vni, mac, location.address());
        } else if (localPort == null || localPort.equals(location.name())) {
            t.learnedLocal(vni, mac);
        } else {
            t.forget(vni, mac); // another local port: not the programs' to forward to or from
        }
    }

    /** Empties the queue and the maps, then puts back every learned entry the table holds now. */
    private void resync(Target t) {
        pending.incrementAndGet();
        try {
            resync.set(false);
            while (queue.poll() != null) {
                pending.decrementAndGet();
            }
            t.clear();
            ForwardingTable tbl = table;
            if (tbl != null) {
                for (FdbEntry e : tbl.entries()) {
                    if (e.type() != FdbEntry.Type.FROZEN) { // a frozen duplicate stays with the engine
                        at(t, e.vni(), e.mac(), e.location());
                    }
                }
            }
            resyncs.increment();
        } finally {
            pending.decrementAndGet();
        }
    }
}
