package io.vtep4j.bench.pipeline;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.encap.VxlanCodec;
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
 * One VXLAN packet through the pipeline of a VTEP that runs several encapsulations, in process: decapsulate (VNI
 * 5000), learn the inner source at the sending VTEP (transport 0, VXLAN), look up the destination, and send it on
 * the transport its location names: {@code out=vxlan} re-encapsulates in VXLAN (the same encapsulation, as VNI
 * stitching does), {@code out=nvgre} crosses into NVGRE: the seam check (no inner 802.1Q tag may cross), the FlowID
 * from the flow hash, and the GRE header written in place. The same buffer is reused each time (its header rewritten),
 * so the numbers are the pipeline's own cost: no socket, no copy, no allocator in the loop.
 *
 * <p>Single-threaded benchmark state.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar CrossEncapsulation -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CrossEncapsulationBenchmark {

    private static final int VNI = 5000;
    private static final int VXLAN = 0;
    private static final int NVGRE = 1;
    private static final long SOURCE = 0x02B5_0000_0001L;
    private static final long DESTINATION = 0x02B5_FF00_0001L;

    /** Inner frame length in bytes (without FCS). */
    @Param({"64", "1400"})
    public int size;

    /** The encapsulation of the destination's location: {@code vxlan} (same as in) or {@code nvgre} (crossing). */
    @Param({"vxlan", "nvgre"})
    public String out;

    private final VxlanCodec vxlan = VxlanCodec.DEFAULT;
    private final NvgreCodec nvgre = NvgreCodec.builder().build();
    private ForwardingTable table;
    private Location remoteIn;
    private ByteBuf packet;

    /** Builds the table (destination behind a remote on the chosen transport) and the packet; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        table = ForwardingTable.builder().build();
        remoteIn = Location.remote(InetAddress.getByName("198.18.1.1"), VXLAN);
        int transport = "nvgre".equals(out) ? NVGRE : VXLAN;
        table.addStatic(VNI, DESTINATION, Location.remote(InetAddress.getByName("198.19.1.3"), transport));
        table.learn(VNI, SOURCE, remoteIn);
        packet = VxlanPackets.ipv4Udp(VNI, DESTINATION, SOURCE, size);
        if (forward() < 0) {
            throw new IllegalStateException("pipeline did not forward the benchmark packet in place");
        }
        int expectedFirstWord = transport == NVGRE ? 0x2000_6558 : 0x0800_0000; // GRE K=1, TEB | VXLAN I flag
        if (packet.getInt(0) != expectedFirstWord) {
            throw new IllegalStateException("wrong tunnel header written: " + Integer.toHexString(packet.getInt(0)));
        }
    }

    /** Releases the packet buffer; not thread-safe. */
    @TearDown(Level.Trial)
    public void tearDown() {
        packet.release();
    }

    /** One packet: decapsulate, learn, lookup, seam check, hash and encapsulate on the location's transport. */
    @Benchmark
    public int pipeline() {
        return forward();
    }

    private int forward() {
        ByteBuf buf = packet;
        buf.readerIndex(0);
        buf.setInt(0, 0x0800_0000).setInt(4, VNI << 8); // restore the incoming VXLAN header
        int vni = vxlan.decapsulate(buf); // readerIndex -> inner frame
        if (vni < 0) {
            return vni;
        }
        int frame = buf.readerIndex();
        LearnResult learned = table.learn(vni, Ethernet.sourceMac(buf, frame), remoteIn);
        Location where = table.lookup(vni, Ethernet.destinationMac(buf, frame));
        if (where == null || learned == null) {
            return -1;
        }
        int hash = FlowHash.hash(buf);
        ByteBuf payload;
        int transport = where.transport();
        if (transport == VXLAN) {
            payload = vxlan.encapsulate(buf, vni);
        } else {
            // The seam: a tagged frame from VXLAN does not cross into NVGRE (RFC 7637 §3.2).
            if (Ethernet.isTagged(buf, frame)) {
                return -2;
            }
            payload = nvgre.encapsulate(buf, vni, FlowHash.flowId(hash));
        }
        if (payload != buf) {
            throw new IllegalStateException("encapsulate copied: " + payload);
        }
        return hash ^ transport;
    }
}
