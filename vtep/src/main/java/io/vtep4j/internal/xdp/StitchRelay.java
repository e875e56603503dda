package io.vtep4j.internal.xdp;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What an owner of two stitched VTEPs needs beside the {@link StitchOffload} program: each VTEP's table events on
 * their way to the program's maps (an {@link OffloadSources} per VTEP, whose listener goes on that VTEP's builder),
 * and a task that refreshes, in both tables, the MACs the program relayed frames from, as their frames would have
 * done had the VTEPs seen them.
 *
 * <p>Use: {@link #listener(boolean)} on each VTEP's builder; once both VTEPs are built and before their segments
 * exist, {@link #start}; {@link #close} closes the program too. Static and control-plane entries reach the maps as
 * learned ones do.
 *
 * <p>The stitch port is named on each side: the maps take only MACs on that port as the stitch port's. A MAC on any
 * other local port of a stitched segment is kept out of the maps, so its frames go through the VTEP as usual.
 */
public final class StitchRelay implements AutoCloseable {
    private final OffloadSources toA;
    private final OffloadSources toB;
    private volatile StitchOffload offload;
    private ScheduledExecutorService timer;
    private boolean closed;

    /**
     * For two VTEPs whose stitch ports are the local ports named {@code portOnA} on VTEP A and {@code portOnB} on B.
     *
     * @throws NullPointerException naming the port not given
     */
    public StitchRelay(String portOnA, String portOnB) {
        toA = new OffloadSources(OffloadSources.DEFAULT_CAPACITY, Objects.requireNonNull(portOnA, "portOnA"));
        toB = new OffloadSources(OffloadSources.DEFAULT_CAPACITY, Objects.requireNonNull(portOnB, "portOnB"));
    }

    /** The listener to put on VTEP A's ({@code true}) or B's builder. */
    public FdbListener listener(boolean sideA) {
        return sideA ? toA : toB;
    }

    /**
     * Hands {@code offload}'s maps the events of tables {@code a} and {@code b} from now on, and every
     * {@code refresh} refreshes the entries the program relayed for; takes ownership of {@code offload}. Once only.
     *
     * @throws IllegalArgumentException if {@code refresh} is not 1 s to 1 h
     * @throws IllegalStateException if started before or closed ({@code offload} stays the caller's)
     */
    public synchronized void start(StitchOffload offload, ForwardingTable a, ForwardingTable b, Duration refresh) {
        Objects.requireNonNull(refresh, "refresh");
        if (refresh.compareTo(Duration.ofSeconds(1)) < 0 || refresh.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("refresh: " + refresh + " (expected: 1 s to 1 h)");
        }
        if (closed) {
            throw new IllegalStateException("start: closed (expected: before close)");
        }
        if (this.offload != null) {
            throw new IllegalStateException("start: already started (expected: once)");
        }
        Objects.requireNonNull(offload, "offload");
        Objects.requireNonNull(a, "a");
        Objects.requireNonNull(b, "b");
        this.offload = offload;
        toA.target(offload.side(true), a);
        toB.target(offload.side(false), b);
        timer = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("vtep4j-stitch-refresh", true));
        long period = refresh.toMillis();
        timer.scheduleAtFixedRate(
                () -> {
                    try {
                        offload.refreshHits(relearn(a), relearn(b));
                    } catch (RuntimeException e) {
                        // the next round tries again; a task that throws would end the schedule
                    }
                },
                period,
                period,
                TimeUnit.MILLISECONDS);
    }

    private static DecapOffload.Seen relearn(ForwardingTable table) {
        return (vni, mac) -> {
            Location where = table.lookup(vni, mac);
            if (where != null) {
                table.refresh(vni, mac, where); // only if still there: a move meanwhile stands
            }
        };
    }

    /** The program, once started, else null. */
    public StitchOffload offload() {
        return offload;
    }

    /** Times a queue overflowed and a side's maps were filled again from its table. */
    public long refills() {
        return toA.resyncs() + toB.resyncs();
    }

    /** Map changes that threw. */
    public long failures() {
        return toA.failures() + toB.failures();
    }

    /** Waits until both tables' changes so far are in the maps; false if that takes longer than {@code timeout}. */
    public boolean awaitApplied(Duration timeout) throws InterruptedException {
        return toA.awaitApplied(timeout) && toB.awaitApplied(timeout);
    }

    /** Stops the refresh and the queues' threads, then closes the program; keeps its last counts. Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService t;
        synchronized (this) {
            closed = true;
            t = timer;
        }
        if (t != null) {
            t.shutdownNow();
        }
        toA.close();
        toB.close();
        StitchOffload o = offload;
        if (o != null) {
            o.close();
        }
    }
}
