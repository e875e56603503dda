package io.vtep4j.evpn;

import com.google.protobuf.Any;
import io.vtep4j.evpn.internal.gobgp.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Sends the agent's adds and withdrawals to GoBGP on a thread of its own, so that the agent's thread never waits for
 * GoBGP. GoBGP 3.10 takes a type-2 path in time proportional to its whole EVPN table (it looks for the MAC in every
 * destination to set the MAC mobility community), so a burst into a large table takes minutes; meanwhile the agent
 * goes on installing remote routes and scanning, and what it queues here is coalesced:
 *
 * <ul>
 *   <li>The queue holds one operation per destination (NLRI), the newest: a MAC added and withdrawn before its add
 *       went out costs one withdrawal, a route queued twice is sent once. Bound: one entry per destination we
 *       advertise or withdraw, so at most the forwarding table's entries plus one type-3 route per segment.
 *   <li>Operations go out in the order of their newest queuing, in calls of at most {@link #PATHS_PER_CALL} paths.
 *   <li>A call that fails is sent again (after a backoff of {@code retryMin} doubling up to {@code retryMax}) before
 *       anything queued after it, except destinations that meanwhile got a newer operation. Adds and withdrawals are
 *       idempotent in GoBGP, so re-sending what it took in part is harmless; no snapshot of GoBGP's table is needed.
 * </ul>
 *
 * <p>Thread-safe: {@link #offer} from any thread (the agent's); the calls run on the sender's thread.
 */
final class PathSender implements AutoCloseable {

    /** Where the paths go: one AddPathStream call that returns when GoBGP took them all, or throws. */
    interface Transport {
        void send(List<Path> paths);
    }

    /** Paths per call: one message of {@link GobgpClient#PATHS_PER_MESSAGE}, so a failure re-sends at most that many. */
    static final int PATHS_PER_CALL = GobgpClient.PATHS_PER_MESSAGE;

    private final Transport transport;
    private final Runnable onProgress;
    private final ScheduledExecutorService thread;

    // Guarded by this.
    private LinkedHashMap<Any, Path> queue = new LinkedHashMap<>();
    private boolean draining;
    private int inFlight;
    private final Backoff backoff;

    private volatile long sent;
    private volatile long failures;
    private volatile String lastFailure;

    /** {@code onProgress} runs on the sender's thread after every call, successful or not. */
    PathSender(Transport transport, Duration retryMin, Duration retryMax, Runnable onProgress) {
        this.transport = transport;
        this.onProgress = onProgress;
        this.backoff = new Backoff(retryMin, retryMax);
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vtep4j-evpn-send");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code paths} (adds, or withdrawals with {@code is_withdraw}) in order; returns at once. */
    void offer(List<Path> paths) {
        synchronized (this) {
            for (Path p : paths) {
                queue.remove(p.getNlri()); // the newest operation takes the place of its turn
                queue.put(p.getNlri(), p);
            }
            if (draining || queue.isEmpty()) {
                return;
            }
            draining = true;
        }
        execute(this::drain, 0);
    }

    private void drain() {
        while (true) {
            List<Path> batch = new ArrayList<>(PATHS_PER_CALL);
            synchronized (this) {
                Iterator<Path> it = queue.values().iterator();
                while (it.hasNext() && batch.size() < PATHS_PER_CALL) {
                    batch.add(it.next());
                    it.remove();
                }
                if (batch.isEmpty()) {
                    draining = false;
                    notifyAll();
                    return;
                }
                inFlight = batch.size();
            }
            try {
                transport.send(batch);
                sent += batch.size();
                lastFailure = null;
                synchronized (this) {
                    inFlight = 0;
                    backoff.reset();
                }
                onProgress.run();
            } catch (RuntimeException e) {
                failures++;
                lastFailure =
                        e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
                long delay;
                synchronized (this) {
                    requeueFirst(batch);
                    inFlight = 0;
                    delay = backoff.next().toMillis();
                }
                onProgress.run();
                execute(this::drain, delay);
                return;
            }
        }
    }

    /** Puts a failed batch back before everything queued after it, unless a destination has a newer operation. */
    private void requeueFirst(List<Path> batch) {
        LinkedHashMap<Any, Path> again = new LinkedHashMap<>();
        for (Path p : batch) {
            if (!queue.containsKey(p.getNlri())) {
                again.put(p.getNlri(), p);
            }
        }
        again.putAll(queue);
        queue = again;
    }

    private void execute(Runnable task, long delayMillis) {
        try {
            thread.schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                draining = false; // closed
                notifyAll();
            }
        }
    }

    /** Whether nothing is queued or in flight. */
    synchronized boolean idle() {
        return !draining && queue.isEmpty();
    }

    /** Paths queued or in flight. */
    synchronized int pending() {
        return queue.size() + inFlight;
    }

    /** Waits at most {@code limit} until everything queued went out (or failed once); true if idle. */
    synchronized boolean awaitIdle(Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!queue.isEmpty() || inFlight > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Paths GoBGP took. */
    long sent() {
        return sent;
    }

    /** Calls that failed (and were sent again). */
    long failures() {
        return failures;
    }

    /** The last call's failure, or null if none failed. */
    String lastFailure() {
        return lastFailure;
    }

    /** Stops the thread; what is still queued is dropped. */
    @Override
    public void close() {
        thread.shutdownNow();
    }

    /** For tests: the queued paths in sending order. */
    synchronized List<Path> queued() {
        return List.copyOf(queue.values());
    }
}
