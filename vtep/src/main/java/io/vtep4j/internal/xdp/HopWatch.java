package io.vtep4j.internal.xdp;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the Ethernet address of each remote VTEP's next hop for a kernel-side program's hop map: a thread of its own
 * asks the kernel's route and neighbour tables ({@link RouteNeighbors}) for a remote as soon as it is added, and for
 * all of them again every {@value #REFRESH_MILLIS} ms, and hands each answer to the owner's {@link Sink} (a MAC, or
 * a removal when the kernel has none). At most {@value #MAX_REMOTES} remotes are followed; more are refused.
 *
 * <p>Thread-safe: {@link #add} from any thread.
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

    private final Set<Integer> remotes = ConcurrentHashMap.newKeySet();
    private final LinkedBlockingQueue<Integer> fresh = new LinkedBlockingQueue<>(MAX_REMOTES);
    private final Thread thread;

    private HopWatch(RouteNeighbors neighbours, Sink sink, String name) {
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
     * Follows remote {@code address} (IPv4, network order in the int) from now on; true if followed already or now,
     * false if refused (the limit reached).
     */
    boolean add(int address) {
        if (remotes.contains(address)) {
            return true;
        }
        if (remotes.size() >= MAX_REMOTES || !remotes.add(address)) {
            return remotes.contains(address);
        }
        return fresh.offer(address);
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
