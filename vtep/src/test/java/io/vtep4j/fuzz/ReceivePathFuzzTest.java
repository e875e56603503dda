package io.vtep4j.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.VtepListener;
import io.vtep4j.VtepStats;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.testing.FuzzBuffers;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes a VTEP's whole receive path through its public API: each input becomes one UDP datagram sent over loopback
 * to a running {@link Vtep} (VXLAN on the direct-I/O path, GRE-in-UDP on Netty's), followed by a well-formed
 * sentinel from the same socket; once the sentinel arrives the input has been handled (one flow, one socket, one
 * event loop: in order).
 *
 * <p>Invariants after every input: nothing longer than the MTU allows reached a port; a frame from the underlay
 * caused no underlay send (split horizon: the segment floods to a peer socket that must stay silent, and no segment
 * counts a packet to the underlay); no handler or internal failure; a segment whose allow-list names another remote
 * delivered nothing; nothing leaked ({@link FuzzBuffers#countInput()}, and the leak extension after the class).
 * Input: {@code [options][payload...]}; options bit 0 picks the VTEP, bit 1 writes a valid header for one of the
 * segments in front (so the fuzzer spends its time past the header checks), bits 4-5 pick the spoofed source.
 */
class ReceivePathFuzzTest {
    static final int MTU = 1500;
    /** Outer IPv4 20 + UDP 8 + VXLAN or GRE 8: the longest frame an MTU-sized tunnel packet carries. */
    static final int MAX_FRAME = MTU - 36;

    static final int OPEN = 5001;
    static final int SENTINEL = 5002;
    static final int FENCED = 5003;
    static final int[] VNIS = {OPEN, FENCED, 0x123456, 77};
    static final byte[] MAGIC = {0x5e, 0x17, 0x5e, 0x17};

    static final class Target {
        final Vtep vtep;
        final int port;
        final boolean gre;

        Target(Vtep vtep, int port, boolean gre) {
            this.vtep = vtep;
            this.port = port;
            this.gre = gre;
        }
    }

    static Target[] targets;
    static DatagramSocket[] injectors;
    static DatagramSocket[] peers;
    static final AtomicLong peerPackets = new AtomicLong();
    static final AtomicLong fencedFrames = new AtomicLong();
    static final AtomicLong failures = new AtomicLong();
    static final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    static final ConcurrentLinkedQueue<Long> sentinels = new ConcurrentLinkedQueue<>();
    static long sequence;

    @BeforeAll
    static void start() throws IOException {
        injectors = new DatagramSocket[4];
        for (int i = 0; i < injectors.length; i++) {
            injectors[i] = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0." + (9 + i)), 0));
        }
        targets = new Target[] {open(Encapsulation.VXLAN, true), open(Encapsulation.GRE_UDP, false)};
        peers = new DatagramSocket[targets.length];
        for (int i = 0; i < targets.length; i++) {
            peers[i] = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), targets[i].port));
            DatagramSocket peer = peers[i];
            Thread t = new Thread(() -> drain(peer), "fuzz-peer-" + i);
            t.setDaemon(true);
            t.start();
        }
    }

    private static Target open(Encapsulation encapsulation, boolean directIo) throws IOException {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = probe.getLocalPort();
        }
        Vtep vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .encapsulation(encapsulation)
                .directIo(directIo)
                .eventLoops(1)
                .mtu(MTU)
                .listener(new VtepListener() {
                    @Override
                    public void handlerFailed(LocalPort p, Throwable cause) {
                        violations.add("handler failed: " + cause);
                    }
                })
                .build();
        Segment open = vtep.segment(OPEN).floodTo("127.0.0.2");
        open.attach("a", ReceivePathFuzzTest::check);
        open.attach("b", ReceivePathFuzzTest::check);
        vtep.segment(SENTINEL).attach("sentinel", ReceivePathFuzzTest::sentinel);
        vtep.segment(FENCED).allowRemotes("127.0.0.3").floodTo("127.0.0.2").attach("fenced", frame -> {
            fencedFrames.incrementAndGet();
            frame.release();
        });
        vtep.segment(0x123456).attach("c", ReceivePathFuzzTest::check);
        return new Target(vtep, port, encapsulation != Encapsulation.VXLAN);
    }

    private static void drain(DatagramSocket peer) {
        byte[] buf = new byte[65536];
        while (!peer.isClosed()) {
            try {
                peer.receive(new DatagramPacket(buf, buf.length));
                peerPackets.incrementAndGet();
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void check(ByteBuf frame) {
        try {
            int length = frame.readableBytes();
            if (length > MAX_FRAME || length < 14) {
                violations.add("delivered a frame of " + length + " bytes (expected: 14.." + MAX_FRAME + ")");
            }
        } finally {
            frame.release();
        }
    }

    private static void sentinel(ByteBuf frame) {
        try {
            int ri = frame.readerIndex();
            if (frame.readableBytes() >= 26
                    && frame.getInt(ri + 14) == ByteBuffer.wrap(MAGIC).getInt()) {
                sentinels.add(frame.getLong(ri + 18));
            }
        } finally {
            frame.release();
        }
    }

    @AfterAll
    static void stop() {
        for (Target t : targets) {
            t.vtep.close();
        }
        for (DatagramSocket s : injectors) {
            s.close();
        }
        for (DatagramSocket s : peers) {
            s.close();
        }
    }

    @FuzzTest(maxDuration = "10m")
    void receive(byte[] input) throws Exception {
        if (input.length < 1) {
            return;
        }
        int options = input[0] & 0xFF;
        Target target = targets[options & 1];
        byte[] payload = Arrays.copyOfRange(input, 1, input.length);
        if ((options & 2) != 0) {
            payload = withHeader(target.gre, VNIS[(options >>> 2) & 3], payload);
        }
        DatagramSocket injector = injectors[(options >>> 4) & 3];
        InetSocketAddress to = new InetSocketAddress(InetAddress.getLoopbackAddress(), target.port);
        if (payload.length <= 65507) {
            injector.send(new DatagramPacket(payload, payload.length, to));
        }
        long seq = ++sequence;
        byte[] mark = sentinelFrame(seq);
        byte[] sentinel = withHeader(target.gre, SENTINEL, mark);
        injector.send(new DatagramPacket(sentinel, sentinel.length, to));
        awaitSentinel(seq);

        assertTrue(violations.isEmpty(), () -> String.join("\n", violations));
        assertEquals(0, peerPackets.get(), "a frame from the underlay was sent back to the underlay");
        assertEquals(0, fencedFrames.get(), "a segment delivered a frame from a remote its allow-list excludes");
        for (Target t : targets) {
            VtepStats stats = t.vtep.stats();
            stats.segments().values().forEach(s -> assertEquals(0, s.packetsToUnderlay(), () -> "underlay send: " + s));
            assertEquals(0, stats.dropped(DropReason.SEND_FAILED), () -> "internal failure counted: " + stats);
        }
        FuzzBuffers.countInput();
    }

    private static void awaitSentinel(long seq) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            for (Long s; (s = sentinels.poll()) != null; ) {
                if (s == seq) {
                    return;
                }
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("the VTEP stopped forwarding: sentinel " + seq + " did not arrive in 10 s");
            }
            Thread.sleep(0, 100_000);
        }
    }

    /** A VXLAN header (I flag) or NVGRE header (K bit, TEB) for {@code vni} in front of {@code frame}. */
    static byte[] withHeader(boolean gre, int vni, byte[] frame) {
        ByteBuffer b = ByteBuffer.allocate(8 + frame.length);
        if (gre) {
            b.putInt(0x2000_6558).putInt(vni << 8);
        } else {
            b.putInt(0x0800_0000).putInt(vni << 8);
        }
        return b.put(frame).array();
    }

    /** A broadcast frame from 02:5e:00:00:00:01 carrying the magic and the sequence number. */
    static byte[] sentinelFrame(long seq) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put(new byte[] {-1, -1, -1, -1, -1, -1, 2, 0x5e, 0, 0, 0, 1}).putShort((short) 0x88b5);
        return b.put(MAGIC).putLong(seq).array();
    }
}
