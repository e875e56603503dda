package io.vtep4j.evpn;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.vtep4j.evpn.gobgp.AddPathRequest;
import io.vtep4j.evpn.gobgp.DeletePathRequest;
import io.vtep4j.evpn.gobgp.GetBgpRequest;
import io.vtep4j.evpn.gobgp.Global;
import io.vtep4j.evpn.gobgp.GobgpApiGrpc;
import io.vtep4j.evpn.gobgp.ListPathRequest;
import io.vtep4j.evpn.gobgp.ListPathResponse;
import io.vtep4j.evpn.gobgp.Path;
import io.vtep4j.evpn.gobgp.TableType;
import io.vtep4j.evpn.gobgp.WatchEventRequest;
import io.vtep4j.evpn.gobgp.WatchEventResponse;
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

    /** Adds (or replaces) a path in the global table. */
    void add(Path path) {
        blocking()
                .addPath(AddPathRequest.newBuilder()
                        .setTableType(TableType.GLOBAL)
                        .setPath(path)
                        .build());
    }

    /** Withdraws a path of the global table; it is named by its NLRI (and attributes, which GoBGP ignores). */
    void delete(Path path) {
        blocking()
                .deletePath(DeletePathRequest.newBuilder()
                        .setTableType(TableType.GLOBAL)
                        .setFamily(RouteCodec.EVPN)
                        .setPath(path)
                        .build());
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
