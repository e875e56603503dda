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
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The calls the agent makes on GoBGP's gRPC API (service {@code apipb.GobgpApi}), each unary call bounded by a
 * deadline. Thread-safe (gRPC channels and stubs are); the watch stream's callbacks run on gRPC's threads.
 */
final class GobgpClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final Duration deadline;

    GobgpClient(String host, int port, Duration deadline) {
        this.channel = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                // a restarted gobgpd must be found again quickly, not after gRPC's default 20 s connect backoff
                .enableRetry()
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
    private static final int PATHS_PER_MESSAGE = 1000;

    /**
     * Adds and withdraws ({@code is_withdraw}) paths of the global table in order, in one client stream of a few
     * large messages (AddPathStream), and waits for gobgpd to take them all: one round trip for many routes.
     *
     * @throws io.grpc.StatusRuntimeException (or IllegalStateException on timeout) if gobgpd did not take them
     */
    void send(List<Path> paths) {
        java.util.concurrent.CompletableFuture<Void> done = new java.util.concurrent.CompletableFuture<>();
        io.grpc.stub.StreamObserver<io.vtep4j.evpn.internal.gobgp.AddPathStreamRequest> out = GobgpApiGrpc.newStub(
                        channel)
                .withDeadlineAfter(deadline.toMillis() * 4, TimeUnit.MILLISECONDS)
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
        try {
            done.get(deadline.toMillis() * 4 + 1000, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("gobgpd did not take " + paths.size() + " paths in time", e);
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
     * Subscribes to best-path changes of the global table. Messages are pulled one at a time: {@code onPaths} runs
     * on a gRPC thread and must call the returned handle's {@link Watch#next()} when the agent has taken the batch,
     * so at most one batch waits in memory. {@code onEnd} runs once when the stream ends or fails.
     */
    Watch watch(Consumer<List<Path>> onPaths, Consumer<Throwable> onEnd) {
        Watch watch = new Watch(onPaths, onEnd);
        GobgpApiGrpc.newStub(channel)
                .watchEvent(
                        WatchEventRequest.newBuilder()
                                .setTable(WatchEventRequest.Table.newBuilder()
                                        .addFilters(WatchEventRequest.Table.Filter.newBuilder()
                                                .setType(WatchEventRequest.Table.Filter.Type.BEST)
                                                .setInit(false)))
                                .build(),
                        watch);
        return watch;
    }

    /** A running watch stream. */
    static final class Watch implements ClientResponseObserver<WatchEventRequest, WatchEventResponse> {
        private final Consumer<List<Path>> onPaths;
        private final Consumer<Throwable> onEnd;
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
            } else {
                next();
            }
        }

        @Override
        public void onError(Throwable t) {
            onEnd.accept(t);
        }

        @Override
        public void onCompleted() {
            onEnd.accept(new IllegalStateException("gobgpd ended the watch stream"));
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
