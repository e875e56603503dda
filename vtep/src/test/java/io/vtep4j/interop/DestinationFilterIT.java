package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.RecordingReceiver;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.UdpUnderlay;
import io.vtep4j.internal.UnderlayConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Once a group is joined, the UDP underlay holds a socket bound to the wildcard address, which the kernel also hands
 * datagrams sent to every other address of the host. Here the test's namespace has two addresses per family on one
 * link ({@code .1} configured as the VTEP's, {@code .9} not); VXLAN to the VTEP's address and to the joined group is
 * delivered, VXLAN to the other address is dropped and counted as {@code WRONG_DESTINATION}: IPv4 and IPv6, on
 * Netty's datagram path and with direct I/O. All traffic stays inside the namespace.
 */
class DestinationFilterIT {

    private static final String LINK = "vt0";
    private static EventLoopGroup group;

    @BeforeAll
    static void link() {
        Netns.requireIsolated("ip");
        Namespace self = Namespace.SELF;
        self.ok("ip", "link", "add", LINK, "type", "veth", "peer", "name", "vt1");
        self.up("vt1");
        self.address(LINK, "10.99.0.1/24").address(LINK, "10.99.0.9/24");
        self.address(LINK, "fd99::1/64").address(LINK, "fd99::9/64");
        self.up("lo");
        self.ok("ip", "route", "add", "239.0.0.0/8", "dev", LINK);
        group = Transports.newGroup(1, "destinations");
    }

    @AfterAll
    static void unlink() {
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
        Namespace.SELF.run("ip", "link", "del", LINK); // also after a set-up that failed half way
    }

    /**
     * {@code counted}: whether the datagram to the other address reaches the underlay to be counted. Netty's path
     * over IPv6 binds each group's channel to the group address, so the kernel hands that datagram to no socket of
     * ours; it must still not be delivered.
     */
    @ParameterizedTest(name = "{0} / {1} / {2}, direct I/O {4}")
    @CsvSource({
        "10.99.0.1, 10.99.0.9, 239.8.8.8, 4, false, 1",
        "10.99.0.1, 10.99.0.9, 239.8.8.8, 4, true, 1",
        "fd99::1, fd99::9, ff15::8, 6, false, 0",
        "fd99::1, fd99::9, ff15::8, 6, true, 1"
    })
    void deliversOnlyWhatIsAddressedToTheVtepOrAJoinedGroup(
            String local, String other, String joined, int family, boolean direct, int counted) throws Exception {
        RecordingReceiver recorder = new RecordingReceiver();
        int port = freePort();
        UnderlayConfig config = UnderlayConfig.builder(group)
                .allocator(PooledByteBufAllocator.DEFAULT)
                .localAddress(InetAddress.getByName(local))
                .port(port)
                .multicastInterface(LINK)
                .maxFrameLength(1500)
                .directIo(direct)
                .build();
        try (UdpUnderlay underlay = new UdpUnderlay(config);
                DatagramChannel sender = DatagramChannel.open(
                        family == 6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET)) {
            underlay.open(recorder);
            underlay.joinGroup(InetAddress.getByName(joined));
            sender.setOption(StandardSocketOptions.IP_MULTICAST_IF, NetworkInterface.getByName(LINK));
            sender.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);

            send(sender, other, port, 1);
            if (counted > 0) {
                Await.until(
                        Duration.ofSeconds(5),
                        () -> recorder.drops(DropReason.WRONG_DESTINATION) == 1,
                        () -> "drops " + recorder.drops + ", received " + recorder.received.size());
            }
            send(sender, local, port, 2);
            assertArrayEquals(vxlan(2), take(recorder), "to the VTEP's address " + local);
            send(sender, joined, port, 3);
            assertArrayEquals(vxlan(3), take(recorder), "to the joined group " + joined);
            // Sent first: had it been delivered, it would be here by now (on the wildcard or the group channel).
            assertNull(recorder.received.poll(), "VXLAN to " + other + " (not the VTEP's) was delivered");
            assertEquals(counted, recorder.drops(DropReason.WRONG_DESTINATION), "drops: only the packet to " + other);
        } finally {
            recorder.releaseAll();
        }
    }

    private static byte[] take(RecordingReceiver recorder) throws InterruptedException {
        RecordingReceiver.Received got = recorder.next(5);
        assertNotNull(got, "nothing delivered within 5 s; drops " + recorder.drops);
        try {
            return ByteBufUtil.getBytes(got.payload());
        } finally {
            got.payload().release();
        }
    }

    private static void send(DatagramChannel sender, String to, int port, int marker) throws Exception {
        // Local addresses route through lo; groups leave on the test's link (its peer end goes nowhere).
        Namespace.SELF.assertRoute(to, InetAddress.getByName(to).isMulticastAddress() ? LINK : "lo");
        sender.send(ByteBuffer.wrap(vxlan(marker)), new InetSocketAddress(InetAddress.getByName(to), port));
    }

    /** A VXLAN header (I flag, VNI 5000) and a 14-byte frame whose last byte is {@code marker}. */
    private static byte[] vxlan(int marker) {
        byte[] p = new byte[8 + 14];
        p[0] = 0x08;
        p[5] = 0x13;
        p[6] = (byte) 0x88;
        p[p.length - 1] = (byte) marker;
        return p;
    }

    private static int freePort() throws Exception {
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0)) {
            return probe.getLocalPort();
        }
    }
}
