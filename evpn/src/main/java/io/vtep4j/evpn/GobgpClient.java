package io.vtep4j.evpn;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vtep4j.evpn.internal.gobgp.GetBgpRequest;
import io.vtep4j.evpn.internal.gobgp.Global;
import io.vtep4j.evpn.internal.gobgp.GobgpApiGrpc;
import io.vtep4j.evpn.internal.gobgp.ListPathRequest;
import io.vtep4j.evpn.internal.gobgp.ListPathResponse;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.evpn.internal.gobgp.TableType;
import io.vtep4j.evpn.internal.gobgp.WatchEventRequest;
import io.vtep4j.evpn.internal.gobgp.WatchEventResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The calls the agent makes on GoBGP's gRPC API (service {@code apipb.GobgpApi}), each unary call bounded by a
 * deadline. Thread-safe (gRPC channels and stubs are); the watch stream's callbacks run on gRPC's threads.
 */
final class GobgpClient implements AutoCloseable {

    /** Largest reply message accepted from gobgpd: 16 MiB (gRPC's default is 4 MiB). */
    static final int MAX_INBOUND_MESSAGE = 16 << 20;

    private final ManagedChannel channel;
    private final Duration deadline;

    GobgpClient(String host, int port, Duration deadline) {
        this.channel = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                // a restarted gobgpd must be found again quickly, not after gRPC's default 20 s connect backoff
                .enableRetry()
                // a watch event or a ListPath reply carries one destination, far below this; the bound is a guard
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE)
                .build();
        this.deadline = deadline;
    }

    private GobgpApiGrpc.GobgpApiBlockingStub blocking() {
        return GobgpApiGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The daemon's global configuration (AS number, router id); also the agent's liveness probe. */
    Global global() {
        return blocking()
                .withWaitForReady()
                .getBgp(GetBgpRequest.getDefaultInstance())
                .getGlobal();
    }

    /** Paths per message of {@link #send}: well under gRPC's default 4 MiB message limit. */
    static final int PATHS_PER_MESSAGE = 1000;

    /**
     * The channel forgets its reconnection backoff, so that the next call connects at once (the agent runs its own
     * backoff; gRPC's would otherwise add up to two minutes after a gobgpd restart).
     */
    void resetConnectBackoff() {
        channel.resetConnectBackoff();
    }

    /**
     * How long gobgpd may take for one message of {@link #PATHS_PER_MESSAGE} paths before {@link #send} gives up.
     * gobgpd 3.10 takes a type-2 path in time proportional to its whole EVPN table (to set the MAC mobility
     * community it reads the best path of every destination), about 0.2 to 1 µs per destination on one CPU, so a
     * message into a table of 100,000 routes needs minutes of CPU; on a loaded machine more. A send that timed out
     * is sent again in full, which only doubles gobgpd's work: the bound is for a daemon that stopped answering (one
     * that exited fails the call at once), not for a slow one.
     */
    static final Duration MESSAGE_ALLOWANCE = Duration.ofMinutes(10);

    /**
     * Adds and withdraws ({@code is_withdraw}) paths of the global table in order, in one client stream of a few
     * large messages (AddPathStream), and waits for gobgpd to take them all: one round trip for many routes. The
     * stream's deadline grows with its length: the call deadline plus {@link #MESSAGE_ALLOWANCE} per message of
     * {@link #PATHS_PER_MESSAGE} paths (gobgpd takes a message at a time, each in one step of its main loop).
     *
     * @throws io.grpc.StatusRuntimeException (or IllegalStateException on timeout) if gobgpd did not take them
     */
    void send(List<Path> paths) {
        int messages = (paths.size() + PATHS_PER_MESSAGE - 1) / PATHS_PER_MESSAGE;
        long limit = deadline.toMillis() + MESSAGE_ALLOWANCE.toMillis() * messages;
        CompletableFuture<Void> done = new CompletableFuture<>();
        io.grpc.stub.StreamObserver<io.vtep4j.evpn.internal.gobgp.AddPathStreamRequest> out = GobgpApiGrpc.newStub(
                        channel)
                .withDeadlineAfter(limit, TimeUnit.MILLISECONDS)
                .addPathStream(new io.grpc.stub.StreamObserver<com.google.protobuf.Empty>() {
                    @Override
                    public void onNext(com.google.protobuf.Empty value) {}

                    @Override
                    public void onError(Throwable t) {
                        done.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        done.complete(null);
                    }
                });
        for (int from = 0; from < paths.size(); from += PATHS_PER_MESSAGE) {
            out.onNext(io.vtep4j.evpn.internal.gobgp.AddPathStreamRequest.newBuilder()
                    .setTableType(TableType.GLOBAL)
                    .addAllPaths(paths.subList(from, Math.min(paths.size(), from + PATHS_PER_MESSAGE)))
                    .build());
        }
        out.onCompleted();
        await(done, limit + 1000, "gobgpd did not take " + paths.size() + " paths in time");
    }

    private static <T> T await(CompletableFuture<T> f, long millis, String timeoutMessage) {
        try {
            return f.get(millis, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(timeoutMessage, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Every EVPN path of the global table (all paths per destination, not only the best). */
    List<Path> listEvpn() {
        List<Path> all = new ArrayList<>();
        Iterator<ListPathResponse> it = GobgpApiGrpc.newBlockingStub(channel)
                .withDeadlineAfter(deadline.toMillis() * 4, TimeUnit.MILLISECONDS)
                .listPath(ListPathRequest.newBuilder()
                        .setTableType(TableType.GLOBAL)
                        .setFamily(RouteCodec.EVPN)
                        .build());
        while (it.hasNext()) {
            all.addAll(it.next().getDestination().getPathsList());
        }
        return all;
    }

    /**
     * Subscribes to best-path changes of the global table and returns once gobgpd has registered the watch, so that
     * every table change after the return reaches {@code onPaths} (a snapshot taken after it misses nothing). The
     * request also asks for peer events: gobgpd answers with END_OF_INIT in the same step that registers the
     * table watch, and that is the proof awaited here (at most the call deadline).
     *
     * <p>Messages are pulled one at a time: {@code onPaths} runs on a gRPC thread and must call the returned
     * handle's {@link Watch#next()} when the agent has taken the batch, so at most one batch waits in memory (the rest
     * waits in gobgpd). {@code onEnd} runs once when the stream ends or fails.
     *
     * @throws IllegalStateException or io.grpc.StatusRuntimeException if gobgpd did not confirm the watch in time
     */
    Watch watch(Consumer<List<Path>> onPaths, Consumer<Throwable> onEnd) {
        Watch watch = new Watch(onPaths, onEnd);
        GobgpApiGrpc.newStub(channel)
                .watchEvent(
                        WatchEventRequest.newBuilder()
                                .setPeer(WatchEventRequest.Peer.getDefaultInstance())
                                .setTable(WatchEventRequest.Table.newBuilder()
                                        .addFilters(WatchEventRequest.Table.Filter.newBuilder()
                                                .setType(WatchEventRequest.Table.Filter.Type.BEST)
                                                .setInit(false)))
                                .build(),
                        watch);
        try {
            await(watch.registered, deadline.toMillis(), "gobgpd did not confirm the watch within " + deadline);
        } catch (RuntimeException e) {
            watch.cancel();
            throw e;
        }
        return watch;
    }

    /** A running watch stream. */
    static final class Watch implements ClientResponseObserver<WatchEventRequest, WatchEventResponse> {
        private final Consumer<List<Path>> onPaths;
        private final Consumer<Throwable> onEnd;
        /** Completed by the END_OF_INIT peer event: the table watch is registered in gobgpd. */
        final CompletableFuture<Void> registered = new CompletableFuture<>();

        private volatile ClientCallStreamObserver<WatchEventRequest> call;

        private Watch(Consumer<List<Path>> onPaths, Consumer<Throwable> onEnd) {
            this.onPaths = onPaths;
            this.onEnd = onEnd;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchEventRequest> requestStream) {
            this.call = requestStream;
            requestStream.disableAutoRequestWithInitial(1);
        }

        @Override
        public void onNext(WatchEventResponse value) {
            if (value.hasTable()) {
                onPaths.accept(value.getTable().getPathsList());
                return;
            }
            if (value.hasPeer() && value.getPeer().getType() == WatchEventResponse.PeerEvent.Type.END_OF_INIT) {
                registered.complete(null);
            }
            next(); // peer events: nothing for the agent
        }

        @Override
        public void onError(Throwable t) {
            if (!registered.completeExceptionally(t)) {
                onEnd.accept(t);
            }
        }

        @Override
        public void onCompleted() {
            IllegalStateException ended = new IllegalStateException("gobgpd ended the watch stream");
            if (!registered.completeExceptionally(ended)) {
                onEnd.accept(ended);
            }
        }

        /** Asks for the next message. */
        void next() {
            ClientCallStreamObserver<WatchEventRequest> c = call;
            if (c != null) {
                c.request(1);
            }
        }

        /** Ends the stream from our side. */
        void cancel() {
            ClientCallStreamObserver<WatchEventRequest> c = call;
            if (c != null) {
                c.cancel("agent stopped watching", null);
            }
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
