package io.vtep4j.bench.system;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.internal.ThreadExecutorMap;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.UnderlayIo;
import io.vtep4j.Vtep;
import io.vtep4j.VtepStats;
import io.vtep4j.XdpMode;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.xdp.StitchOffload;
import io.vtep4j.internal.xdp.StitchRelay;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * Joins two VXLAN domains ("VNI stitching"): VTEP A (underlay address {@code --a-local}, VNI {@code --a-vni}) and
 * VTEP B ({@code --b-local}, VNI {@code --b-vni}, flooding to {@code --b-remote}) each get one local port, and each
 * port's frames are sent into the other. A frame from domain A's overlay is decapsulated by A, delivered to A's port,
 * sent into B's port, and re-encapsulated by B towards domain B's VTEPs, and the other way round. This is what a
 * Linux bridge joining two vxlan devices does, and how two data centres with different VNI plans are joined.
 *
 * <p>Used by {@code bench/system/run.sh} as the vtep4j device under test: run it inside the benchmark's namespace.
 * Prints {@code READY pid=N} once both VTEPs are bound, the stats of both on exit, and exits by itself after
 * {@code --max-seconds}. Threading: the frame handlers run on the receiving VTEP's event loop; buffers pass from
 * handler to the other port's {@code send}, which takes ownership.
 *
 * <p>Experiment options (run.sh passes {@code VTEP4J_RUNNER_OPTS}): {@code --flush each|batch},
 * {@code --shared-loop true|false} (default true: the way to stitch, see below), {@code --event-loops N},
 * {@code --read-batch N}, {@code --gro true}, {@code --gso true|false} (default true; false with xdp),
 * {@code --underlay-io socket|xdp|xdp-receive} (default socket; xdp: AF_XDP underlays, xdp-receive: AF_XDP receive
 * with sends through the kernel socket; either, or the runner refuses to start),
 * {@code --xdp-mode auto|native|generic} (default auto; with xdp or xdp-receive, how the XDP program is attached),
 * {@code --busy-poll USECS} (default 0: off; with xdp, preferred busy polling on the AF_XDP sockets),
 * {@code --busy-wait USECS} (default 0: off; the event loop or loops keep polling that long after their last work),
 * {@code --stitch-offload true|false} (default false; with socket underlays: the kernel relays the packets both VTEPs
 * would only pass on, {@link StitchOffload}, its maps kept from both tables; the stats line says how many it relayed;
 * with the program on both underlay interfaces, {@code --xdp-mode} says how it attaches).
 *
 * <p>Allocation measurement ({@code run.sh --alloc}): {@code --alloc-window SECONDS} (with {@code --alloc-warmup
 * SECONDS}, default 10) starts an {@link AllocSampler} that prints the bytes the VTEPs' event loops allocated per
 * forwarded packet over that window of steady traffic.
 */
public final class StitchRunner {

    private StitchRunner() {}

    /** Entry point; see the class comment for the options. Blocks until terminated or {@code --max-seconds}. */
    public static void main(String[] args) throws Exception {
        Map<String, String> opt = parse(args);
        InetAddress bRemote = InetAddress.getByName(required(opt, "--b-remote"));
        int aVni = Integer.parseInt(required(opt, "--a-vni"));
        int bVni = Integer.parseInt(required(opt, "--b-vni"));
        long maxSeconds = Long.parseLong(opt.getOrDefault("--max-seconds", "600"));
        int port = Integer.parseInt(opt.getOrDefault("--port", "4789"));

        boolean relay = Boolean.parseBoolean(opt.getOrDefault("--stitch-offload", "false"));
        if (relay && underlayIo(opt) != UnderlayIo.SOCKET) {
            // one XDP program per interface: the relay and an AF_XDP underlay would want the same place
            throw new IllegalArgumentException("--stitch-offload true with --underlay-io " + opt.get("--underlay-io")
                    + " (expected: socket underlays)");
        }
        // With the relay, each table's changes reach the program's maps through a queue and a thread of its own.
        StitchRelay stitch = relay ? new StitchRelay("stitch-to-b", "stitch-to-a") : null;
        boolean batchFlush = "batch".equals(opt.getOrDefault("--flush", "each"));
        // --shared-loop true (default): both VTEPs on one event loop the runner owns, so a frame handed from A to B
        // is a send on the same thread (no task hop and no allocation for it; the engine flushes B once per read
        // batch). With false, each VTEP has its own loop and every frame crosses threads (16-21 B/packet of task
        // objects, and no gain in rate on this 2-CPU machine: bench/RESULTS.md).
        EventLoopGroup shared = Boolean.parseBoolean(opt.getOrDefault("--shared-loop", "true"))
                // Named like the engine's own loops (vtep4j-...), so that --alloc-window finds its thread.
                ? new MultiThreadIoEventLoopGroup(
                        1, new DefaultThreadFactory("vtep4j-stitch"), Transports.epollFactory(busyWaitNanos(opt)))
                : null;
        Vtep a = listen(configure(Vtep.builder().localAddress(required(opt, "--a-local")), opt, shared), stitch, true)
                .port(port)
                .build();
        Vtep b = listen(configure(Vtep.builder().localAddress(required(opt, "--b-local")), opt, shared), stitch, false)
                .port(port)
                .build();
        UnderlayIo asked = underlayIo(opt);
        if (asked != UnderlayIo.SOCKET && (a.underlayIo() != asked || b.underlayIo() != asked)) {
            a.close();
            b.close();
            // not measured as asked: the log line of io.vtep4j above says why
            throw new IllegalStateException("UNSUPPORTED: --underlay-io " + opt.get("--underlay-io")
                    + " fell back to sockets (A " + a.underlayIo() + ", B " + b.underlayIo() + ")");
        }
        if (relay) {
            StitchOffload offload;
            try {
                offload = StitchOffload.open(
                        new StitchOffload.Side(InetAddress.getByName(required(opt, "--a-local")), port, aVni),
                        new StitchOffload.Side(InetAddress.getByName(required(opt, "--b-local")), port, bVni),
                        65_536,
                        opt.containsKey("--xdp-mode")
                                ? XdpMode.valueOf(opt.get("--xdp-mode").toUpperCase(java.util.Locale.ROOT))
                                : XdpMode.AUTO);
            } catch (java.io.IOException | RuntimeException e) {
                a.close();
                b.close();
                throw new IllegalStateException("UNSUPPORTED: --stitch-offload: " + e.getMessage(), e);
            }
            // before any segment exists: no MAC is learned before the maps follow the tables; refreshed well
            // inside the tables' ageing (300 s)
            stitch.start(offload, a.forwardingTable(), b.forwardingTable(), java.time.Duration.ofSeconds(10));
            System.out.println("RELAY " + offload.describe());
        }
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            System.out.println("STATS A " + a.stats());
                            System.out.println("STATS B " + b.stats());
                            if (stitch != null) {
                                stitch.close();
                                StitchOffload o = stitch.offload();
                                System.out.println("STATS RELAY out of B " + o.frames(false) + " packets, out of A "
                                        + o.frames(true) + " packets, refused " + o.refused() + ", maps refilled "
                                        + stitch.refills() + ", failed " + stitch.failures()
                                        + (o.followed() > 0 ? ", interfaces followed " + o.followed() : "")
                                        + (o.rebuilt() > 0 ? ", rebuilt " + o.rebuilt() : ""));
                            }
                            a.close();
                            b.close();
                            if (shared != null) {
                                shared.shutdownGracefully(0, 1, TimeUnit.SECONDS)
                                        .syncUninterruptibly();
                            }
                            done.countDown();
                        },
                        "stitch-shutdown"));

        Segment sa = a.segment(aVni);
        Segment sb = b.segment(bVni).floodTo(bRemote);
        if (opt.containsKey("--static-mac")) {
            // The inner destination lives behind domain B's remote, as in the kernel and OVS set-ups.
            b.forwardingTable().addStatic(bVni, MacAddress.parse(opt.get("--static-mac")), Location.remote(bRemote));
        }
        // Crosswise: what A delivers (from domain A) is sent into B's port, and vice versa.
        AtomicReference<LocalPort> portOnA = new AtomicReference<>();
        AtomicReference<LocalPort> portOnB = new AtomicReference<>();
        if (batchFlush) {
            Batcher toB = new Batcher(portOnB);
            Batcher toA = new Batcher(portOnA);
            portOnA.set(sa.attach("stitch-to-b", toB::write));
            portOnB.set(sb.attach("stitch-to-a", toA::write));
        } else {
            portOnA.set(sa.attach("stitch-to-b", frame -> forward(portOnB, frame)));
            portOnB.set(sb.attach("stitch-to-a", frame -> forward(portOnA, frame)));
        }

        long allocWindow = Long.parseLong(opt.getOrDefault("--alloc-window", "0"));
        long warmup = Long.parseLong(opt.getOrDefault("--alloc-warmup", "10"));
        if (allocWindow < 0 || warmup < 0) {
            throw new IllegalArgumentException("--alloc-window " + allocWindow + " --alloc-warmup " + warmup
                    + " (expected: seconds >= 0; window 0 = no measurement)");
        }
        if (allocWindow > 0) {
            // Forwarded = what both VTEPs sent into the underlay; received = what they accepted from it.
            LongSupplier forwarded = () -> sum(a, true) + sum(b, true);
            LongSupplier received = () -> sum(a, false) + sum(b, false);
            Thread sampler = new Thread(
                    new AllocSampler(
                            forwarded,
                            received,
                            TimeUnit.SECONDS.toMillis(warmup),
                            TimeUnit.SECONDS.toMillis(allocWindow),
                            AllocSampler.MAX_WAIT_MILLIS,
                            System.out,
                            a.directIo() ? "direct" : "netty"),
                    "alloc-sampler");
            sampler.setDaemon(true);
            sampler.start();
        }

        System.out.println("READY pid=" + ProcessHandle.current().pid() + " a=" + a + " b=" + b);
        System.out.flush();
        if (!done.await(maxSeconds, TimeUnit.SECONDS)) {
            System.out.println("max-seconds reached: " + maxSeconds);
            System.exit(0);
        }
    }

    private static Vtep.Builder listen(Vtep.Builder builder, StitchRelay stitch, boolean sideA) {
        return stitch == null ? builder : builder.fdbListener(stitch.listener(sideA));
    }

    /** Packets sent into ({@code toUnderlay}) or accepted from the underlay, over all of the VTEP's segments. */
    private static long sum(Vtep vtep, boolean toUnderlay) {
        long n = 0;
        for (VtepStats.SegmentStats s : vtep.stats().segments().values()) {
            n += toUnderlay ? s.packetsToUnderlay() : s.packetsFromUnderlay();
        }
        return n;
    }

    /** {@code --busy-wait USECS} (default 0), in nanoseconds. */
    private static long busyWaitNanos(Map<String, String> opt) {
        return 1000L * Long.parseLong(opt.getOrDefault("--busy-wait", "0"));
    }

    /** {@code --underlay-io socket|xdp|xdp-receive} (default socket). */
    private static UnderlayIo underlayIo(Map<String, String> opt) {
        return UnderlayIo.valueOf(opt.getOrDefault("--underlay-io", "socket")
                .toUpperCase(java.util.Locale.ROOT)
                .replace('-', '_'));
    }

    private static Vtep.Builder configure(Vtep.Builder builder, Map<String, String> opt, EventLoopGroup shared) {
        builder.eventLoops(Integer.parseInt(opt.getOrDefault("--event-loops", "1")));
        if (shared != null) {
            builder.eventLoopGroup(shared);
        } else {
            builder.busyWait(java.time.Duration.ofNanos(busyWaitNanos(opt)));
        }
        if (opt.containsKey("--read-batch")) {
            builder.readBatch(Integer.parseInt(opt.get("--read-batch")));
        }
        builder.udpGro(Boolean.parseBoolean(opt.getOrDefault("--gro", "false")));
        // --underlay-io xdp: AF_XDP on each VTEP's underlay veth (one frame per packet: GSO off unless asked for,
        // which would make the VTEPs fall back to sockets); xdp-receive sends through the socket, GSO on.
        UnderlayIo io = underlayIo(opt);
        builder.underlayIo(io);
        // UDP GSO on by default: each run of frames to the other domain leaves as one GSO message (the engine's
        // option, off by default in the library because it computes UDP checksums; bench/RESULTS.md measures both).
        builder.udpGso(Boolean.parseBoolean(opt.getOrDefault("--gso", io == UnderlayIo.XDP ? "false" : "true")));
        builder.busyPoll(Integer.parseInt(opt.getOrDefault("--busy-poll", "0")));
        if (opt.containsKey("--xdp-mode")) {
            builder.xdpMode(XdpMode.valueOf(opt.get("--xdp-mode").toUpperCase(java.util.Locale.ROOT)));
        }
        return builder;
    }

    /**
     * {@code --flush batch}: frames are written into the other VTEP's port without a flush, and one flush per read
     * batch is queued on the receiving event loop, where it runs after the batch (Netty runs queued tasks after the
     * read loop). The other VTEP's channel then holds several datagrams per flush and can send them with one
     * sendmmsg. Only touched by the receiving VTEP's single event loop ({@code --event-loops 1}).
     */
    private static final class Batcher {
        private final AtomicReference<LocalPort> target;
        private boolean flushQueued;

        Batcher(AtomicReference<LocalPort> target) {
            this.target = target;
        }

        void write(ByteBuf frame) {
            LocalPort port = target.get();
            if (port == null || !port.isOpen()) {
                frame.release();
                return;
            }
            port.write(frame); // takes ownership
            if (!flushQueued) {
                EventExecutor loop = ThreadExecutorMap.currentExecutor();
                if (loop == null) {
                    port.flush();
                    return;
                }
                flushQueued = true;
                loop.execute(() -> {
                    flushQueued = false;
                    port.flush();
                });
            }
        }
    }

    private static void forward(AtomicReference<LocalPort> target, ByteBuf frame) {
        LocalPort port = target.get();
        if (port == null || !port.isOpen()) {
            frame.release();
            return;
        }
        port.send(frame); // takes ownership
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> opt = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 == args.length) {
                throw new IllegalArgumentException("argument: " + args[i] + " (expected: --name value pairs)");
            }
            opt.put(args[i], args[++i]);
        }
        return opt;
    }

    private static String required(Map<String, String> opt, String name) {
        String value = opt.get(name);
        if (value == null) {
            throw new IllegalArgumentException(name + ": missing (expected: a value)");
        }
        return value;
    }
}
