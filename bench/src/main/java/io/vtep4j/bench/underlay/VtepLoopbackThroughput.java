package io.vtep4j.bench.underlay;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.learning.MacAddress;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * End-to-end loopback throughput of the engine: an application thread writes frames into a local port of VTEP A
 * (127.0.0.1), which unicasts them over VXLAN to VTEP B (127.0.0.2), whose handler counts and releases them. One
 * line per underlay configuration (recvmmsg batch, GSO on A, GRO on B). A window of frames in flight keeps the
 * sender from queueing without bound; a stall of 5 ms writes the missing frames off as lost. Each line also gives the
 * CPU time (user + system, {@code ThreadMXBean}) A's event loop spent per frame it sent: encapsulation, the hand-over
 * from the application thread and the send system calls.
 *
 * <p>With a third argument {@code raw ROUNDS}, only two modes run, alternating for ROUNDS rounds: A sending from its
 * bound UDP socket, and A sending through the raw path of {@code sourcePortRange(49152, 65535)} (needs CAP_NET_RAW).
 *
 * <pre>
 * mvn -B -q -o -pl bench -am package -DskipTests
 * java -Dio.netty.leakDetection.level=disabled -cp bench/target/benchmarks.jar \
 *     io.vtep4j.bench.underlay.VtepLoopbackThroughput [seconds=3] [frameBytes=1400] [raw ROUNDS]
 * </pre>
 */
public final class VtepLoopbackThroughput {

    static final int BURST = 32;
    static final int WINDOW = 4096;
    static final int VNI = 77;

    private VtepLoopbackThroughput() {}

    record Mode(String name, int readBatch, boolean gso, boolean gro, boolean range) {
        Mode(String name, int readBatch, boolean gso, boolean gro) {
            this(name, readBatch, gso, gro, false);
        }
    }

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : 1400;
        Mode[] modes = {
            new Mode("recvmsg (readBatch 1)", 1, false, false),
            new Mode("recvmmsg (readBatch 32)", 32, false, false),
            new Mode("recvmmsg + GSO on A", 32, true, false),
            new Mode("GSO on A + GRO on B", 32, true, true),
            new Mode("GRO on B, no GSO", 32, false, true),
        };
        int rounds = args.length > 3 && args[2].equals("raw") ? Integer.parseInt(args[3]) : 0;
        if (rounds > 0) {
            Mode udp = new Mode("UDP socket (bound port)", 32, false, false);
            Mode raw = new Mode("raw path (49152..65535)", 32, false, false, true);
            modes = new Mode[2 * rounds];
            for (int i = 0; i < rounds; i++) {
                modes[2 * i] = i % 2 == 0 ? udp : raw;
                modes[2 * i + 1] = i % 2 == 0 ? raw : udp;
            }
        }
        System.out.printf(
                "engine A->B, frame %d bytes, %d s per mode, %d cores%n",
                size, seconds, Runtime.getRuntime().availableProcessors());
        for (Mode mode : modes) {
            run(mode, size, seconds);
        }
    }

    static int freePort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        }
    }

    static void run(Mode mode, int size, int seconds) throws Exception {
        int port = freePort();
        LongAdder received = new LongAdder();
        long macA = MacAddress.parse("02:00:00:00:00:0a");
        long macB = MacAddress.parse("02:00:00:00:00:0b");
        EventLoopGroup groupA = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        long loopThread = groupA.submit(() -> Thread.currentThread().getId()).get();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Vtep.Builder builderA = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .eventLoopGroup(groupA)
                .udpGso(mode.gso())
                .readBatch(mode.readBatch());
        if (mode.range()) {
            builderA.sourcePortRange(49152, 65535);
        }
        try (Vtep a = builderA.build();
                Vtep b = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .eventLoops(1)
                        .udpGro(mode.gro())
                        .readBatch(mode.readBatch())
                        .build()) {
            LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release);
            b.segment(VNI).attach(frame -> {
                received.increment();
                frame.release();
            });
            // Teach A where macB lives so that the measured traffic is unicast.
            b.forwardingTable().learn(VNI, macA, io.vtep4j.learning.Location.localPort(0, "x"));
            a.forwardingTable()
                    .addStatic(VNI, macB, io.vtep4j.learning.Location.remote(InetAddress.getByName("127.0.0.2")));
            long sent = 0;
            long lost = 0;
            long warmEnd = System.nanoTime() + 1_000_000_000L;
            long start = 0;
            long sentAtStart = 0;
            long receivedAtStart = 0;
            long lostAtStart = 0;
            long cpuAtStart = 0;
            long sentByAAtStart = 0;
            long end = warmEnd + seconds * 1_000_000_000L;
            long stallSince = 0;
            while (true) {
                long now = System.nanoTime();
                if (start == 0 && now >= warmEnd) {
                    start = now;
                    sentAtStart = sent;
                    receivedAtStart = received.sum();
                    lostAtStart = lost;
                    cpuAtStart = threads.getThreadCpuTime(loopThread);
                    sentByAAtStart = a.stats().segment(VNI).packetsToUnderlay();
                }
                if (now >= end) {
                    break;
                }
                long inFlight = sent - received.sum() - lost;
                if (inFlight > WINDOW) {
                    if (stallSince == 0) {
                        stallSince = now;
                    } else if (now - stallSince > 5_000_000L) {
                        lost += inFlight;
                        stallSince = 0;
                    }
                    Thread.onSpinWait();
                    continue;
                }
                stallSince = 0;
                for (int i = 0; i < BURST; i++) {
                    ByteBuf f = ByteBufAllocator.DEFAULT.directBuffer(size);
                    f.writeShort((int) (macB >>> 32)).writeInt((int) macB);
                    f.writeShort((int) (macA >>> 32)).writeInt((int) macA);
                    f.writeShort(0x0800).writeZero(size - 14);
                    pa.write(f);
                }
                pa.flush();
                sent += BURST;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            long s = sent - sentAtStart;
            long r = received.sum() - receivedAtStart;
            long cpu = threads.getThreadCpuTime(loopThread) - cpuAtStart;
            long sentByA = a.stats().segment(VNI).packetsToUnderlay() - sentByAAtStart;
            System.out.printf(
                    "%-28s sent %,9.0f fps  delivered %,9.0f fps  %6.1f MB/s  written off %5.1f%%  A loop %,6.0f"
                            + " ns CPU/frame  %s%n",
                    mode.name(),
                    s / secs,
                    r / secs,
                    r * (double) size / secs / 1e6,
                    s == 0 ? 0 : 100.0 * (lost - lostAtStart) / s,
                    sentByA == 0 ? 0.0 : cpu / (double) sentByA,
                    b.stats().drops());
        } finally {
            groupA.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }
}
