package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A VTEP never floods to itself and never learns a MAC behind one of its own addresses. */
class VtepSelfFloodTest {

    static final int VNI = 5001;
    static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void floodingToAnOwnLocalAddressIsRefusedNamingTheValueAndTheRule() throws Exception {
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .localAddress("::1")
                .port(Ports.freeUdp())
                .build()) {
            Segment s = v.segment(VNI);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.floodTo("127.0.0.1"));
            assertTrue(e.getMessage().startsWith("address: 127.0.0.1 (expected:"), e.getMessage());
            assertTrue(e.getMessage().contains("not one of this VTEP's own local addresses"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> s.floodTo(InetAddress.getByName("::1")));
            assertEquals(0, s.flooding().remotes().size(), "nothing was added");
            s.floodTo("127.0.0.2"); // another address still works
            assertEquals(1, s.flooding().remotes().size());
        }
    }

    @Test
    void aPacketWhoseOuterSourceIsOurOwnAddressIsDroppedAndNeverLearned() throws Exception {
        int port = Ports.freeUdp();
        long spoofed = MacAddress.parse("02:00:00:00:09:09");
        try (Sink sink = new Sink();
                Vtep v = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                DatagramSocket fromSelf = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
                DatagramSocket fromPeer = new DatagramSocket(new InetSocketAddress("127.0.0.9", 0))) {
            v.segment(VNI).attach(sink);
            InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);
            byte[] packet = VtepMalformedTest.vxlan(0x08, VNI, 64, 0); // inner source 02:00:00:00:09:09
            fromSelf.send(new DatagramPacket(packet, packet.length, target));
            Await.until(
                    WAIT,
                    () -> v.stats().dropped(DropReason.SOURCE_IS_LOCAL) == 1,
                    () -> v.stats().toString());
            assertEquals(1, v.stats().segment(VNI).dropped(DropReason.SOURCE_IS_LOCAL));
            assertEquals(null, v.forwardingTable().lookup(VNI, spoofed), "not learned behind our own address");

            fromPeer.send(new DatagramPacket(packet, packet.length, target)); // the same packet from a real peer
            ByteBuf delivered = sink.poll(WAIT.toMillis());
            assertNotNull(delivered, "a peer's packet is delivered");
            delivered.release();
            Location learned = v.forwardingTable().lookup(VNI, spoofed);
            assertEquals(InetAddress.getByName("127.0.0.9"), learned.address());
            assertEquals(0, sink.size(), "the packet from our own address was never delivered");
        }
    }
}
