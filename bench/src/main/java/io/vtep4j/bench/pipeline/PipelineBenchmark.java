package io.vtep4j.bench.pipeline;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.encap.VxlanCodec;
import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.LearnResult;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One VXLAN packet through the stitching pipeline in process: decapsulate (VNI 100), learn the inner source MAC at
 * the sending VTEP, look up the inner destination in VNI 200, pick the outer source port from the flow hash, and
 * re-encapsulate in place for VNI 200. The same buffer is reused each time (its header rewritten), so the numbers
 * are the pipeline's own cost with no socket, no copy and no allocator in the loop.
 *
 * <p>{@code macs} is how many inner source MACs rotate through the table (1: every learn is a refresh of one hot
 * entry; 10000: a working set larger than the first-level caches). Single-threaded benchmark state.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar Pipeline -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class PipelineBenchmark {

    private static final int VNI_IN = 100;
    private static final int VNI_OUT = 200;
    private static final long DESTINATION = 0x02B5_FF00_0001L;

    /** Inner frame length in bytes (without FCS). */
    @Param({"64", "1400"})
    public int size;

    /**
     * ARP/ND suppression on the segment: the engine's hook then reads the segment's volatile switch and the frame's
     * EtherType before the lookup (an IPv4 frame passes on; ARP and NDP frames take the snooping path).
     */
    @Param({"false", "true"})
    public boolean suppress;

    /** The segment's suppression switch as the engine reads it: one volatile read per frame. */
    private volatile boolean suppressNeighbors;

    /** Number of distinct inner source MACs cycled through. */
    @Param({"1", "10000"})
    public int macs;

    private final VxlanCodec codec = VxlanCodec.DEFAULT;
    private ForwardingTable table;
    private Location remoteIn;
    private ByteBuf packet;
    private long[] sources;
    private int next;

    /** Builds the table (destination known behind the outgoing remote) and the packet; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        table = ForwardingTable.builder().maxEntries(1 << 20).build();
        suppressNeighbors = suppress;
        remoteIn = Location.remote(InetAddress.getByName("198.18.1.1"));
        Location remoteOut = Location.remote(InetAddress.getByName("198.19.1.3"));
        table.addStatic(VNI_OUT, DESTINATION, remoteOut);
        sources = new long[macs];
        for (int i = 0; i < macs; i++) {
            sources[i] = 0x02B5_0000_0000L | i;
            table.learn(VNI_IN, sources[i], remoteIn);
        }
        packet = VxlanPackets.ipv4Udp(VNI_IN, DESTINATION, sources[0], size);
        // The pipeline must really run in place: one round by hand, checking each step.
        if (forward() < 0 || packet.getInt(4) >>> 8 != VNI_OUT) {
            throw new IllegalStateException("pipeline did not forward the benchmark packet in place");
        }
    }

    /** Releases the packet buffer; not thread-safe. */
    @TearDown(Level.Trial)
    public void tearDown() {
        packet.release();
    }

    /** One packet through decapsulate, learn, lookup, hash and encapsulate; returns the outer source port. */
    @Benchmark
    public int pipeline() {
        return forward();
    }

    /** Step alone: VXLAN header validation (with the inner-frame checks) on a restored header. */
    @Benchmark
    public int stepDecapsulate() {
        packet.readerIndex(0);
        return codec.decapsulate(packet);
    }

    /** Step alone: learning the (rotating) inner source MAC; a refresh of an existing entry. */
    @Benchmark
    public Object stepLearn() {
        long source = sources[next];
        next = next + 1 == sources.length ? 0 : next + 1;
        return table.learn(VNI_IN, source, remoteIn);
    }

    /** Step alone: looking up the (rotating) inner source MAC, a hit. */
    @Benchmark
    public Object stepLookup() {
        long source = sources[next];
        next = next + 1 == sources.length ? 0 : next + 1;
        return table.lookup(VNI_IN, source);
    }

    /** Step alone: the inner flow hash and the outer UDP source port chosen from it. */
    @Benchmark
    public int stepFlowHash() {
        packet.readerIndex(VxlanHeader.LENGTH);
        return FlowHash.sourcePort(FlowHash.hash(packet));
    }

    /** Step alone: writing the VXLAN header into the headroom (in place, same buffer back). */
    @Benchmark
    public Object stepEncapsulate() {
        packet.readerIndex(VxlanHeader.LENGTH);
        return codec.encapsulate(packet, VNI_OUT);
    }

    /** The engine's first test of a frame when suppression is on: ARP, or IPv6 carrying ICMPv6 NS/NA. */
    private static boolean neighborFrame(ByteBuf buf, int frame) {
        int type = buf.getUnsignedShort(frame + Ethernet.ETHER_TYPE_OFFSET);
        return type == Ethernet.TYPE_ARP
                || (type == Ethernet.TYPE_IPV6 && buf.getUnsignedByte(frame + Ethernet.HEADER_LENGTH + 6) == 58);
    }

    private int forward() {
        ByteBuf buf = packet;
        buf.readerIndex(0);
        buf.setInt(4, VNI_IN << 8); // restore the incoming header
        long source = sources[next];
        next = next + 1 == sources.length ? 0 : next + 1;
        Ethernet.setMac(buf, VxlanHeader.LENGTH + Ethernet.SOURCE_OFFSET, source);

        int vni = codec.decapsulate(buf); // readerIndex -> inner frame
        if (vni < 0) {
            return vni;
        }
        int frame = buf.readerIndex();
        LearnResult learned = table.learn(vni, Ethernet.sourceMac(buf, frame), remoteIn);
        if (suppressNeighbors && neighborFrame(buf, frame)) {
            return -2; // never for the benchmark's IPv4 frame
        }
        Location out = table.lookup(VNI_OUT, Ethernet.destinationMac(buf, frame));
        if (out == null || learned == null) {
            return -1;
        }
        int port = FlowHash.sourcePort(FlowHash.hash(buf));
        ByteBuf payload = codec.encapsulate(buf, VNI_OUT); // header written into the headroom
        if (payload != buf) {
            throw new IllegalStateException("encapsulate copied: " + payload);
        }
        return port;
    }
}
