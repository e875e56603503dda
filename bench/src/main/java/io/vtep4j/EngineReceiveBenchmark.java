package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.bench.TableDraws;
import io.vtep4j.learning.Location;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
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
 * The engine's receive path for a read batch of 32 VXLAN packets, as the {@code recvmmsg} underlay hands them on
 * (this class sits in the engine's package to reach its forwarder): each packet is decapsulated, its inner source
 * learned against the remote (a refresh), its inner destination looked up and the frame delivered to a local port,
 * whose handler releases it. The table holds {@code macs} entries, half behind the local port (the destinations)
 * and half behind the remote (the sources); every packet draws both at random, so at a million entries each lookup
 * and each learn is a cache miss. {@code readAhead} runs the underlay's first pass over the batch
 * ({@code UnderlayReceiver.readAhead}) before the deliveries, as the receiver does; without it each packet's misses
 * are waited for in turn. Per packet. Runs on a Netty thread ({@link io.vtep4j.bench.EventLoopThreads}), as the
 * engine's loops do. Single-threaded; no packet leaves the process (the VTEP is bound to loopback and nothing is
 * flooded).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar EngineReceiveBenchmark -prof gc -f 1 -wi 3 -w 2s -i 5 -r 2s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx4g", "-Djmh.executor=CUSTOM", "-Djmh.executor.class=io.vtep4j.bench.EventLoopThreads"})
public class EngineReceiveBenchmark {

    private static final int BATCH = 32;
    private static final int SLOT = 128;
    private static final int FRAME = 64;
    private static final int LENGTH = 8 + FRAME;
    private static final int VNI = 5001;
    /** Random draws prepared per trial (a power of two), so that the benchmark loop only reads them in order. */
    private static final int DRAWS = 1 << 20;

    /** Entries in the table: half local destinations, half remote sources. */
    @Param({"1024", "1000000"})
    public int macs;

    /** Whether the first pass over the batch reads ahead the table slots. */
    @Param({"false", "true"})
    public boolean readAhead;

    private Vtep vtep;
    private Forwarder forwarder;
    private ByteBuf batch;
    private InetAddress remote;
    private long[] destinations;
    private long[] sources;
    private int next;
    private long fold;

    /** Builds the VTEP, fills its table and prepares the batch; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
        int udpPort;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udpPort = probe.getLocalPort(); // free now; the VTEP binds it next
        }
        vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(udpPort)
                .eventLoops(1)
                .maxMacs(2 * macs)
                .maxMacsPerVni(2 * macs)
                .build();
        LocalPortImpl port = (LocalPortImpl) vtep.segment(VNI).attach(ByteBuf::release);
        remote = InetAddress.getByName("198.18.0.2");
        TableDraws draws =
                TableDraws.fill(vtep.forwardingTable(), VNI, macs, port.location, Location.remote(remote), DRAWS);
        destinations = draws.destinations;
        sources = draws.sources;
        forwarder = vtep.runtime.forwarder();
        batch = PooledByteBufAllocator.DEFAULT.directBuffer(BATCH * SLOT, BATCH * SLOT);
        batch.writeZero(BATCH * SLOT);
        for (int i = 0; i < BATCH; i++) {
            int at = i * SLOT;
            batch.setInt(at, 0x0800_0000); // VXLAN: I flag
            batch.setShort(at + 8 + 12, 0x0800); // inner IPv4
            batch.setByte(at + 8 + 14, 0x45);
            batch.setShort(at + 8 + 16, FRAME - 14);
            batch.setByte(at + 8 + 22, 64);
            batch.setByte(at + 8 + 23, 17);
        }
        long before = vtep.stats().segment(VNI).framesToPorts();
        receiveBatch();
        long delivered = vtep.stats().segment(VNI).framesToPorts() - before;
        if (delivered != BATCH || vtep.stats().totalDrops() != 0) {
            throw new IllegalStateException("a batch delivered " + delivered + " of " + BATCH + " frames; drops "
                    + vtep.stats().totalDrops());
        }
    }

    /** Closes the VTEP and releases the batch; not thread-safe. */
    @TearDown(Level.Trial)
    public void tearDown() {
        batch.release();
        vtep.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long receiveBatch() {
        ByteBuf b = batch;
        int n = next;
        for (int i = 0; i < BATCH; i++) {
            int at = i * SLOT;
            int d = (n + i) & (DRAWS - 1);
            b.setInt(at + 4, VNI << 8);
            b.setMedium(at + 8, (int) (destinations[d] >>> 24));
            b.setMedium(at + 8 + 3, (int) destinations[d]);
            b.setMedium(at + 8 + 6, (int) (sources[d] >>> 24));
            b.setMedium(at + 8 + 9, (int) sources[d]);
        }
        next = (n + BATCH) & (DRAWS - 1);
        if (readAhead) {
            long read = 0;
            for (int i = 0; i < BATCH; i++) {
                read ^= forwarder.readAhead(b, i * SLOT, LENGTH);
            }
            fold ^= read;
        }
        for (int i = 0; i < BATCH; i++) {
            forwarder.receivedWithTos(b.retainedSlice(i * SLOT, LENGTH), remote, 0);
        }
        forwarder.readComplete();
        return fold;
    }
}
