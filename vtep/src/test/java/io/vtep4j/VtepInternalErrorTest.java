package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.Transports;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;

/**
 * Failures inside the engine (here: a clock that throws, injected through the ticker) are counted as
 * {@code INTERNAL_ERROR}, never as a failed send, and the Throwable reaches the listener.
 */
class VtepInternalErrorTest {

    static final int VNI = 9;
    static final Duration WAIT = Duration.ofSeconds(10);

    final AtomicBoolean broken = new AtomicBoolean();
    final IllegalStateException clockFailure = new IllegalStateException("clock broken");
    final LongSupplier ticker = () -> {
        if (broken.get()) {
            throw clockFailure;
        }
        return System.nanoTime();
    };
    final List<Throwable> reported = new CopyOnWriteArrayList<>();
    final List<String> drops = new CopyOnWriteArrayList<>();
    final VtepListener listener = new VtepListener() {
        @Override
        public void internalError(Throwable cause) {
            reported.add(cause);
        }

        @Override
        public void dropped(DropReason reason, int vni, InetAddress source) {
            drops.add(reason.label() + "/" + vni + "/" + (source == null ? "-" : source.getHostAddress()));
        }
    };

    @Test
    void aFailureOnTheSendPathAndTheReceivePathIsAnInternalError() throws Exception {
        int port = Ports.freeUdp();
        try (Sink sink = new Sink();
                Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep b = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .ticker(ticker)
                        .listener(listener)
                        .sweepInterval(Duration.ofHours(1))
                        .build()) {
            LocalPort pb = b.segment(VNI).floodTo("127.0.0.1").attach(sink);
            LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release);
            broken.set(true);

            pb.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:0b"))); // learning a new MAC reads the clock
            assertEquals(1, b.stats().dropped(DropReason.INTERNAL_ERROR));
            assertEquals(0, b.stats().dropped(DropReason.SEND_FAILED));
            assertEquals(List.of(clockFailure), reported);
            assertEquals(List.of("internal-error/9/-"), drops);

            pa.send(frame(
                    BROADCAST,
                    MacAddress.parse("02:00:00:00:00:0a"))); // B learns it from the underlay: the clock again
            Await.until(
                    WAIT,
                    () -> b.stats().dropped(DropReason.INTERNAL_ERROR) == 2,
                    () -> b.stats().toString());
            assertEquals(2, b.stats().segment(VNI).dropped(DropReason.INTERNAL_ERROR));
            assertEquals(List.of(clockFailure, clockFailure), reported);
            assertEquals("internal-error/9/127.0.0.1", drops.get(1));
            assertEquals(0, sink.size());

            broken.set(false);
            pa.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:0a")));
            ByteBuf f = sink.poll(WAIT.toMillis());
            assertNotNull(f, "the VTEP keeps forwarding once the fault is gone");
            f.release();
        }
    }

    @Test
    void aFailingAgeingSweepIsCountedAndReportedAndTheNextSweepRuns() throws Exception {
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .ticker(ticker)
                .listener(listener)
                .sweepInterval(Duration.ofMillis(5))
                .build()) {
            // A table with one MAC: the sweep reads the clock for it.
            v.segment(VNI).attach(ByteBuf::release).send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            broken.set(true);
            Await.until(WAIT, () -> !reported.isEmpty(), () -> v.stats().toString());
            assertSame(clockFailure, reported.get(0));
            long sweeps = v.runtime.sweeps();
            broken.set(false);
            Await.until(WAIT, () -> v.runtime.sweeps() > sweeps + 1, () -> "sweeps: " + v.runtime.sweeps());
            assertEquals(reported.size(), v.stats().dropped(DropReason.INTERNAL_ERROR), "every failure counted");
            assertEquals(1, v.forwardingTable().size(), "nothing aged meanwhile");
        }
    }

    @Test
    void aFailureInTheDirectIoReceiveLoopIsAnInternalErrorAndTheLoopRecovers() throws Exception {
        assumeTrue(Transports.epoll(), "direct I/O needs the epoll transport");
        OutOfMemoryError exhausted = new OutOfMemoryError("receive buffers exhausted (injected)");
        AtomicBoolean failing = new AtomicBoolean();
        // The receive loop takes one direct buffer per recvmmsg batch: make that fail on demand.
        PooledByteBufAllocator allocator = new PooledByteBufAllocator(true) {
            @Override
            protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
                if (failing.get()) {
                    throw exhausted;
                }
                return super.newDirectBuffer(initialCapacity, maxCapacity);
            }
        };
        // Until the fault clears, every wakeup fails again (the datagram stays queued): count, keep the first.
        AtomicReference<Throwable> first = new AtomicReference<>();
        AtomicLong failures = new AtomicLong();
        VtepListener counting = new VtepListener() {
            @Override
            public void internalError(Throwable cause) {
                first.compareAndSet(null, cause);
                failures.incrementAndGet();
            }
        };
        int port = Ports.freeUdp();
        try (Sink sink = new Sink();
                Vtep v = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .directIo(true)
                        .allocator(allocator)
                        .listener(counting)
                        .build();
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.9", 0))) {
            v.segment(VtepMalformedTest.VNI).attach(sink);
            byte[] packet = VtepMalformedTest.vxlan(0x08, VtepMalformedTest.VNI, 64, 0);
            failing.set(true);
            peer.send(new DatagramPacket(packet, packet.length, new InetSocketAddress("127.0.0.1", port)));
            Await.until(WAIT, () -> first.get() != null, () -> v.stats().toString());
            assertSame(exhausted, first.get());

            failing.set(false); // the datagram is still queued: the next wakeup reads and delivers it
            ByteBuf f = sink.poll(WAIT.toMillis());
            assertNotNull(f, "the loop survived and delivers");
            f.release();
            assertEquals(failures.get(), v.stats().dropped(DropReason.INTERNAL_ERROR), "each failure counted once");
            assertEquals(0, v.stats().dropped(DropReason.SEND_FAILED));
        }
    }
}
