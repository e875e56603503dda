package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.internal.Transports;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Faults and races around the lifecycle: a shut-down event loop group, close from a handler, close under load,
 * segments and ports coming and going during traffic. Every loop is bounded; the leak detector checks buffers.
 */
class VtepFaultsTest {

    static final int VNI = 9;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long HOST = MacAddress.parse("02:00:00:00:00:01");

    @ParameterizedTest(name = "directIo={0}")
    @ValueSource(booleans = {true, false})
    void afterTheSharedGroupShutsDownSendThrowsIllegalStateAndReleasesTheFrame(boolean directIo) throws Exception {
        EventLoopGroup group = Transports.newGroup(2, "faults");
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .eventLoopGroup(group)
                .directIo(directIo && Transports.epoll())
                .build()) {
            LocalPort p = v.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release);
            p.send(frame(BROADCAST, HOST));
            assertTrue(group.shutdownGracefully(0, 0, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));

            ByteBuf late = frame(BROADCAST, HOST);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.send(late));
            assertEquals(0, late.refCnt(), "the refused frame is released");
            assertTrue(e.getMessage().contains("event loops"), e.getMessage());
            ByteBuf written = frame(BROADCAST, HOST);
            assertThrows(IllegalStateException.class, () -> p.write(written));
            assertEquals(0, written.refCnt());
            p.flush(); // nothing queued: a no-op, not an exception
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
        }
    }

    @Test
    void closeFromAFrameHandlerReturnsAtOnceAndFinishesInTheBackground() throws Exception {
        int port = Ports.freeUdp();
        CountDownLatch handlerReturned = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean openAfterClose = new AtomicBoolean(true);
        try (Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build()) {
            Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build();
            AtomicReference<LocalPort> pb = new AtomicReference<>();
            pb.set(b.segment(VNI).attach(frame -> {
                frame.release();
                try {
                    b.close();
                    openAfterClose.set(b.isOpen() || pb.get().isOpen());
                } catch (Throwable t) {
                    failure.set(t);
                }
                handlerReturned.countDown();
            }));
            LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release);
            pa.send(frame(BROADCAST, HOST));
            // Waiting on its own event loop would take 10 s or fail; returning at once is well inside this bound.
            assertTrue(handlerReturned.await(5, TimeUnit.SECONDS), "close() returned inside the handler");
            assertEquals(null, failure.get());
            assertFalse(openAfterClose.get(), "closed as seen from the handler");
            Await.until(WAIT, () -> bindable("127.0.0.2", port), () -> "127.0.0.2:" + port + " still bound");
            b.close(); // idempotent from an application thread
            assertThrows(IllegalStateException.class, () -> b.segment(VNI));
        }
    }

    static boolean bindable(String address, int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(address, port))) {
            return true;
        } catch (SocketException e) {
            return false;
        }
    }

    /** Runs {@code body} on {@code n} threads until {@code stop}; collects anything but IllegalStateException. */
    static List<Thread> senders(int n, AtomicBoolean stop, Queue<Throwable> unexpected, Runnable body) {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(
                    () -> {
                        for (int sent = 0; sent < 200_000 && !stop.get(); sent++) {
                            try {
                                body.run();
                            } catch (IllegalStateException expected) {
                                // closed under our feet: documented
                            } catch (Throwable e) {
                                unexpected.add(e);
                                return;
                            }
                        }
                    },
                    "sender-" + i);
            t.start();
            threads.add(t);
        }
        return threads;
    }

    static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join(WAIT.toMillis());
            assertFalse(t.isAlive(), t.getName() + " still running");
        }
    }

    @Test
    void closeUnderLoadInBothDirectionsLeavesNothingBehind() throws Exception {
        int port = Ports.freeUdp();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
        Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build();
        Segment sb = b.segment(VNI).floodTo("127.0.0.1");
        AtomicReference<LocalPort> echo = new AtomicReference<>();
        sb.attach(ByteBuf::release);
        // B sends every frame it receives back to A from its event loop: traffic on both loops and both directions.
        echo.set(sb.attach(frame -> {
            try {
                echo.get().send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:0b")));
            } catch (IllegalStateException closing) {
                // B is closing
            } finally {
                frame.release();
            }
        }));
        LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release);
        List<Thread> threads = senders(3, stop, unexpected, () -> pa.send(frame(BROADCAST, HOST)));
        // Both directions under way: B receives and echoes while A's senders keep going.
        Await.until(
                WAIT,
                () -> b.stats().segment(VNI).packetsFromUnderlay() > 100
                        && b.stats().segment(VNI).packetsToUnderlay() > 0,
                () -> b.stats().toString());
        b.close();
        a.close();
        stop.set(true);
        join(threads);
        assertTrue(unexpected.isEmpty(), unexpected::toString);
        Await.until(
                WAIT,
                () -> VtepCloseTest.vtepThreads().isEmpty(),
                () -> VtepCloseTest.vtepThreads().toString());
        assertThrows(IllegalStateException.class, () -> pa.send(frame(BROADCAST, HOST)));
    }

    @Test
    void segmentsAndPortsComeAndGoWhileTrafficFlows() throws Exception {
        int port = Ports.freeUdp();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        try (Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build();
                Sink sink = new Sink()) {
            AtomicReference<LocalPort> current =
                    new AtomicReference<>(a.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release));
            List<Thread> threads =
                    senders(2, stop, unexpected, () -> current.get().send(frame(BROADCAST, HOST)));
            // Churn on both sides: A's sending ports and segment, B's receiving ports and segment.
            for (int round = 0; round < 100; round++) {
                Segment sa = a.segment(VNI).floodTo("127.0.0.2");
                LocalPort old = current.getAndSet(sa.attach(ByteBuf::release));
                old.close();
                LocalPort pb = b.segment(VNI).attach(ByteBuf::release);
                if (round % 10 == 0) {
                    b.segment(VNI).close();
                    sa.close();
                } else {
                    pb.close();
                }
            }
            stop.set(true);
            join(threads);
            assertTrue(unexpected.isEmpty(), unexpected::toString);

            // Still consistent afterwards: a fresh pair of ports on both sides talks.
            b.segment(VNI).attach(sink);
            LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach(ByteBuf::release);
            pa.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:0c")));
            // The churn's senders may have left thousands of frames in B's socket buffer: skip them (bounded in
            // count and time) until the fresh frame arrives.
            ByteBuf f = null;
            long deadline = System.nanoTime() + 4 * WAIT.toNanos();
            int late = 0;
            while (f == null && late < 200_000 && System.nanoTime() < deadline) {
                ByteBuf got = sink.poll(WAIT.toMillis());
                assertNotNull(got, "traffic flows after the churn");
                if (Frames.source(got) == MacAddress.parse("02:00:00:00:00:0c")) {
                    f = got;
                } else {
                    got.release(); // a late frame of the churn phase
                    late++;
                }
            }
            assertNotNull(f, "the fresh frame did not arrive behind " + late + " late frames of the churn");
            f.release();
        }
    }
}
