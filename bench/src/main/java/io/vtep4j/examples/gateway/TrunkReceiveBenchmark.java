package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.vtep4j.UnderlaySink;
import io.vtep4j.Vtep;
import io.vtep4j.bench.TableDraws;
import io.vtep4j.internal.afpacket.RingChannel;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The gateway's trunk receive path, VLAN-tagged frames from the trunk to the VXLAN underlay, as the AF_PACKET trunk
 * runs it (this class sits in the gateway's package to start the gateway as {@code Gateway.startAfPacket} does, with
 * a channel of its own in place of the socket). A receive batch is 32 frames of 64 bytes on the wire, held in one
 * direct buffer as a ring block holds them; the benchmark plays the ring ({@code RxRing}) over it: with
 * {@code readAhead}, a first pass hands each frame to the trunk's {@code readAhead} (VLAN to VNI, then the table slots
 * of the frame's source and destination); then each frame goes to the trunk's {@code frame} (copied out of the ring
 * into a pooled buffer, into the VLAN's port: the source learned behind it, a refresh; the destination looked up,
 * found behind the remote VTEP; the frame encapsulated and handed to the underlay), and the batch ends with one flush
 * of the underlay. Without {@code readAhead} each frame's cache misses are waited for in turn.
 *
 * <p>The table holds {@code macs} entries in the VLAN's VNI, half behind the local port (the sources) and half behind
 * the remote (the destinations); each frame draws both at random, so at a million entries each lookup and each learn
 * is a cache miss. {@code tag}: {@code ring}, the kernel took the 802.1Q tag out and reports it beside the frame
 * (AF_PACKET, whose ring then holds 60-byte frames); {@code inline}, the tag is in the frame (as AF_XDP hands it) and
 * the gateway pops it.
 *
 * <p>{@code underlay}: with {@code socket} every frame really leaves through the VTEP's UDP socket
 * ({@code sendmmsg} at each batch end) to a socket on 127.0.0.2 that the benchmark binds and stops reading once the
 * setup has checked a batch there (the kernel then drops what does not fit its receive buffer). The kernel's part
 * (the UDP send, loopback delivery and that drop, all in the sending thread) is most of each frame's time, several
 * times the table's, and varies more from run to run than the read-ahead saves: the absolute numbers are not those
 * of a NIC, and the table effect is hard to see in them. With {@code sink} the engine's send path ends where the
 * underlay takes the packet ({@link UnderlaySink} releases it there): what remains is the gateway and the engine, the
 * same work with and without {@code readAhead}, so their difference is the table effect. Read both.
 *
 * <p>Threads: the gateway's VTEP and trunk share one event loop, as with AF_PACKET, so the underlay sends on its own
 * loop with no hand-over. Each invocation hands that loop 128 batches (4,096 frames) and waits for them: the hand-over
 * there and back (measured at about 14 us on a busy two-core machine) adds some 3 ns to each frame, alike for every
 * parameter set. Results are per frame. Netty's leak detector is off, as advised for production: at its default
 * level it records a stack trace for a sample of the buffers the trunk copies frames into.
 *
 * <p>Nothing leaves the machine: the VTEP is bound to 127.0.0.1, its only remote is 127.0.0.2, it has no flood
 * targets, and the teardown fails the trial unless every frame was sent to the underlay and none was dropped.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar TrunkReceiveBenchmark -prof gc -f 1 -wi 3 -w 2s -i 5 -r 2s}
 * (a million entries need the {@code -Xmx4g} of the {@code @Fork} annotation, which a command-line
 * {@code -jvmArgsAppend} replaces; {@code -p underlay=sink} for the table effect alone).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx4g", "-Dio.netty.leakDetection.level=disabled"})
public class TrunkReceiveBenchmark {

    private static final int BATCH = 32;
    private static final int BATCHES = 128;
    private static final int SLOT = 128;
    /** On the wire, with its tag. */
    private static final int FRAME = 64;

    private static final int TAG = 4;
    private static final int TPID_8021Q = 0x8100;
    private static final int VLAN = 100;
    private static final int VNI = 5001;
    /** Random draws prepared per trial (a power of two), so that the benchmark loop only reads them in order. */
    private static final int DRAWS = 1 << 20;

    private static final String TRUNK = "bench0";
    private static final long WAIT_SECONDS = 10;
    /** Batches the setup may send before the remote receives one whole. */
    private static final int CHECKS = 3;

    /** Entries in the VNI's table: half local sources, half remote destinations. */
    @Param({"1024", "1000000"})
    public int macs;

    /** Whether the first pass over each batch reads ahead the table slots. */
    @Param({"false", "true"})
    public boolean readAhead;

    /** Where the 802.1Q tag is: taken out by the kernel ({@code ring}) or in the frame ({@code inline}). */
    @Param({"ring", "inline"})
    public String tag;

    /**
     * {@code socket}: the underlay sends each batch through the VTEP's UDP socket ({@code sendmmsg}) to the remote's;
     * {@code sink}: the packets the engine hands the underlay are released there ({@link UnderlaySink}), no kernel.
     */
    @Param({"socket", "sink"})
    public String underlay;

    private DatagramSocket remoteSocket;
    private Gateway gateway;
    private volatile IoEventLoop loop;
    private volatile RingSink trunk;
    private ByteBuf ring;
    private int length;
    private int tci;
    private long[] destinations;
    private long[] sources;
    private final Callable<Long> batches = this::receiveBatches;
    // the loop's state: written there, read here only after a hand-over back
    private int next;
    private long fold;
    private long frames;
    /** Packets the underlay sink took; null with {@code underlay=socket}. */
    private LongSupplier taken;
    /** The segment's packets to the underlay when the measured frames began. */
    private long sentBefore;

    /** Starts the gateway, fills its table, prepares the ring and checks one batch at the remote; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        if (!tag.equals("ring") && !tag.equals("inline")) {
            throw new IllegalArgumentException("tag: " + tag + " (expected: ring or inline)");
        }
        if (!underlay.equals("socket") && !underlay.equals("sink")) {
            throw new IllegalArgumentException("underlay: " + underlay + " (expected: socket or sink)");
        }
        remoteSocket = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = TRUNK;
        options.dstPort = Integer.toString(remoteSocket.getLocalPort());
        options.vlans.add(VLAN + ":" + VNI);
        options.maxMacs = Integer.toString(macs);
        options.maxMacsPerVni = options.maxMacs;
        options.ageing = "1d"; // no entry ages during a trial
        gateway = Gateway.startOnLoop(
                options.toConfig(),
                l -> s -> AfPacketTrunk.open(TRUNK, l, s, line -> {}, (channelLoop, name, t) -> {
                    loop = channelLoop;
                    trunk = t;
                    return noChannel();
                }));
        boolean inline = tag.equals("inline");
        length = inline ? FRAME : FRAME - TAG;
        tci = inline ? -1 : VLAN;
        ring = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * SLOT, BATCH * SLOT);
        ring.writeZero(BATCH * SLOT);
        for (int i = 0; i < BATCH; i++) {
            int at = i * SLOT + 12;
            if (inline) {
                ring.setShort(at, TPID_8021Q);
                ring.setShort(at + 2, VLAN);
                at += TAG;
            }
            ring.setShort(at, 0x0800); // IPv4, UDP
            ring.setByte(at + 2, 0x45);
            ring.setShort(at + 4, length - (at + 2 - i * SLOT));
            ring.setByte(at + 10, 64);
            ring.setByte(at + 11, 17);
        }
        fill();
        checkBatch();
        if (underlay.equals("sink")) {
            taken = UnderlaySink.install(gateway.vtep());
            onLoop(() -> {
                receiveBatch(trunk, ring);
                return 0L;
            });
            if (taken.getAsLong() != BATCH) {
                throw new IllegalStateException(
                        "the underlay sink took " + taken.getAsLong() + " of a batch of " + BATCH + " packets");
            }
        }
        sentBefore = gateway.vtep().stats().segment(VNI).packetsToUnderlay();
        frames = 0;
    }

    /**
     * Fills the table: the destinations behind the remote, the sources behind the VLAN's port (its location taken from
     * a first frame the gateway learned); then the draws.
     */
    private void fill() throws Exception {
        ForwardingTable table = gateway.vtep().forwardingTable();
        Location remote = Location.remote(InetAddress.getByName("127.0.0.2"));
        table.learn(VNI, TableDraws.destination(0), remote);
        destinations = new long[] {TableDraws.destination(0)};
        sources = new long[] {TableDraws.source(0)};
        writeMacs(0, destinations[0], sources[0]);
        onLoop(() -> {
            deliver(0, 1);
            trunk.batchEnd();
            return 0L;
        });
        Location port = table.lookup(VNI, sources[0]);
        if (port == null || port.isRemote()) {
            throw new IllegalStateException("the first frame's source was learned at " + port);
        }
        TableDraws draws = TableDraws.fill(table, VNI, macs, remote, port, DRAWS);
        destinations = draws.destinations;
        sources = draws.sources;
    }

    /**
     * One batch through the gateway: every frame sent to the underlay and none dropped, then each at the remote's
     * socket as sent. The loopback itself may lose datagrams on a loaded machine (its backlog overflows; see the
     * second column of {@code /proc/net/softnet_stat}), so a batch the remote did not receive whole is tried again,
     * up to {@link #CHECKS} batches.
     */
    private void checkBatch() throws Exception {
        Vtep vtep = gateway.vtep();
        String missed = null;
        for (int attempt = 0; attempt < CHECKS; attempt++) {
            drainRemote();
            long before = vtep.stats().segment(VNI).packetsToUnderlay();
            int first = next;
            onLoop(() -> {
                receiveBatch(trunk, ring);
                return 0L;
            });
            long sent = vtep.stats().segment(VNI).packetsToUnderlay() - before;
            if (sent != BATCH
                    || vtep.stats().totalDrops() != 0
                    || !gateway.gatewayDrops().isEmpty()) {
                throw new IllegalStateException("a batch sent " + sent + " of " + BATCH + " frames; drops "
                        + vtep.stats().drops() + ", gateway drops " + gateway.gatewayDrops());
            }
            missed = receivedAtRemote(first);
            if (missed == null) {
                return;
            }
        }
        throw new IllegalStateException(
                "in " + CHECKS + " batches the remote never received a whole batch as sent; last: " + missed);
    }

    /** Null if the remote's socket receives the batch of draws from {@code first} as sent, else what it got. */
    private String receivedAtRemote(int first) throws IOException {
        byte[] data = new byte[2048];
        DatagramPacket p = new DatagramPacket(data, data.length);
        remoteSocket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(2));
        for (int i = 0; i < BATCH; i++) {
            int d = (first + i) & (DRAWS - 1);
            try {
                remoteSocket.receive(p);
            } catch (SocketTimeoutException e) {
                return "frame " + i + " did not arrive";
            }
            ByteBuffer b = ByteBuffer.wrap(data, 0, p.getLength());
            long dst = b.getLong(8) >>> 16;
            long src = b.getLong(14) >>> 16;
            if (p.getLength() != 8 + FRAME - TAG
                    || b.get(0) != 0x08
                    || b.getInt(4) >>> 8 != VNI
                    || dst != destinations[d]
                    || src != sources[d]) {
                return "frame " + i + ": " + p.getLength() + " bytes, flags " + b.get(0) + ", VNI "
                        + (b.getInt(4) >>> 8) + ", " + Long.toHexString(dst) + " from " + Long.toHexString(src)
                        + " (expected " + (8 + FRAME - TAG) + " bytes of VXLAN, VNI " + VNI + ", "
                        + Long.toHexString(destinations[d]) + " from " + Long.toHexString(sources[d]) + ")";
            }
        }
        return null;
    }

    /** Reads what waits at the remote's socket (at most a few thousand datagrams). */
    private void drainRemote() throws IOException {
        byte[] data = new byte[2048];
        DatagramPacket p = new DatagramPacket(data, data.length);
        remoteSocket.setSoTimeout(100);
        try {
            for (int i = 0; i < 4096; i++) {
                remoteSocket.receive(p);
            }
        } catch (SocketTimeoutException e) {
            // nothing left
        }
    }

    /**
     * Fails the trial if any frame was dropped or not sent since the setup's check, then closes the gateway and the
     * remote's socket and releases the ring; not thread-safe.
     */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            Vtep vtep = gateway.vtep();
            long sent = vtep.stats().segment(VNI).packetsToUnderlay() - sentBefore;
            long sunk = taken == null ? sent : taken.getAsLong() - BATCH;
            if (sent != frames
                    || sunk != frames
                    || vtep.stats().totalDrops() != 0
                    || !gateway.gatewayDrops().isEmpty()) {
                throw new IllegalStateException("of " + frames + " frames received in the trial " + sent
                        + " were sent to the underlay (" + sunk + " taken by the sink); drops "
                        + vtep.stats().drops()
                        + ", gateway drops " + gateway.gatewayDrops());
            }
        } finally {
            gateway.close();
            remoteSocket.close();
            ring.release();
        }
    }

    /** 128 receive batches of 32 frames on the gateway's loop; returns the read-ahead fold. */
    @Benchmark
    @OperationsPerInvocation(BATCH * BATCHES)
    public long receive() throws Exception {
        return onLoop(batches);
    }

    private long onLoop(Callable<Long> work) throws InterruptedException, ExecutionException, TimeoutException {
        return loop.submit(work).get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private long receiveBatches() {
        RingSink t = trunk;
        ByteBuf r = ring;
        for (int b = 0; b < BATCHES; b++) {
            receiveBatch(t, r);
        }
        return fold;
    }

    /** One receive batch as the ring hands it on: new MACs, the read-ahead pass, the frames, the batch end. */
    private void receiveBatch(RingSink t, ByteBuf r) {
        int n = next;
        for (int i = 0; i < BATCH; i++) {
            int d = (n + i) & (DRAWS - 1);
            writeMacs(i, destinations[d], sources[d]);
        }
        next = (n + BATCH) & (DRAWS - 1);
        if (readAhead) {
            long read = 0;
            for (int i = 0; i < BATCH; i++) {
                read ^= t.readAhead(r, i * SLOT, length, tci);
            }
            fold ^= read;
        }
        deliver(0, BATCH);
        t.batchEnd();
        frames += BATCH;
    }

    private void writeMacs(int slot, long destination, long source) {
        int at = slot * SLOT;
        ring.setMedium(at, (int) (destination >>> 24));
        ring.setMedium(at + 3, (int) destination);
        ring.setMedium(at + 6, (int) (source >>> 24));
        ring.setMedium(at + 9, (int) source);
    }

    /** Frames {@code from} to {@code to - 1} of the ring into the trunk (the ring's second pass). */
    private void deliver(int from, int to) {
        RingSink t = trunk;
        for (int i = from; i < to; i++) {
            t.frame(ring, i * SLOT, length, tci, TPID_8021Q);
        }
    }

    /**
     * The trunk's channel: nothing underneath, every counter 0; a frame the overlay sends to the trunk is released and
     * refused (none is expected: nothing behind the remote sends).
     */
    private static RingChannel noChannel() {
        InvocationHandler none = (proxy, method, args) -> switch (method.getName()) {
            case "send" -> {
                ((ByteBuf) args[0]).release();
                yield false;
            }
            case "received", "sent", "sendFailures", "truncated", "overruns" -> 0L;
            case "close" -> null;
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "no channel";
        };
        return (RingChannel)
                Proxy.newProxyInstance(RingChannel.class.getClassLoader(), new Class<?>[] {RingChannel.class}, none);
    }
}
