package io.vtep4j.evpn;

import io.vtep4j.Vtep;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.evpn.internal.gobgp.Global;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.learning.FdbListener;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.NeighborListener;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent's connection state machine: connect (with backoff), subscribe, reconcile with a snapshot, follow the
 * stream, re-sync periodically, keep routes through a grace period when the stream drops, and publish the status.
 * The paths each task queues go out through the {@link Outbox}; when the local side is rescanned is the
 * {@link LocalScanner}'s job.
 *
 * <p>Threading: all of the state machine runs on the agent's one thread; {@link #status()}, {@link #installed} and
 * the listeners may be called from any thread.
 */
final class AgentLoop {

    private final EvpnAgent.Builder config;
    private final ScheduledExecutorService thread;
    private final GobgpClient client;
    private final PathSender sender;
    private final Outbox outbox;
    private final LocalScanner scanner;
    /** Guards {@link #started} and {@link #shut}: a start and a close never overlap. */
    private final Object lifecycle = new Object();

    private boolean started;
    /** Set first thing by {@link #close()}: from then on {@link #start} refuses, before it touches the VTEP. */
    private boolean shut;

    private volatile EvpnStatus status;

    // Owned by the agent's thread (installer and vtep are also read by installed()).
    private volatile Vtep vtep;
    private InetAddress self;
    private RemoteRib rib;
    private volatile Installer installer;
    private Advertiser advertiser;
    private MacMobility mobility;
    private RouteSync sync;
    /** Written on the agent's thread; read by {@link #publish()} and {@link #close()}. */
    private volatile long duplicates;
    /** Written on the agent's thread; read by {@link #close()}. */
    private volatile long refused;

    private GobgpClient.Watch watch;

    private int generation;
    private boolean connected;
    private boolean closed;
    private final Backoff backoff;
    private ScheduledFuture<?> graceTimer;
    private long connects;
    private long resyncs;
    private boolean resyncQueued;
    private volatile int graceRuns;

    private String lastError;

    AgentLoop(EvpnAgent.Builder config) {
        this.config = config;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vtep4j-evpn");
            t.setDaemon(true);
            return t;
        });
        this.client = new GobgpClient(config.host, config.port, config.deadline);
        this.sender = new PathSender(client::send, config.retryMin, config.retryMax, () -> run(this::publish));
        this.outbox = new Outbox(sender, () -> connected);
        this.scanner = new LocalScanner(config, thread, () -> closed ? null : sync, () -> {
            outbox.flush();
            publish();
        });
        this.backoff = new Backoff(config.retryMin, config.retryMax);
        this.status = new EvpnStatus(EvpnStatus.State.CONNECTING, 0, 0, 0, 0, 0, 0, 0, 0, 0, null);
    }

    FdbListener listener() {
        return scanner.fdbListener();
    }

    NeighborListener neighborListener() {
        return scanner.neighborListener();
    }

    void start(Vtep v) {
        if (v.encapsulation() != Encapsulation.VXLAN) {
            throw new IllegalArgumentException(
                    "vtep encapsulation: " + v.encapsulation() + " (expected: VXLAN, RFC 8365)");
        }
        synchronized (lifecycle) {
            if (shut) {
                throw new IllegalStateException("EVPN agent: closed (expected: start before close)");
            }
            if (started) {
                throw new IllegalStateException("EVPN agent: already started (expected: start once)");
            }
            started = true;
            for (int vni : config.vnis.keySet()) {
                v.segment(vni).learnFromUnderlay(config.learnFromUnderlay); // EVPN mode unless asked otherwise
            }
            thread.execute(() -> {
                vtep = v;
                self = config.vtepAddress != null
                        ? config.vtepAddress
                        : v.boundAddresses().get(0).getAddress();
                connect();
            });
            scanner.start();
            long resync = config.resyncInterval.toMillis();
            thread.scheduleWithFixedDelay(this::resync, resync, resync, TimeUnit.MILLISECONDS);
        }
    }

    private void connect() {
        if (closed) {
            return;
        }
        int gen = ++generation;
        try {
            client.resetConnectBackoff(); // our backoff decides when to try, not the channel's
            Global global = client.global();
            if (sync == null) {
                sync = RouteSync.create(config, vtep, self, global, outbox);
                rib = sync.rib;
                mobility = sync.mobility;
                installer = sync.installer;
                advertiser = sync.advertiser;
            }
            // Subscribe first and wait until gobgpd confirms the watch, then take the snapshot: a route that changes
            // after the confirmation is in the stream, one that changed before is in the snapshot. The stream's
            // messages are queued behind this task and applied after the snapshot, in order; each carries a
            // destination's newest state, so replaying one the snapshot already holds changes nothing in the end.
            watch = client.watch(paths -> run(() -> onPaths(gen, paths)), error -> run(() -> onStreamEnd(gen, error)));
            List<Path> snapshot = client.listEvpn();
            connected = true; // before re-advertising: the outbox takes paths only when connected
            sync.reconcile(snapshot, gen, false);
            advertiser.advertiseAll();
            outbox.flush();
            connects++;
            backoff.reset();
            lastError = null;
        } catch (RuntimeException e) {
            connected = false;
            lastError = describe(e);
            if (watch != null) {
                watch.cancel();
                watch = null;
            }
            startGraceTimer();
            thread.schedule(this::connect, backoff.next().toMillis(), TimeUnit.MILLISECONDS);
        }
        publish();
    }

    /**
     * The safety net: every {@link EvpnAgent.Builder#resyncInterval} the whole EVPN table is read again and reconciled
     * as a full snapshot, so a change lost on the way in or out is repaired. Skipped while paths are still on their
     * way to GoBGP (a snapshot would lack them, and reading a large table costs GoBGP as much as a burst): a failed
     * send is repaired by the sender itself, and the next interval takes the snapshot. A snapshot that fails is tried
     * again after {@code retryMax}.
     */
    private void resync() {
        resyncQueued = false;
        if (!connected || closed || !sender.idle()) {
            return;
        }
        try {
            sync.reconcile(client.listEvpn(), generation, true);
            resyncs++;
        } catch (RuntimeException e) {
            lastError = describe(e); // the stream's end (if the daemon went away) starts a reconnection
            resyncSoon();
        }
        outbox.flush();
        publish();
    }

    private void resyncSoon() {
        if (!resyncQueued) {
            resyncQueued = true;
            thread.schedule(this::resync, config.retryMax.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void onPaths(int gen, List<Path> paths) {
        if (gen != generation || !connected) {
            return;
        }
        sync.apply(paths, gen);
        outbox.flush();
        publish();
        watch.next();
    }

    private void onStreamEnd(int gen, Throwable error) {
        if (gen != generation || closed) {
            return;
        }
        connected = false;
        lastError = describe(error);
        watch = null;
        startGraceTimer();
        thread.schedule(this::connect, backoff.next().toMillis(), TimeUnit.MILLISECONDS);
        publish();
    }

    /** After the grace period, routes not confirmed by a newer connection are flushed. */
    private void startGraceTimer() {
        if (graceTimer != null || rib == null) {
            return;
        }
        graceTimer = thread.schedule(
                () -> {
                    graceTimer = null;
                    graceRuns++;
                    RemoteRib.Touched touched = new RemoteRib.Touched();
                    rib.removeOlderThan(connected ? generation : generation + 1, touched);
                    installer.apply(touched, rib, advertiser);
                    outbox.flush();
                    publish();
                },
                config.grace.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void run(Runnable task) {
        try {
            thread.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing to do
        }
    }

    private long duplicates() {
        if (mobility != null) {
            duplicates = mobility.duplicates();
        }
        return duplicates;
    }

    private long refused() {
        if (rib != null) {
            refused = rib.refused() + installer.refused();
        }
        return refused;
    }

    private void publish() {
        status = new EvpnStatus(
                closed
                        ? EvpnStatus.State.CLOSED
                        : connected
                                ? EvpnStatus.State.CONNECTED
                                : connects == 0 ? EvpnStatus.State.CONNECTING : EvpnStatus.State.DISCONNECTED,
                rib == null ? 0 : rib.size(),
                advertiser == null ? 0 : advertiser.size(),
                installer == null ? 0 : installer.macs(),
                installer == null ? 0 : installer.floodTargets(),
                connects,
                sync == null ? 0 : sync.ignored,
                refused(),
                resyncs,
                duplicates(),
                lastError != null ? lastError : sender.lastFailure());
    }

    /** How often a whole segment was compared with what we advertise; for tests. */
    long segmentScans() {
        return scanner.segmentScans();
    }

    /** How often a grace period ended (and flushed what no newer connection confirmed); for tests. */
    int graceRuns() {
        return graceRuns;
    }

    /** Addresses from remote routes not bound (local wins, or the neighbour table was full); for tests. */
    long hostBindingsRefused() {
        Installer i = installer;
        return i == null ? 0 : i.hosts.refused();
    }

    EvpnStatus status() {
        return status;
    }

    boolean installed(int vni, long mac, Location where) {
        Installer i = installer;
        return i != null
                && i.isInstalled(new MacKey(vni, mac), where)
                && where.equals(vtep.forwardingTable().lookup(vni, mac));
    }

    private <T> T call(java.util.concurrent.Callable<T> task) {
        try {
            return thread.submit(task).get(config.deadline.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException | java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("EVPN agent did not answer: " + e, e);
        }
    }

    void close() {
        synchronized (lifecycle) {
            shut = true; // a start that got the lock first has finished handing its work to the thread
        }
        if (!thread.isShutdown()) {
            try {
                call(() -> {
                    if (advertiser != null) {
                        advertiser.withdrawAll();
                        outbox.flush();
                        if (!sender.awaitIdle(config.deadline)) {
                            lastError = "withdrawals not all taken by gobgpd within " + config.deadline;
                        }
                    }
                    closed = true;
                    connected = false;
                    if (watch != null) {
                        watch.cancel();
                    }
                    if (installer != null) {
                        installer.flushAll();
                    }
                    publish();
                    return null;
                });
            } catch (IllegalStateException e) {
                lastError = e.getMessage();
            }
            thread.shutdownNow();
        }
        sender.close();
        client.close();
        status = new EvpnStatus(
                EvpnStatus.State.CLOSED, 0, 0, 0, 0, connects, 0, refused, resyncs, duplicates(), lastError);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        return m != null ? m : e.getClass().getSimpleName();
    }
}
