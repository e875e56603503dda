package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The destinations a transport keeps socket addresses for stay bounded whatever the traffic: every spoofed source
 * that elicits a reply is a new destination. Loopback only (127.0.0.0/8 is local to the host).
 */
class DestinationBoundTest {

    static final int DESTINATIONS = 100_000;

    /** The n-th distinct loopback address 127.1.0.0 + n (n below 2^24 - 2^16). */
    static InetAddress loopback(int n) throws Exception {
        int ip = (127 << 24) + (1 << 16) + n;
        return InetAddress.getByAddress(
                new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
    }

    @Test
    void nettyPathKeepsABoundedNumberOfDestinations() throws Exception {
        EventLoopGroup group = Transports.newGroup(1, "destinations");
        RecordingReceiver receiver = new RecordingReceiver();
        UdpUnderlay u = new UdpUnderlay(
                TestConfigs.of(group, List.of(InetAddress.getByName("127.0.0.1")), Ports.freeUdp(), false));
        try {
            u.open(receiver);
            // Five times the bound is enough to show it holds (100k, below, for the cache alone: the leak detector
            // makes every send through a channel slow in tests).
            for (int i = 0; i < 5 * DestinationCache.CAPACITY; i++) {
                u.send(PooledByteBufAllocator.DEFAULT.directBuffer(8).writeLong(i), loopback(i), i);
                if (i % 64 == 63) {
                    u.flush();
                }
            }
            u.flush();
            assertTrue(
                    u.destinationCount() <= DestinationCache.CAPACITY,
                    "destinations held: " + u.destinationCount() + " (expected: at most " + DestinationCache.CAPACITY
                            + ")");
        } finally {
            u.close();
            receiver.releaseAll();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aKnownDestinationIsOneSharedObjectAnd100kDistinctOnesStayBounded() throws Exception {
        DestinationCache cache = new DestinationCache(4789);
        InetAddress peer = InetAddress.getByName("192.0.2.7");
        assertSame(cache.get(peer), cache.get(InetAddress.getByName("192.0.2.7")));
        for (int i = 0; i < DESTINATIONS; i++) {
            cache.get(loopback(i));
        }
        assertTrue(cache.size() <= DestinationCache.CAPACITY, "size " + cache.size());
        assertTrue(cache.get(peer).getPort() == 4789);
    }
}
