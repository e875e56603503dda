package io.vtep4j.bench.soak;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The load of a soak run: two VTEPs on 127.0.0.1 and 127.0.0.2 (same UDP port) with a few steady segments that
 * carry traffic both ways, and each round some churn: a port attached, used and closed; a segment (VNI) created,
 * used and removed; VXLAN from spoofed outer sources (127.0.0.x) with random inner MACs, learned and aged out;
 * malformed datagrams. MACs age after {@link #AGEING}. Loopback only; every loop is bounded by a round budget.
 *
 * <p>Not thread-safe: one thread calls {@link #round()}; the VTEPs' own event loops do the rest.
 */
final class Churn implements AutoCloseable {
    static final Duration AGEING = Duration.ofSeconds(3);
    static final int STEADY_VNIS = 4;
    static final int CHURN_VNI_BASE = 20_000;
    static final int CHURN_VNIS = 64;
    static final int FRAMES_PER_ROUND = 64;
    static final int SPOOFED_SOURCES = 200;

    private final SplittableRandom random = new SplittableRandom(42);
    private final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
    private final Vtep a;
    private final Vtep b;
    private final List<LocalPort> portsA = new ArrayList<>();
    private final List<LocalPort> portsB = new ArrayList<>();
    private final DatagramSocket[] spoofers;
    private final InetSocketAddress targetA;
    final AtomicLong delivered = new AtomicLong();
    long rounds;

    Churn(int udpPort) throws IOException {
        a = vtep("127.0.0.1", udpPort);
        b = vtep("127.0.0.2", udpPort);
        for (int i = 0; i < STEADY_VNIS; i++) {
            int vni = 10_000 + i;
            portsA.add(a.segment(vni).floodTo("127.0.0.2").attach("a" + vni, this::consume));
            portsB.add(b.segment(vni).floodTo("127.0.0.1").attach("b" + vni, this::consume));
        }
        spoofers = new DatagramSocket[4];
        for (int i = 0; i < spoofers.length; i++) {
            spoofers[i] = new DatagramSocket(null);
        }
        targetA = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), udpPort);
    }

    private static Vtep vtep(String address, int port) {
        return Vtep.builder()
                .localAddress(address)
                .port(port)
                .eventLoops(1)
                .ageing(AGEING)
                .sweepInterval(Duration.ofMillis(250))
                .build();
    }

    private void consume(ByteBuf frame) {
        delivered.incrementAndGet();
        frame.release();
    }

    Vtep a() {
        return a;
    }

    /** One round of traffic and churn; bounded: a fixed number of frames and datagrams. */
    void round() throws IOException {
        rounds++;
        // steady traffic both ways: unicast to MACs learned a moment ago, and broadcasts
        for (int i = 0; i < FRAMES_PER_ROUND; i++) {
            int s = random.nextInt(STEADY_VNIS);
            long src = 0x0200_0000_0000L | (s << 16) | random.nextInt(256);
            long dst = (i & 7) == 0 ? 0xFFFF_FFFF_FFFFL : 0x0200_0000_0000L | (s << 16) | 0x100 | random.nextInt(256);
            portsA.get(s).send(frame(dst, src, 64 + random.nextInt(1300)));
            portsB.get(s).send(frame(src, dst & ~0x0100_0000_0000L | 0x100, 64));
        }
        // a port comes and goes
        Segment steady = a.segment(10_000 + random.nextInt(STEADY_VNIS));
        LocalPort transient_ = steady.attach("transient", this::consume);
        transient_.send(frame(0xFFFF_FFFF_FFFFL, 0x0600_0000_0000L | rounds, 60));
        transient_.close();
        // a VNI comes and goes on both sides (every other round it stays, and only its ports go)
        int vni = CHURN_VNI_BASE + (int) (rounds % CHURN_VNIS);
        Segment sa = a.segment(vni).floodTo("127.0.0.2");
        Segment sb = b.segment(vni).floodTo("127.0.0.1");
        LocalPort pb = sb.attach("churn-b", this::consume);
        LocalPort pa = sa.attach("churn-a", this::consume);
        pa.send(frame(0xFFFF_FFFF_FFFFL, 0x0a00_0000_0000L | rounds, 60));
        if ((rounds / CHURN_VNIS & 1) == 0) {
            sa.close();
            sb.close();
        } else {
            pa.close();
            pb.close();
        }
        // spoofed outer sources, each claiming a fresh MAC in a steady segment
        for (int i = 0; i < 8; i++) {
            DatagramSocket spoofer = spoofers[i & 3];
            rebind(spoofer, "127.0.0." + (10 + random.nextInt(SPOOFED_SOURCES)));
            long mac = 0x0e00_0000_0000L | random.nextLong(1L << 32);
            byte[] vxlan = vxlan(10_000 + random.nextInt(STEADY_VNIS), 0xFFFF_FFFF_FFFFL, mac);
            spoofer.send(new DatagramPacket(vxlan, vxlan.length, targetA));
        }
        // malformed datagrams
        for (int i = 0; i < 8; i++) {
            byte[] junk = new byte[random.nextInt(2000)];
            random.nextBytes(junk);
            if (junk.length > 0 && (i & 1) == 0) {
                junk[0] = 0x08; // often a VXLAN-looking first byte
            }
            spoofers[0].send(new DatagramPacket(junk, junk.length, targetA));
        }
    }

    private static void rebind(DatagramSocket socket, String address) throws IOException {
        if (socket.isBound()) {
            return; // a bound socket keeps its source; four sockets plus the per-round choice below rotate them
        }
        socket.bind(new InetSocketAddress(InetAddress.getByName(address), 0));
    }

    /** Closes the four spoofing sockets and opens new ones on other addresses: sources keep changing. */
    void rotateSpoofers() throws IOException {
        for (int i = 0; i < spoofers.length; i++) {
            spoofers[i].close();
            spoofers[i] = new DatagramSocket(null);
            rebind(spoofers[i], "127.0.0." + (10 + random.nextInt(SPOOFED_SOURCES)));
        }
    }

    private ByteBuf frame(long dst, long src, int length) {
        ByteBuf f = alloc.directBuffer(length);
        f.writeShort((int) (dst >>> 32)).writeInt((int) dst);
        f.writeShort((int) (src >>> 32)).writeInt((int) src);
        f.writeShort(0x88b5);
        f.writeZero(length - 14);
        return f;
    }

    private static byte[] vxlan(int vni, long dst, long src) {
        ByteBuffer p = ByteBuffer.allocate(8 + 60);
        p.putInt(0x0800_0000).putInt(vni << 8);
        p.putShort((short) (dst >>> 32)).putInt((int) dst);
        p.putShort((short) (src >>> 32)).putInt((int) src);
        p.putShort((short) 0x88b5);
        return p.array();
    }

    @Override
    public void close() {
        for (DatagramSocket s : spoofers) {
            s.close();
        }
        a.close();
        b.close();
    }
}
