package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.Transports;
import io.vtep4j.testing.Ports;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Losses are never hidden: datagrams the kernel drops at an underlay socket while the event loop is busy show as
 * {@link DropReason#UNDERLAY_RECEIVE_OVERFLOW}, exactly as many as the kernel counted ({@code /proc/net/udp}), on
 * both receive paths; losses counted outside the engine join the VTEP's drops through {@link Vtep#countLosses}.
 */
class VtepReceiveLossTest {

    /** Far more small datagrams than a 4 MiB receive buffer holds while nobody reads. */
    static final int FLOOD = 30_000;

    static final long WAIT_MILLIS = 10_000;

    @ParameterizedTest(name = "directIo={0}")
    @ValueSource(booleans = {true, false})
    void datagramsTheKernelDroppedWhileTheLoopWasBlockedAreCountedAsTheKernelCountedThem(boolean directIo)
            throws Exception {
        assumeTrue(Transports.epoll(), "the socket's drop counter is read on the epoll transport");
        EventLoopGroup group = Transports.newGroup(1, "loss");
        int port = Ports.freeUdp();
        CountDownLatch release = new CountDownLatch(1);
        try (Vtep v = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .directIo(directIo)
                        .eventLoopGroup(group)
                        .build();
                DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.9", 0))) {
            CountDownLatch blocked = new CountDownLatch(1);
            group.next().execute(() -> {
                blocked.countDown();
                try {
                    release.await(WAIT_MILLIS, TimeUnit.MILLISECONDS); // bounded: the loop comes back regardless
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertTrue(blocked.await(WAIT_MILLIS, TimeUnit.MILLISECONDS), "the loop took the blocking task");

            byte[] junk = new byte[32];
            DatagramPacket p = new DatagramPacket(junk, junk.length, new InetSocketAddress("127.0.0.1", port));
            for (int i = 0; i < FLOOD && kernelDrops(port) == 0; i += 1000) {
                for (int j = 0; j < 1000; j++) {
                    peer.send(p);
                }
            }
            long droppedByKernel = kernelDrops(port);
            assertTrue(droppedByKernel > 0, "the kernel dropped nothing: the test did not overflow the socket");
            assertEquals(0, v.stats().dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW), "the loop is still blocked");

            release.countDown();
            // The count travels with the datagrams read after the losses: keep one trickling in until it shows.
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MILLIS);
            while (v.stats().dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW) < kernelDrops(port)
                    && System.nanoTime() < deadline) {
                peer.send(p);
                Thread.sleep(20);
            }
            long kernel = kernelDrops(port);
            assertTrue(kernel >= droppedByKernel);
            assertEquals(kernel, v.stats().dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW), v.stats()::toString);
            assertEquals(kernel, LiveCounters.dropped(v, DropReason.UNDERLAY_RECEIVE_OVERFLOW));
        } finally {
            release.countDown();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void lossesCountedOutsideTheEngineShowInTheStatsAndStayAfterTheSourceCloses() throws Exception {
        AtomicLong ring = new AtomicLong(5);
        try (Vtep v =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            LossCounter overruns = v.countLosses(DropReason.PORT_RECEIVE_OVERFLOW, ring::get);
            LossCounter failing = v.countLosses(DropReason.PORT_SEND_FAILED, () -> {
                throw new IllegalStateException("a source that throws reads as 0");
            });
            assertEquals(5, v.stats().dropped(DropReason.PORT_RECEIVE_OVERFLOW));
            ring.set(12);
            assertEquals(12, LiveCounters.dropped(v, DropReason.PORT_RECEIVE_OVERFLOW));
            VtepStats before = v.stats();
            overruns.close();
            ring.set(1_000); // no longer read
            overruns.close(); // idempotent
            assertEquals(12, v.stats().dropped(DropReason.PORT_RECEIVE_OVERFLOW), "the last total stays");
            assertEquals(0, v.stats().minus(before).dropped(DropReason.PORT_RECEIVE_OVERFLOW));
            assertEquals(0, v.stats().dropped(DropReason.PORT_SEND_FAILED));
            failing.close();
            assertThrows(NullPointerException.class, () -> v.countLosses(null, ring::get));
        }
    }

    /** The {@code drops} column of the loopback UDP socket bound to {@code port}, from {@code /proc/net/udp}. */
    static long kernelDrops(int port) throws IOException {
        String local = String.format(Locale.ROOT, "0100007F:%04X", port);
        List<String> lines = Files.readAllLines(Path.of("/proc/net/udp"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.trim().split("\\s+");
            if (f[1].equals(local)) {
                return Long.parseLong(f[f.length - 1]);
            }
        }
        throw new AssertionError("no UDP socket on " + local + " in /proc/net/udp");
    }
}
