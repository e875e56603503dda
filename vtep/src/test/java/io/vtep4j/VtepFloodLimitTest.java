package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** BUM storm control per segment, on a fake clock: counts, not timings. */
class VtepFloodLimitTest {

    static final int VNI = 9;
    static final long HOST = MacAddress.parse("02:00:00:00:00:01");

    final AtomicLong now = new AtomicLong(1_000_000_000L);

    Vtep vtep() {
        return Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .ticker(now::get)
                .build();
    }

    static void broadcasts(LocalPort p, int n) {
        for (int i = 0; i < n; i++) {
            p.send(frame(BROADCAST, HOST));
        }
    }

    static long sent(Vtep v) {
        return v.stats().segment(VNI).packetsToUnderlay();
    }

    static long limited(Vtep v) {
        return v.stats().segment(VNI).dropped(DropReason.FLOOD_LIMITED);
    }

    @Test
    void floodsBeyondTheBucketAreDroppedAndCountedAndTheBucketRefillsAtTheRate() throws Exception {
        try (Vtep v = vtep()) {
            Segment s = v.segment(VNI).floodTo("127.0.0.2").floodLimit(10, 3); // a token every 100 ms, 3 at most
            assertEquals(10, s.floodLimit());
            LocalPort p = s.attach(ByteBuf::release);

            broadcasts(p, 5);
            assertEquals(3, sent(v), "the burst");
            assertEquals(2, limited(v));
            assertEquals(2, v.stats().dropped(DropReason.FLOOD_LIMITED));

            now.addAndGet(Duration.ofMillis(100).toNanos());
            broadcasts(p, 2);
            assertEquals(4, sent(v), "one token in 100 ms");
            assertEquals(3, limited(v));

            now.addAndGet(Duration.ofSeconds(10).toNanos());
            broadcasts(p, 4);
            assertEquals(7, sent(v), "a long quiet spell refills no more than the burst");
            assertEquals(4, limited(v));

            // Known unicast is never limited.
            long peer = MacAddress.parse("02:00:00:00:00:02");
            v.forwardingTable().addStatic(VNI, peer, Location.remote(InetAddress.getByName("127.0.0.2")));
            for (int i = 0; i < 5; i++) {
                p.send(frame(peer, HOST));
            }
            assertEquals(12, sent(v));
            assertEquals(4, limited(v));

            s.floodLimit(0);
            assertEquals(0, s.floodLimit());
            broadcasts(p, 20);
            assertEquals(32, sent(v), "off: every flood passes");
            assertEquals(4, limited(v));
        }
    }

    @Test
    void theLimitAlsoCoversLocalOnlyFloodsAndUnknownUnicast() throws Exception {
        try (Vtep v = vtep();
                Sink sink = new Sink()) {
            Segment s = v.segment(VNI).floodLimit(1); // burst of one second's worth: 1
            LocalPort p = s.attach(ByteBuf::release);
            s.attach(sink);
            p.send(frame(MacAddress.parse("02:00:00:00:00:77"), HOST)); // unknown unicast: flooded to the other port
            p.send(frame(MacAddress.parse("01:00:5e:00:00:01"), HOST)); // multicast
            assertEquals(1, sink.size());
            assertEquals(1, limited(v));
        }
    }

    @Test
    void theBuilderSetsTheDefaultOfNewSegmentsAndBadValuesAreRefused() throws Exception {
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .floodLimit(500)
                .build()) {
            assertEquals(500, v.segment(1).floodLimit());
            assertEquals(7, v.segment(2).floodLimit(7).floodLimit());
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> v.segment(1).floodLimit(-1));
            assertTrue(e.getMessage().startsWith("floodLimit: -1 (expected:"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> v.segment(1).floodLimit(5, 0));
            assertTrue(e.getMessage().startsWith("floodLimit burst: 0 (expected:"), e.getMessage());
        }
        assertEquals(0, vtep().segment(3).floodLimit(), "off by default");
    }
}
