package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A frame too big for the tunnel: dropped and counted, and its sender answered on its own port, rate-limited. */
class VtepPmtuTest {

    static final int VNI = 21;
    static final String HOST = "020000000001";
    static final String PEER = "020000000002";

    final AtomicLong now = new AtomicLong(1_000_000_000L);

    Vtep.Builder builder() {
        return Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).ticker(now::get);
    }

    /** An IPv4 packet of {@code total} bytes from 10.50.1.1 to 10.50.1.2 with DF as given. */
    static ByteBuf frame(int total, boolean df) {
        byte[] ip = new byte[total];
        ip[0] = 0x45;
        ip[2] = (byte) (total >>> 8);
        ip[3] = (byte) total;
        ip[6] = (byte) (df ? 0x40 : 0);
        ip[8] = 64;
        ip[9] = 17;
        byte[] addresses = HexFormat.of().parseHex("0a3201010a320102");
        System.arraycopy(addresses, 0, ip, 12, 8);
        return PacketTooBigTest.frame(PEER, HOST, "0800", HexFormat.of().formatHex(ip));
    }

    static void peerIsRemote(Vtep v) throws Exception {
        v.forwardingTable()
                .addStatic(
                        VNI,
                        MacAddress.parse("02:00:00:00:00:02"),
                        Location.remote(InetAddress.getByName("127.0.0.2")));
    }

    @Test
    void aTooBigFrameWithDfIsDroppedAndAnsweredOnItsPortWithTheRoomLeft() throws Exception {
        try (Vtep v = builder().build();
                Sink sink = new Sink()) {
            peerIsRemote(v);
            LocalPort p = v.segment(VNI).attach(sink);
            p.send(frame(1451, true)); // 1451 + 14 + 8 + 28 = 1501 > 1500
            ByteBuf answer = sink.poll(0);
            assertNotNull(answer, "no ICMP answer");
            try {
                assertEquals(HOST + PEER + "0800", HexFormat.of().formatHex(bytes(answer, 0, 14)));
                assertEquals(3, answer.getUnsignedByte(14 + 20), "destination unreachable");
                assertEquals(4, answer.getUnsignedByte(14 + 21), "fragmentation needed");
                assertEquals(1450, answer.getUnsignedShort(14 + 26), "next-hop MTU");
            } finally {
                answer.release();
            }
            assertEquals(1, v.stats().segment(VNI).dropped(DropReason.MTU_EXCEEDED));
            assertEquals(0, v.stats().segment(VNI).packetsToUnderlay());

            p.send(frame(1450, true)); // fits exactly
            assertEquals(1, v.stats().segment(VNI).packetsToUnderlay());
            p.send(frame(1451, false)); // too big, no DF: dropped, not answered
            assertEquals(2, v.stats().segment(VNI).dropped(DropReason.MTU_EXCEEDED));
            assertEquals(0, sink.size());
        }
    }

    @Test
    void answersBeyondTheBucketAreCountedNotSent() throws Exception {
        try (Vtep v = builder().pmtuSignallingLimit(10, 2).build();
                Sink sink = new Sink()) {
            peerIsRemote(v);
            LocalPort p = v.segment(VNI).attach(sink);
            for (int i = 0; i < 5; i++) {
                p.send(frame(1480, true));
            }
            assertEquals(2, sink.size(), "the burst");
            assertEquals(3, v.stats().segment(VNI).dropped(DropReason.PMTU_ANSWER_RATE_LIMITED));
            assertEquals(5, v.stats().segment(VNI).dropped(DropReason.MTU_EXCEEDED));
            now.addAndGet(Duration.ofMillis(100).toNanos());
            p.send(frame(1480, true));
            assertEquals(3, sink.size(), "one token in 100 ms");
        }
    }

    @Test
    void offMeansOnlyTheDrop() throws Exception {
        try (Vtep v = builder().pmtuSignalling(false).build();
                Sink sink = new Sink()) {
            peerIsRemote(v);
            v.segment(VNI).attach(sink).send(frame(1480, true));
            assertEquals(0, sink.size());
            assertEquals(1, v.stats().segment(VNI).dropped(DropReason.MTU_EXCEEDED));
        }
    }

    @Test
    void badLimitsAreRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> builder().pmtuSignallingLimit(0, 1));
        assertTrue(e.getMessage().startsWith("pmtuSignallingLimit perSecond: 0 (expected:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder().pmtuSignallingLimit(1, 0));
        assertTrue(e.getMessage().startsWith("pmtuSignallingLimit burst: 0 (expected:"), e.getMessage());
    }

    private static byte[] bytes(ByteBuf buf, int index, int length) {
        byte[] out = new byte[length];
        buf.getBytes(buf.readerIndex() + index, out);
        return out;
    }
}
