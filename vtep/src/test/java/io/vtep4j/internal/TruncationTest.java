package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A datagram longer than the receive buffer is cut short by the read; it must be dropped and counted
 * ({@code MTU_EXCEEDED}), never delivered as a shorter valid-looking packet: IPv4 and IPv6, Netty's datagram path and
 * direct I/O. The receive buffers hold the underlay MTU (1500) plus one byte; 3000 bytes cannot fit.
 */
class TruncationTest {

    @ParameterizedTest(name = "{0}, direct I/O {1}")
    @CsvSource({"127.0.0.1, false", "127.0.0.1, true", "::1, false", "::1, true"})
    void anOversizeDatagramIsDroppedCountedAndTheNextOneStillArrives(String address, boolean direct) throws Exception {
        assumeTrue(!direct || Transports.epoll(), "direct I/O needs the epoll transport");
        EventLoopGroup group = Transports.newGroup(1, "truncation");
        RecordingReceiver receiver = new RecordingReceiver();
        InetAddress local = InetAddress.getByName(address);
        UdpUnderlay u = new UdpUnderlay(TestConfigs.of(group, List.of(local), Ports.freeUdp(), direct));
        try (DatagramSocket sender = new DatagramSocket(0, local)) {
            u.open(receiver);
            InetSocketAddress target = u.boundAddresses().get(0);
            sender.send(new DatagramPacket(new byte[3000], 3000, target));
            Await.until(
                    Duration.ofSeconds(5),
                    () -> receiver.drops(DropReason.MTU_EXCEEDED) == 1,
                    () -> "drops " + receiver.drops + ", received " + receiver.received.size());
            sender.send(new DatagramPacket(new byte[100], 100, target));
            RecordingReceiver.Received got = receiver.next(5);
            assertNotNull(got, "the valid datagram after the oversize one did not arrive");
            assertEquals(100, got.payload().readableBytes(), "only the valid datagram is delivered");
            got.payload().release();
        } finally {
            u.close();
            receiver.releaseAll();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
