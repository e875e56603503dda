package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ResourceLeakDetector;
import io.vtep4j.internal.Transports;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.LoopAllocation;
import io.vtep4j.testing.Ports;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A frame from a local port to an unknown MAC is flooded to the segment's one flood target (what a gateway does for
 * every frame until it learns the destination): on the sending event loop this allocates nothing per frame in steady
 * state, over direct I/O, with the frames from Netty's default allocator (as the gateway's trunk makes them).
 */
class VtepFloodAllocationTest {

    private static final int BURST = 64;

    @Test
    void aOneTargetFloodAllocatesNothingPerFrameOnTheEventLoop() throws Exception {
        // The PARANOID leak detector records a stack trace per buffer: that is what it costs, not the data path.
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        EventLoopGroup group = Transports.newGroup(1, "alloc-test");
        int port = Ports.freeUdp();
        Semaphore arrived = new Semaphore(0);
        try (Vtep sender = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .directIo(true)
                        .eventLoopGroup(group)
                        .build();
                Vtep receiver =
                        Vtep.builder().localAddress("127.0.0.2").port(port).build()) {
            LocalPort in = sender.segment(100).floodTo("127.0.0.2").attach(ByteBuf::release);
            receiver.segment(100).attach(frame -> {
                frame.release();
                arrived.release();
            });
            EventLoop loop = group.next();
            byte[] template = new byte[64];
            long dst = MacAddress.parse("02:00:00:00:00:02"); // never learned: every frame is flooded
            long src = MacAddress.parse("02:00:00:00:00:01");
            for (int i = 0; i < 6; i++) {
                template[i] = (byte) (dst >>> (40 - 8 * i));
                template[6 + i] = (byte) (src >>> (40 - 8 * i));
            }
            template[12] = 0x08; // IPv4 EtherType; the rest zero
            Runnable burst = () -> {
                for (int i = 0; i < BURST; i++) {
                    // the allocator the gateway uses for trunk frames
                    ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(128);
                    frame.writerIndex(32).readerIndex(32).writeBytes(template);
                    in.write(frame);
                }
                in.flush();
            };
            // the whole burst arrives before the next leaves (bounded): no socket buffer overflows
            long perFrame = LoopAllocation.bytesPerPacket(loop, burst, arrived, BURST, 300, 300);
            System.out.println("flood: " + perFrame + " B allocated per frame on the event loop");
            assertEquals(0, sender.stats().totalDrops());
            // under 16 B (the smallest object) per frame on average: no object per frame; what remains is the
            // allocator's own occasional bookkeeping (a duplicate per replica cost 40 B before)
            assertTrue(perFrame < 16, "flooding allocated " + perFrame + " B per frame on the event loop");
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            ResourceLeakDetector.setLevel(level);
        }
    }
}
