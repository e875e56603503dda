package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Unknown unicast destinations reach the listener (like Linux's l2miss), at most the configured rate per segment. */
class VtepMissEventsTest {

    static final int VNI = 7;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long HOST = MacAddress.parse("02:00:00:00:00:01");
    static final long UNKNOWN = MacAddress.parse("02:00:00:00:00:99");

    private final List<String> misses = new CopyOnWriteArrayList<>();
    private final AtomicLong clock = new AtomicLong(1_000_000_000L);
    private final VtepListener listener = new VtepListener() {
        @Override
        public void unknownDestination(int vni, long mac, LocalPort port) {
            misses.add(vni + " " + MacAddress.toString(mac) + " " + port.name());
        }
    };

    @Test
    void unknownDestinationsAreReportedAtMostAtTheConfiguredRate() throws Exception {
        try (Sink other = new Sink();
                Vtep v = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(Ports.freeUdp())
                        .ticker(clock::get)
                        .listener(listener)
                        .missEvents(2)
                        .build()) {
            Segment s = v.segment(VNI);
            LocalPort port = s.attach("vm1", ByteBuf::release);
            s.attach("vm2", other);
            for (int i = 0; i < 5; i++) {
                port.send(Frames.frame(UNKNOWN, HOST));
            }
            Await.until(WAIT, () -> other.size() == 5, () -> "flooded: " + other.size());
            assertEquals(List.of("7 02:00:00:00:00:99 vm1", "7 02:00:00:00:00:99 vm1"), misses);

            port.send(Frames.frame(Frames.BROADCAST, HOST)); // not a miss: broadcast
            port.send(Frames.frame(HOST, MacAddress.parse("02:00:00:00:00:02"))); // not a miss: HOST is known
            clock.addAndGet(500_000_000L); // half a second refills one token
            port.send(Frames.frame(UNKNOWN, HOST));
            Await.until(WAIT, () -> other.size() == 7, () -> "flooded: " + other.size());
            assertEquals(3, misses.size());
        }
    }

    @Test
    void zeroTurnsMissEventsOffAndTheBuilderChecksTheRate() throws Exception {
        try (Sink other = new Sink();
                Vtep v = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(Ports.freeUdp())
                        .listener(listener)
                        .missEvents(0)
                        .build()) {
            Segment s = v.segment(VNI);
            LocalPort port = s.attach(ByteBuf::release);
            s.attach(other);
            port.send(Frames.frame(UNKNOWN, HOST));
            Await.until(WAIT, () -> other.size() == 1, () -> "flooded: " + other.size());
            assertEquals(List.of(), misses);
        }
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Vtep.builder().missEvents(-1));
        assertSame(IllegalArgumentException.class, e.getClass());
        assertEquals(true, e.getMessage().startsWith("missEvents: -1 (expected: "), e.getMessage());
    }
}
