package io.vtep4j.internal.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.DestinationCache;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.UnderlayConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw GRE transport against what a hostile or careless peer sends, and against failures while opening:
 * oversize packets cut short by the read, floods of new destinations, an open that fails half-way. Loopback only.
 * Needs root or CAP_NET_RAW: skips loudly without, fails when CI=true.
 */
class RawGreHardeningTest {

    /** Largest payload (GRE header + frame) the test underlays accept. */
    static final int MAX_FRAME = 1500;

    private static EventLoopGroup group;

    @BeforeAll
    static void requireRawSockets() {
        RawSockets.assumeAvailable();
        group = Transports.newGroup(1, "rawhard");
    }

    @AfterAll
    static void stopGroup() throws InterruptedException {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    static UnderlayConfig config(InetAddress local, String multicastInterface) {
        return UnderlayConfig.builder(group)
                .allocator(PooledByteBufAllocator.DEFAULT)
                .localAddress(local)
                .port(0)
                .ttl(64)
                .multicastInterface(multicastInterface)
                .maxFrameLength(MAX_FRAME)
                .readBatch(8)
                .build();
    }

    @Test
    void dropsAnOversizePacketCutShortByTheReadOverIpv6AndIpv4() throws Exception {
        for (String local : List.of("::1", "127.0.0.1")) {
            InetAddress self = InetAddress.getByName(local);
            RawGreUnderlayTest.Queue received = new RawGreUnderlayTest.Queue();
            try (RawGreUnderlay u = new RawGreUnderlay(config(self, null))) {
                u.open(received);
                // The kernel sends it whole (loopback MTU 64 KiB); the receive buffer holds MAX_FRAME + 1.
                u.send(Unpooled.wrappedBuffer(RawGreUnderlayTest.gre(0x5000, 1, 3000 - 8)), self, 0);
                u.send(Unpooled.wrappedBuffer(RawGreUnderlayTest.gre(0x5000, 2, MAX_FRAME - 8)), self, 0);
                u.flush();
                RawGreUnderlayTest.Queue.Item item = received.take();
                assertEquals(MAX_FRAME, item.bytes().length, local + ": the largest valid packet arrives whole");
                assertEquals(2, item.bytes()[7], local + ": only the packet that fits is delivered");
                assertEquals(DropReason.MTU_EXCEEDED, received.drops.poll(5, TimeUnit.SECONDS), local);
                assertNull(received.poll(), local + ": nothing else delivered");
            }
        }
    }

    @Test
    void keepsABoundedNumberOfDestinations() throws Exception {
        RawGreUnderlayTest.Queue received = new RawGreUnderlayTest.Queue();
        try (RawGreUnderlay u = new RawGreUnderlay(config(InetAddress.getByName("127.77.1.1"), null))) {
            u.open(received);
            for (int i = 0; i < 5 * DestinationCache.CAPACITY; i++) {
                int ip = (127 << 24) + (2 << 16) + i; // 127.2.0.0 + i: loopback, nobody listening
                InetAddress to = InetAddress.getByAddress(
                        new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
                u.send(Unpooled.wrappedBuffer(RawGreUnderlayTest.gre(0x5000, 1, 20)), to, i);
                if (i % 64 == 63) {
                    u.flush();
                }
            }
            u.flush();
            assertTrue(u.destinationCount() <= DestinationCache.CAPACITY, "destinations held: " + u.destinationCount());
        }
    }

    @Test
    void anOpenThatFailsAfterTheChannelOwnsTheSocketClosesIt() throws Exception {
        int before = rawSocketsOfThisProcess();
        for (int i = 0; i < 3; i++) {
            RawGreUnderlay u = new RawGreUnderlay(config(InetAddress.getByName("127.0.0.1"), "no-such-if0"));
            assertThrows(Exception.class, () -> u.open(new RawGreUnderlayTest.Queue()));
            u.close();
        }
        assertEquals(before, rawSocketsOfThisProcess(), "raw sockets held by this JVM after 3 failed opens");
    }

    /** Raw sockets (any protocol) this process holds: socket inodes of /proc/self/fd that /proc/net/raw[6] lists. */
    static int rawSocketsOfThisProcess() throws IOException {
        Set<String> raw = new HashSet<>();
        for (String table : List.of("/proc/net/raw", "/proc/net/raw6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                raw.add(f[9]); // sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ...
            }
        }
        int n = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[") && raw.contains(target.substring(8, target.length() - 1))) {
                        n++;
                    }
                } catch (IOException e) {
                    // closed meanwhile (the listing's own descriptor): not a raw socket
                }
            }
        }
        return n;
    }
}
