package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.vtep4j.testing.Ports;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The UDP transport on its own: one SO_REUSEPORT channel per loop, outer-header socket options, IPv6. */
class UdpUnderlayTest {

    EventLoopGroup group;
    UdpUnderlay underlay;
    final RecordingReceiver receiver = new RecordingReceiver();

    @BeforeEach
    void start() {
        group = Transports.newGroup(2, "test");
    }

    @AfterEach
    void stop() {
        if (underlay != null) {
            underlay.close();
        }
        receiver.releaseAll();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    UdpUnderlay open(String... addresses) throws Exception {
        List<InetAddress> locals = new java.util.ArrayList<>();
        for (String a : addresses) {
            locals.add(InetAddress.getByName(a));
        }
        int port = Ports.freeUdp();
        UnderlayConfig config = UnderlayConfig.builder(group)
                .allocator(ByteBufAllocator.DEFAULT)
                .localAddresses(locals)
                .port(port)
                .ttl(7)
                .dscp(46)
                .readBatch(16)
                .build();
        underlay = new UdpUnderlay(config);
        underlay.open(receiver);
        return underlay;
    }

    @Test
    void setsTtlDfZeroChecksumAndDscpOnEveryChannel() throws Exception {
        assumeTrue(Transports.epoll(), "epoll only: NIO exposes no file descriptor");
        open("127.0.0.1");
        List<Channel> channels = underlay.channels();
        assertEquals(2, channels.size(), "one SO_REUSEPORT channel per event loop");
        for (Channel ch : channels) {
            int fd = ((EpollDatagramChannel) ch).fd().intValue();
            assertEquals(7, SocketOptions.get(fd, SocketOptions.IPPROTO_IP, SocketOptions.IP_TTL));
            assertEquals(
                    SocketOptions.IP_PMTUDISC_DO,
                    SocketOptions.get(fd, SocketOptions.IPPROTO_IP, SocketOptions.IP_MTU_DISCOVER));
            assertEquals(1, SocketOptions.get(fd, SocketOptions.SOL_SOCKET, SocketOptions.SO_NO_CHECK));
            assertEquals(46 << 2, SocketOptions.get(fd, SocketOptions.IPPROTO_IP, 1 /* IP_TOS */));
            assertTrue(((EpollDatagramChannel) ch).config().isReusePort());
            if (isRoot()) {
                // 4 MiB forced past net.core.rmem_max (the kernel reports twice what was set).
                assertTrue(
                        SocketOptions.get(fd, SocketOptions.SOL_SOCKET, SocketOptions.SO_RCVBUF) >= 8 << 20,
                        "SO_RCVBUFFORCE as root");
            }
        }
    }

    @Test
    void busyPollWhenAskedIsSetOnEveryChannelAndOffOtherwise() throws Exception {
        assumeTrue(Transports.epoll() && isRoot(), "SO_PREFER_BUSY_POLL needs epoll (a descriptor) and CAP_NET_ADMIN");
        open("127.0.0.1");
        int plain = ((EpollDatagramChannel) underlay.channels().get(0)).fd().intValue();
        assertEquals(
                0, SocketOptions.get(plain, SocketOptions.SOL_SOCKET, SocketOptions.SO_BUSY_POLL), "off by default");
        underlay.close();
        int port;
        try (DatagramSocket probe = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        underlay = new UdpUnderlay(UnderlayConfig.builder(group)
                .allocator(ByteBufAllocator.DEFAULT)
                .localAddresses(List.of(InetAddress.getLoopbackAddress()))
                .port(port)
                .busyPoll(50)
                .build());
        underlay.open(receiver);
        for (Channel ch : underlay.channels()) {
            int fd = ((EpollDatagramChannel) ch).fd().intValue();
            assertEquals(50, SocketOptions.get(fd, SocketOptions.SOL_SOCKET, SocketOptions.SO_BUSY_POLL));
            assertEquals(1, SocketOptions.get(fd, SocketOptions.SOL_SOCKET, SocketOptions.SO_PREFER_BUSY_POLL));
        }
    }

    @Test
    void forcedBuffersGoPastTheSysctlLimitWithCapNetAdmin() throws Exception {
        assumeTrue(Transports.epoll() && isRoot(), "SO_RCVBUFFORCE needs epoll (a descriptor) and CAP_NET_ADMIN");
        open("127.0.0.1");
        int fd = ((EpollDatagramChannel) underlay.channels().get(0)).fd().intValue();
        // 64 MiB: above any net.core.rmem_max a machine ships with; the kernel reports twice what was set.
        assertTrue(SocketOptions.forceBuffers(fd, 64 << 20));
        assertEquals(128 << 20, SocketOptions.get(fd, SocketOptions.SOL_SOCKET, SocketOptions.SO_RCVBUF));
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void ipv6SocketsAcceptZeroUdpChecksums() throws Exception {
        assumeTrue(Transports.epoll(), "epoll only: NIO exposes no file descriptor");
        open("::1");
        for (Channel ch : underlay.channels()) {
            int fd = ((EpollDatagramChannel) ch).fd().intValue();
            assertEquals(1, SocketOptions.get(fd, SocketOptions.SOL_UDP, SocketOptions.UDP_NO_CHECK6_RX));
        }
    }

    @Test
    void sendsAndReceivesOverIpv6Loopback() throws Exception {
        open("::1");
        InetAddress self = InetAddress.getByName("::1");
        assertEquals(48, underlay.outerHeaderLength(self));
        assertEquals(28, underlay.outerHeaderLength(InetAddress.getByName("127.0.0.1")));
        assertTrue(underlay.send(Unpooled.wrappedBuffer(new byte[] {8, 0, 0, 0, 0, 0, 1, 0}), self, 1));
        underlay.flush();
        RecordingReceiver.Received got = receiver.next(5);
        assertNotNull(got);
        ByteBuf payload = got.payload();
        try {
            assertEquals(8, payload.readableBytes());
            assertEquals(self, got.source());
        } finally {
            payload.release();
        }
        io.vtep4j.interop.Await.until(
                java.time.Duration.ofSeconds(5),
                () -> receiver.readCompletes.get() >= 1,
                () -> "no readComplete after a read");
        // No local IPv4 address: an IPv4 destination is refused and the payload released.
        ByteBuf refused = Unpooled.buffer(8).writeZero(8);
        assertFalse(underlay.send(refused, InetAddress.getByName("127.0.0.1"), 1));
        assertEquals(0, refused.refCnt());
    }

    @Test
    void receivesABurstInBatches() throws Exception {
        open("127.0.0.1");
        InetSocketAddress target = underlay.boundAddresses().get(0);
        int count = 200;
        try (DatagramSocket sender = new DatagramSocket(0, InetAddress.getByName("127.0.0.1"))) {
            byte[] data = new byte[100];
            for (int i = 0; i < count; i++) {
                sender.send(new java.net.DatagramPacket(data, data.length, target));
            }
        }
        for (int i = 0; i < count; i++) {
            RecordingReceiver.Received got = receiver.next(5);
            assertNotNull(got, "datagram " + i);
            assertEquals(100, got.payload().readableBytes());
            got.payload().release();
        }
        assertTrue(
                receiver.readCompletes.get() < count,
                "reads were batched: " + receiver.readCompletes.get() + " batches");
    }
}
