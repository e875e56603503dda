package io.vtep4j.evpn;

import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.vtep4j.evpn.internal.gobgp.AddPathStreamRequest;
import io.vtep4j.evpn.internal.gobgp.Destination;
import io.vtep4j.evpn.internal.gobgp.GetBgpRequest;
import io.vtep4j.evpn.internal.gobgp.GetBgpResponse;
import io.vtep4j.evpn.internal.gobgp.Global;
import io.vtep4j.evpn.internal.gobgp.GobgpApiGrpc;
import io.vtep4j.evpn.internal.gobgp.ListPathRequest;
import io.vtep4j.evpn.internal.gobgp.ListPathResponse;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.evpn.internal.gobgp.WatchEventRequest;
import io.vtep4j.evpn.internal.gobgp.WatchEventResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A stand-in for gobgpd's gRPC API on 127.0.0.1, enough for the agent: one global table keyed by NLRI, best-path
 * watch streams, ListPath, AddPathStream and GetBgp. Like the real daemon, a watch is registered concurrently with
 * other calls: here a new watch is registered when the next ListPath has been answered, or after {@link
 * #REGISTER_LATE_MS}, whichever comes first, and only then does it see table changes (and, when it asked for peer
 * events, receive END_OF_INIT). A restart ({@link #stop()}, {@link #start()}) comes up with an empty table on the same
 * port. Thread-safe.
 */
final class FakeGobgpd implements AutoCloseable {

    /** How long a watch waits for a ListPath before it is registered anyway. */
    static final long REGISTER_LATE_MS = 300;

    /** How long a (re)start waits for its port to be free. */
    static final long BIND_WAIT_MS = 10_000;

    final int port;
    private final Map<ByteString, Path> table = new ConcurrentHashMap<>();
    private final List<Watcher> pending = new CopyOnWriteArrayList<>();
    private final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    /** The server's own threads, named "fake-gobgpd", so that a measurement tells them from the agent's gRPC. */
    private final NioEventLoopGroup loop = new NioEventLoopGroup(1, new DefaultThreadFactory("fake-gobgpd", true));

    private final java.util.concurrent.ExecutorService calls =
            Executors.newCachedThreadPool(new DefaultThreadFactory("fake-gobgpd-call", true));
    /** Runs once per ListPath, right after the snapshot was sent: a route may arrive there. */
    volatile Runnable afterList = () -> {};
    /** AddPathStream fails (UNAVAILABLE) after taking this many paths in one call; negative: never. */
    volatile int failAddPathAfter = -1;
    /** The next this many table changes reach no watch (an event lost on the way). */
    volatile int dropNextEvents;

    final AtomicInteger lists = new AtomicInteger();
    /** Paths taken from the agent through AddPathStream (additions and withdrawals). */
    final AtomicInteger taken = new AtomicInteger();

    final AtomicInteger watches = new AtomicInteger();
    /** Binds of the port that failed and were tried again. */
    final AtomicInteger bindsRefused = new AtomicInteger();

    private Server server;

    FakeGobgpd() {
        this.port = freePortOutsideEphemeral();
    }

    /**
     * A free loopback port outside the kernel's ephemeral range, when the range leaves one. The daemon restarts on the
     * same port while the agent keeps reconnecting; an ephemeral port could meanwhile become the local port of one of
     * those connection attempts (a TCP connection to itself on loopback), and the restart could not bind it. Where the
     * range covers every unprivileged port, {@link #start()} still waits, bounded, for such a connection to go.
     */
    private static int freePortOutsideEphemeral() {
        int low = 32768;
        int high = 60999;
        try {
            String[] range = java.nio.file.Files.readString(
                            java.nio.file.Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                    .trim()
                    .split("\\s+");
            low = Integer.parseInt(range[0]);
            high = Integer.parseInt(range[1]);
        } catch (IOException | RuntimeException e) {
            // keep the usual default
        }
        int belowFrom = 1024;
        int below = Math.max(0, low - belowFrom);
        int above = Math.max(0, 65535 - high);
        java.util.SplittableRandom random = new java.util.SplittableRandom();
        for (int attempt = 0; attempt < 200 && below + above > 0; attempt++) {
            int pick = random.nextInt(below + above);
            int candidate = pick < below ? belowFrom + pick : high + 1 + (pick - below);
            try (ServerSocket s = new ServerSocket(candidate, 1, java.net.InetAddress.getLoopbackAddress())) {
                return candidate;
            } catch (IOException taken) {
                // try another
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The API address for {@code EvpnAgent.Builder.gobgp}. */
    String api() {
        return "127.0.0.1:" + port;
    }

    /**
     * Starts the daemon on its port. A restart may find the port still held for a moment: NIO closes the stopped
     * server's listening socket only when its event loop next polls, and on a busy machine that thread may not have
     * run yet; or an agent's connection to itself holds it (see {@link #freePortOutsideEphemeral()}). The bind is
     * tried again for up to {@link #BIND_WAIT_MS}.
     */
    synchronized FakeGobgpd start() {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BIND_WAIT_MS);
        for (int attempt = 1; ; attempt++) {
            try {
                server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                        .bossEventLoopGroup(loop)
                        .workerEventLoopGroup(loop)
                        .channelType(NioServerSocketChannel.class)
                        .executor(calls)
                        .addService(new Api())
                        .build()
                        .start();
                return this;
            } catch (IOException e) {
                bindsRefused.incrementAndGet();
                if (System.nanoTime() - deadline >= 0) {
                    throw new UncheckedIOException(
                            "port " + port + " still taken after " + attempt + " binds in " + BIND_WAIT_MS + " ms", e);
                }
                java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
    }

    /** Stops the daemon: every stream breaks, the table is gone. */
    synchronized void stop() {
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            server = null;
        }
        pending.clear();
        watchers.clear();
        table.clear();
    }

    /** Empties the table without telling anyone (a measurement's way to leave only the agent's memory). */
    void forget() {
        table.clear();
    }

    /** Breaks every watch stream (UNAVAILABLE) but keeps running. */
    void dropWatches() {
        for (Watcher w : watchers) {
            w.fail();
        }
        watchers.clear();
    }

    /** A path from a BGP peer at {@code neighbor} enters the table (or leaves it, for a withdrawal). */
    void receive(Path path, String neighbor) {
        change(path.toBuilder().setNeighborIp(neighbor).build());
    }

    /**
     * Paths from a BGP peer at {@code neighbor} enter the table, reaching each watch {@code perEvent} to a table event
     * (gobgpd, too, sends several best-path changes in one event).
     */
    void receiveAll(List<Path> paths, String neighbor, int perEvent) {
        for (int i = 0; i < paths.size(); i += perEvent) {
            WatchEventResponse.TableEvent.Builder event = WatchEventResponse.TableEvent.newBuilder();
            synchronized (table) {
                for (Path p : paths.subList(i, Math.min(paths.size(), i + perEvent))) {
                    Path best =
                            p.toBuilder().setNeighborIp(neighbor).setBest(true).build();
                    table.put(best.getNlri().toByteString(), best);
                    event.addPaths(best);
                }
                WatchEventResponse r =
                        WatchEventResponse.newBuilder().setTable(event).build();
                for (Watcher w : watchers) {
                    w.send(r);
                }
            }
        }
    }

    /** The paths the agent added, as the table holds them now. */
    List<Path> local() {
        return paths(p -> p.getNeighborIp().isEmpty());
    }

    List<Path> paths(Predicate<Path> which) {
        List<Path> out = new ArrayList<>();
        for (Path p : table.values()) {
            if (which.test(p)) {
                out.add(p);
            }
        }
        return out;
    }

    private void change(Path p) {
        changeAll(List.of(p));
    }

    /** Applies {@code paths} in order; their changes reach each watch in one table event. */
    private void changeAll(List<Path> paths) {
        WatchEventResponse.TableEvent.Builder event = WatchEventResponse.TableEvent.newBuilder();
        synchronized (table) {
            for (Path p : paths) {
                ByteString key = p.getNlri().toByteString();
                Path best = p.toBuilder().setBest(!p.getIsWithdraw()).build();
                if (p.getIsWithdraw()) {
                    if (table.remove(key) == null) {
                        continue;
                    }
                } else {
                    table.put(key, best);
                }
                if (dropNextEvents > 0) {
                    dropNextEvents--;
                    continue;
                }
                event.addPaths(best);
            }
            if (event.getPathsCount() > 0) {
                WatchEventResponse r =
                        WatchEventResponse.newBuilder().setTable(event).build();
                for (Watcher w : watchers) {
                    w.send(r);
                }
            }
        }
    }

    private void registerPending() {
        synchronized (table) {
            for (Watcher w : pending) {
                if (pending.remove(w)) {
                    watchers.add(w);
                    if (w.peerEvents) {
                        w.send(WatchEventResponse.newBuilder()
                                .setPeer(WatchEventResponse.PeerEvent.newBuilder()
                                        .setType(WatchEventResponse.PeerEvent.Type.END_OF_INIT))
                                .build());
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        stop();
        timer.shutdownNow();
        calls.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private static final class Watcher {
        final ServerCallStreamObserver<WatchEventResponse> out;
        final boolean peerEvents;

        Watcher(StreamObserver<WatchEventResponse> out, boolean peerEvents) {
            this.out = (ServerCallStreamObserver<WatchEventResponse>) out;
            this.peerEvents = peerEvents;
        }

        synchronized void send(WatchEventResponse r) {
            if (!out.isCancelled()) {
                out.onNext(r);
            }
        }

        synchronized void fail() {
            if (!out.isCancelled()) {
                out.onError(Status.UNAVAILABLE.withDescription("watch dropped").asRuntimeException());
            }
        }
    }

    private final class Api extends GobgpApiGrpc.GobgpApiImplBase {
        @Override
        public void getBgp(GetBgpRequest request, StreamObserver<GetBgpResponse> out) {
            out.onNext(GetBgpResponse.newBuilder()
                    .setGlobal(Global.newBuilder().setAsn(65000).setRouterId("127.0.0.1"))
                    .build());
            out.onCompleted();
        }

        @Override
        public void watchEvent(WatchEventRequest request, StreamObserver<WatchEventResponse> out) {
            Watcher w = new Watcher(out, request.hasPeer());
            watches.incrementAndGet();
            pending.add(w);
            timer.schedule(FakeGobgpd.this::registerPending, REGISTER_LATE_MS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void listPath(ListPathRequest request, StreamObserver<ListPathResponse> out) {
            List<Path> snapshot = new ArrayList<>(table.values());
            for (Path p : snapshot) {
                out.onNext(ListPathResponse.newBuilder()
                        .setDestination(Destination.newBuilder().addPaths(p))
                        .build());
            }
            out.onCompleted();
            lists.incrementAndGet();
            afterList.run();
            registerPending();
        }

        @Override
        public StreamObserver<AddPathStreamRequest> addPathStream(StreamObserver<Empty> out) {
            return new StreamObserver<>() {
                private int taken;
                private boolean failed;

                @Override
                public void onNext(AddPathStreamRequest request) {
                    // One message's paths reach the watches in one table event (gobgpd, too, sends several changes per
                    // event).
                    List<Path> took = new ArrayList<>();
                    for (Path p : request.getPathsList()) {
                        if (failed) {
                            break;
                        }
                        int limit = failAddPathAfter;
                        if (limit >= 0 && taken >= limit) {
                            failed = true;
                            out.onError(Status.UNAVAILABLE
                                    .withDescription("took " + taken + " paths")
                                    .asRuntimeException());
                            break;
                        }
                        took.add(p.toBuilder().setNeighborIp("").build());
                        taken++;
                    }
                    changeAll(took);
                    FakeGobgpd.this.taken.addAndGet(took.size());
                }

                @Override
                public void onError(Throwable t) {}

                @Override
                public void onCompleted() {
                    if (!failed) {
                        out.onNext(Empty.getDefaultInstance());
                        out.onCompleted();
                    }
                }
            };
        }
    }
}
