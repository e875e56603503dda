package io.vtep4j;

import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.netty.buffer.ByteBuf;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A handler of one VTEP sends into a port of another (VNI stitching, as bench/system does): the second VTEP's sends
 * run on the first's event loop, are flushed once after that loop's batch, and every frame still arrives.
 */
class VtepStitchingTest {

    @Test
    void framesSentFromAnotherVtepsEventLoopAreFlushedAfterItsBatch() throws Exception {
        int port = Ports.freeUdp();
        long src = MacAddress.parse("02:00:00:00:00:01");
        long dst = MacAddress.parse("02:00:00:00:00:02");
        AtomicReference<LocalPort> onward = new AtomicReference<>();
        try (Sink sink = new Sink();
                Vtep source =
                        Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep left = Vtep.builder().localAddress("127.0.0.2").port(port).build();
                Vtep stitch =
                        Vtep.builder().localAddress("127.0.0.4").port(port).build();
                Vtep sinkSide =
                        Vtep.builder().localAddress("127.0.0.3").port(port).build()) {
            LocalPort in = source.segment(100).floodTo("127.0.0.2").attach(ByteBuf::release);
            // VNI 100 at 'left' hands every frame, on left's event loop, to the VNI 200 port of another VTEP.
            left.segment(100).attach(frame -> onward.get().send(frame));
            onward.set(stitch.segment(200).floodTo("127.0.0.3").attach(ByteBuf::release));
            sinkSide.segment(200).attach(sink);
            int count = 100;
            for (int i = 0; i < count; i++) {
                in.write(frame(dst, src, 200, i));
            }
            in.flush();
            for (int i = 0; i < count; i++) {
                ByteBuf f = sink.poll(5000);
                assertNotNull(f, "frame " + i);
                f.release();
            }
            assertEquals(count, stitch.stats().segment(200).packetsToUnderlay());
            assertEquals(0, stitch.stats().totalDrops());
        }
    }

    @Test
    void vtepsSharingOneEventLoopGroupStitchAndCloseWithoutStoppingIt() throws Exception {
        io.netty.channel.EventLoopGroup shared = io.vtep4j.internal.Transports.newGroup(2, "shared");
        int port = Ports.freeUdp();
        AtomicReference<LocalPort> onward = new AtomicReference<>();
        try (Sink sink = new Sink();
                Vtep source =
                        Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep left = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .eventLoopGroup(shared)
                        .build();
                Vtep right = Vtep.builder()
                        .localAddress("127.0.0.4")
                        .port(port)
                        .eventLoopGroup(shared)
                        .build();
                Vtep sinkSide =
                        Vtep.builder().localAddress("127.0.0.3").port(port).build()) {
            LocalPort in = source.segment(100).floodTo("127.0.0.2").attach(ByteBuf::release);
            left.segment(100).attach(frame -> onward.get().send(frame));
            onward.set(right.segment(200).floodTo("127.0.0.3").attach(ByteBuf::release));
            sinkSide.segment(200).attach(sink);
            for (int i = 0; i < 20; i++) {
                in.write(frame(MacAddress.parse("02:00:00:00:00:02"), MacAddress.parse("02:00:00:00:00:01"), 200, i));
            }
            in.flush();
            for (int i = 0; i < 20; i++) {
                ByteBuf f = sink.poll(10_000);
                assertNotNull(f, "frame " + i);
                f.release();
            }
            left.close();
            right.close();
            org.junit.jupiter.api.Assertions.assertFalse(shared.isShuttingDown(), "a shared group stays up");
        } finally {
            shared.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS)
                    .syncUninterruptibly();
        }
    }
}
