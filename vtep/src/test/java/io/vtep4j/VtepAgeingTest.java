package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.ByteBuf;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The periodic sweep ages idle MACs out by the injected ticker; the next frame to them floods again. */
class VtepAgeingTest {

    static final int VNI = 42;
    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void idleMacAgesOutOnTheSweepAndTheNextFrameFloods() throws Exception {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        int port = Ports.freeUdp();
        long macA = MacAddress.parse("02:00:00:00:01:0a");
        long macB = MacAddress.parse("02:00:00:00:01:0b");
        try (Sink sinkA = new Sink();
                Sink sinkB = new Sink();
                Sink sinkC = new Sink();
                Vtep a = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .ticker(now::get)
                        .ageing(Duration.ofSeconds(10))
                        .sweepInterval(Duration.ofMillis(20))
                        .build();
                Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build();
                Vtep c = Vtep.builder().localAddress("127.0.0.3").port(port).build()) {
            LocalPort pa =
                    a.segment(VNI).floodTo("127.0.0.2").floodTo("127.0.0.3").attach(sinkA);
            LocalPort pb = b.segment(VNI).floodTo("127.0.0.1").attach(sinkB);
            c.segment(VNI).attach(sinkC);

            pb.send(frame(BROADCAST, macB));
            take(sinkA);
            assertNotNull(a.forwardingTable().lookup(VNI, macB));
            pa.send(frame(macB, macA));
            take(sinkB);
            assertEquals(0, sinkC.size());

            // Nine seconds idle: still there after several sweeps.
            now.addAndGet(Duration.ofSeconds(9).toNanos());
            long floodsBefore = a.stats().segment(VNI).floods();
            long sweeps = a.runtime.sweeps();
            Await.until(WAIT, () -> a.runtime.sweeps() >= sweeps + 2, () -> "sweeps: " + a.runtime.sweeps());
            assertNotNull(a.forwardingTable().lookup(VNI, macB));

            // Past the ageing time: the sweep removes it...
            now.addAndGet(Duration.ofSeconds(2).toNanos());
            Await.until(
                    WAIT,
                    () -> a.forwardingTable().lookup(VNI, macB) == null,
                    () -> a.forwardingTable().show());
            // ...so the next frame to it is unknown unicast and floods to C as well.
            pa.send(frame(macB, macA));
            take(sinkB);
            take(sinkC);
            assertEquals(floodsBefore + 1, a.stats().segment(VNI).floods());
        }
    }

    private static void take(Sink sink) throws InterruptedException {
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f, "no frame arrived");
        f.release();
    }
}
