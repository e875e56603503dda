package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The UDP header the raw send path writes and the source port it picks per flow. */
class RawSourcePortsTest {

    private static RawSourcePorts ports(int min, int max) throws Exception {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            return new RawSourcePorts(UnderlayConfig.builder(group)
                    .localAddress(InetAddress.getLoopbackAddress())
                    .port(4789)
                    .outerSend(new OuterSend(min, max, true, false))
                    .build());
        } finally {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void theSourcePortIsStablePerFlowAndSpreadOverTheWholeRange() throws Exception {
        RawSourcePorts p = ports(49152, 65535);
        Set<Integer> seen = new HashSet<>();
        for (int flow = 0; flow < 100_000; flow++) {
            int hash = flow * 0x9E3779B9; // distinct, well-spread hashes as FlowHash gives
            int port = p.sourcePort(hash);
            assertTrue(port >= 49152 && port <= 65535, "port " + port);
            assertEquals(port, p.sourcePort(hash), "same flow, same port");
            seen.add(port);
        }
        assertTrue(seen.size() > 16_000, "ports used: " + seen.size() + " of 16384");
        assertEquals(7, ports(7, 7).sourcePort(-1), "a one-port range, even for a negative hash");
    }

    @Test
    void theHeaderGoesIntoWritableHeadroomWithoutACopy() {
        ByteBuf payload = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        payload.writerIndex(8).readerIndex(8).writeBytes(new byte[] {1, 2, 3});
        ByteBuf out = RawSourcePorts.withUdpHeader(payload, 50000, 4789);
        assertSame(payload, out);
        assertEquals(11, out.readableBytes());
        assertEquals(50000, out.getUnsignedShort(0));
        assertEquals(4789, out.getUnsignedShort(2));
        assertEquals(11, out.getUnsignedShort(4), "UDP length: header and payload");
        assertEquals(0, out.getUnsignedShort(6), "checksum 0 (IPv4: RFC 7348 §5; IPv6: the kernel fills it in)");
        assertEquals(3, out.getByte(10));
        out.release();
    }

    @Test
    void aReadOnlyOrHeapPayloadIsCopiedOnceAndReleased() {
        ByteBuf shared = Unpooled.wrappedBuffer(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 9, 9})
                .readerIndex(8);
        ByteBuf view = shared.asReadOnly();
        ByteBuf out = RawSourcePorts.withUdpHeader(view, 65535, 4790);
        assertNotSame(view, out);
        assertEquals(0, shared.refCnt(), "the payload was released");
        assertTrue(out.hasMemoryAddress() || out.isDirect());
        assertEquals(65535, out.getUnsignedShort(0));
        assertEquals(4790, out.getUnsignedShort(2));
        assertEquals(10, out.getUnsignedShort(4));
        assertEquals(9, out.getByte(9));
        out.release();
    }
}
