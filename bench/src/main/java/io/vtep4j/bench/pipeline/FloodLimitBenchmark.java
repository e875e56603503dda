package io.vtep4j.bench.pipeline;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.encap.Ethernet;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
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
 * The cost of BUM storm control on the engine's flood path: one broadcast frame sent into a segment through a local
 * port, learned and flooded to one other local port (no underlay target, so no socket in the loop). {@code limit}
 * 0 is the limiter off; 1000000000 is on with every frame conforming (the bucket never empties: the check and its
 * compare-and-set on every frame); 1 is on and refusing nearly every frame (a storm: dropped and counted before the
 * flood, no compare-and-set). Compare 0 with 1000000000 for the limiter's own cost.
 *
 * <p>The flood hands the other port a read-only duplicate, which is an object per frame: that allocation is the
 * flood's, not the limiter's. Single-threaded benchmark state.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar FloodLimit -f 1 -wi 3 -w 1s -i 5 -r 1s -prof gc}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FloodLimitBenchmark {

    /** Flood limit in packets per second; 0 is off. */
    @Param({"0", "1000000000", "1"})
    public int limit;

    private Vtep vtep;
    private LocalPort port;
    private ByteBuf frame;

    /** Opens a VTEP on a free loopback port with one segment and two local ports; not thread-safe. */
    @Setup(Level.Trial)
    public void setUp() throws SocketException {
        int udpPort;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            udpPort = probe.getLocalPort();
        }
        vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(udpPort)
                .eventLoops(1)
                .build();
        Segment segment = vtep.segment(100).floodLimit(limit);
        port = segment.attach(ByteBuf::release);
        segment.attach(ByteBuf::release);
        frame = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        frame.writeShort(0xFFFF).writeInt(0xFFFF_FFFF); // broadcast
        frame.writeShort(0x02B5).writeInt(1); // source 02:b5:00:00:00:01
        frame.writeShort(Ethernet.TYPE_IPV4);
        frame.writeZero(64 - frame.writerIndex());
    }

    /** Closes the VTEP and releases the frame; not thread-safe. */
    @TearDown(Level.Trial)
    public void tearDown() {
        vtep.close();
        frame.release();
    }

    /** One broadcast from a local port: limiter check, learn, flood to the other port. */
    @Benchmark
    public void floodFromPort() {
        port.send(frame.retain()); // the port takes one reference; ours stays
    }
}
