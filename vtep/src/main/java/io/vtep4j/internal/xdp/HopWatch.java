package io.vtep4j.internal.xdp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the Ethernet address of each remote VTEP's next hop for a kernel-side program's hop map: a thread of its own
 * asks the kernel's route and neighbour tables ({@link RouteNeighbors}) for a remote as soon as it is added, and for
 * all of them again every {@value #REFRESH_MILLIS} ms, and hands each answer to the owner's {@link Sink} (a MAC, or
 * a removal when the kernel has none). A remote is followed while one of the owner's MACs is at it: the owner
 * {@link #add adds} one per MAC and {@link #release releases} it when the MAC leaves, so remotes that traffic named
 * once (or a sender made up) do not stay. At most {@value #MAX_REMOTES} remotes are followed at once; more are
 * refused until some are released.
 *
 * <p>Thread-safe.
 */
final class HopWatch implements AutoCloseable {
    /** The most remote VTEPs whose next hops are kept. */
    static final int MAX_REMOTES = 4096;

    /** How often every next hop is looked up again. */
    static final int REFRESH_MILLIS = 1000;

    /** Receives next hops: {@code mac} in the low 48 bits, or negative when the kernel has none for {@code address}. */
    interface Sink {
        void nextHop(int address, long mac);
    }

    /** The followed remotes, for the thread; {@link #uses} says how many MACs keep each. */
    private final Set<Integer> remotes = ConcurrentHashMap.newKeySet();

    private final Map<Integer, Integer> uses = new HashMap<>();
    private final LinkedBlockingQueue<Integer> fresh = new LinkedBlockingQueue<>(MAX_REMOTES);
    private final Thread thread;
    private final RouteNeighbors neighbours;

    HopWatch(RouteNeighbors neighbours, Sink sink, String name) { // not started: {@link #start} starts one
        this.neighbours = neighbours;
        thread = new Thread(() -> run(neighbours, sink), name);
        thread.setDaemon(true);
    }

    /** Starts following next hops reached through interface {@code ifindex}, on a thread called {@code name}. */
    static HopWatch start(int ifindex, Sink sink, String name) throws IOException {
        HopWatch watch = new HopWatch(RouteNeighbors.open(ifindex), sink, name);
        watch.thread.start();
        return watch;
    }

    /**
     * One more MAC at remote {@code address} (IPv4, network order in the int): followed from now on if it was not;
     * false if refused ({@value #MAX_REMOTES} others followed).
     */
    synchronized boolean add(int address) {
        Integer n = uses.get(address);
        if (n != null) {
            uses.put(address, n + 1);
            return true;
        }
        if (uses.size() >= MAX_REMOTES) {
            return false;
        }
        uses.put(address, 1);
        remotes.add(address);
        fresh.offer(address); // when full, the next round of all remotes takes it
        return true;
    }

    /** One MAC fewer at {@code address}; true when it was the last, and the remote is no longer followed. */
    synchronized boolean release(int address) {
        Integer n = uses.get(address);
        if (n == null) {
            return false;
        }
        if (n > 1) {
            uses.put(address, n - 1);
            return false;
        }
        uses.remove(address);
        remotes.remove(address);
        return true;
    }

    /** Stops following every remote (the owner removed all MACs); returns them. */
    synchronized List<Integer> releaseAll() {
        List<Integer> all = new ArrayList<>(uses.keySet());
        uses.clear();
        remotes.clear();
        return all;
    }

    /**
     * Follows next hops through interface {@code ifindex} from now on (the one given before went away, and an
     * interface took its place); returns the followed remotes, whose next hops through the old interface the owner
     * forgets before it asks for them again ({@link #lookAgain}).
     */
    List<Integer> moveTo(int ifindex) {
        neighbours.moveTo(ifindex);
        return new ArrayList<>(remotes);
    }

    /** Looks up every followed remote again at once. */
    void lookAgain() {
        for (int address : remotes) {
            fresh.offer(address); // when full, the next round of all remotes takes it
        }
    }

    /** Whether {@code address} is followed: an answer for one that is not is stale. */
    boolean follows(int address) {
        return remotes.contains(address);
    }

    private void run(RouteNeighbors neighbours, Sink sink) {
        try (neighbours) {
            long next = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                Integer added = fresh.poll(Math.max(0, next - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (added != null) {
                    resolve(neighbours, sink, added);
                    continue;
                }
                for (int address : remotes) {
                    resolve(neighbours, sink, address);
                }
                next = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(REFRESH_MILLIS);
            }
        } catch (InterruptedException closing) {
            // closed
        }
    }

    private static void resolve(RouteNeighbors neighbours, Sink sink, int address) {
        long answer = neighbours.resolve(address);
        sink.nextHop(address, answer < 0 ? -1 : answer & 0xFFFF_FFFF_FFFFL);
    }

    /** Stops the thread, waiting for it at most 5 s. */
    @Override
    public void close() {
        DecapOffload.stop(thread);
    }
}
