package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.internal.Transports;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** VTEPs whose own loops busy-wait forward as usual and still run their scheduled work while no packet comes. */
class VtepBusyWaitLoopsTest {

    static final int VNI = 77;
    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void busyWaitingVtepsForwardBothWaysAndSweepWhileIdle() throws Exception {
        int port = Ports.freeUdp();
        long macA = MacAddress.parse("02:00:00:00:02:0a");
        long macB = MacAddress.parse("02:00:00:00:02:0b");
        try (Sink sinkA = new Sink();
                Sink sinkB = new Sink();
                Vtep a = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .eventLoops(1)
                        .busyWait(Duration.ofSeconds(10))
                        .sweepInterval(Duration.ofMillis(20))
                        .build();
                Vtep b = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .eventLoops(1)
                        .busyWait(Duration.ofSeconds(10))
                        .build()) {
            LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach(sinkA);
            LocalPort pb = b.segment(VNI).floodTo("127.0.0.1").attach(sinkB);

            pa.send(frame(BROADCAST, macA));
            take(sinkB);
            pb.send(frame(macA, macB));
            take(sinkA);
            assertNotNull(
                    a.forwardingTable().lookup(VNI, macB), a.forwardingTable().show());

            // No traffic now: the sweep is a scheduled task, and a loop spinning on I/O alone would never run it.
            long sweeps = a.runtime.sweeps();
            Await.until(WAIT, () -> a.runtime.sweeps() >= sweeps + 3, () -> "sweeps: " + a.runtime.sweeps());
        }
    }

    @Test
    void busyWaitAndAGivenGroupAreRefusedTogether() {
        EventLoopGroup group = Transports.newGroup(1, "given");
        try {
            IllegalStateException e = assertThrows(
                    IllegalStateException.class,
                    () -> Vtep.builder()
                            .localAddress("127.0.0.1")
                            .eventLoopGroup(group)
                            .busyWait(Duration.ofSeconds(10))
                            .build());
            assertTrue(e.getMessage().startsWith("busyWait: PT10S with eventLoopGroup("), e.getMessage());
            assertTrue(e.getMessage().contains("expected: one of them"), e.getMessage());
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS)
                    .syncUninterruptibly();
        }
    }

    @Test
    void busyWaitWindowOutsideItsRangeIsRefusedAtOnce() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> Vtep.builder().busyWait(Duration.ofSeconds(11)));
        assertTrue(e.getMessage().equals("busyWait: PT11S (expected: PT0S .. PT10S)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Vtep.builder().busyWait(Duration.ofNanos(-1)));
        assertTrue(e.getMessage().startsWith("busyWait: PT-0.000000001S"), e.getMessage());
    }

    private static void take(Sink sink) throws InterruptedException {
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f, "no frame arrived");
        f.release();
    }
}
