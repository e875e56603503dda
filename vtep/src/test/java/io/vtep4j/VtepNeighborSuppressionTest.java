package io.vtep4j;

import static io.vtep4j.testing.NeighborFrames.MAC_1;
import static io.vtep4j.testing.NeighborFrames.MAC_2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.NeighborReplies;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.NeighborEntry;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.NeighborFrames;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ARP and ND suppression end to end over loopback: host 2 sits behind VTEP B, host 1 (and a bystander) behind VTEP A;
 * A learns host 2's binding from host 2's own ARP / NS crossing the underlay and answers host 1 for it.
 */
class VtepNeighborSuppressionTest {

    static final int VNI = 9;
    static final Duration WAIT = Duration.ofSeconds(10);

    private final Sink asker = new Sink();
    private final Sink bystander = new Sink();
    private final Sink host2 = new Sink();
    private Vtep a;
    private Vtep b;
    private LocalPort askerPort;
    private LocalPort host2Port;

    @BeforeEach
    void twoVteps() throws Exception {
        int port = Ports.freeUdp();
        a = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .suppressNeighbors(true)
                .build();
        b = Vtep.builder().localAddress("127.0.0.2").port(port).build();
        Segment sa = a.segment(VNI).floodTo("127.0.0.2");
        askerPort = sa.attach("asker", asker);
        sa.attach("bystander", bystander);
        host2Port = b.segment(VNI).floodTo("127.0.0.1").attach(host2);
    }

    @AfterEach
    void close() {
        a.close();
        b.close();
        asker.close();
        bystander.close();
        host2.close();
    }

    /** Host 2 asks for host 1 (an ARP request A floods to its ports): A snoops host 2's binding from it. */
    private void host2Announces() throws Exception {
        host2Port.send(Frames.arpRequest(MAC_2, "10.0.0.2", "10.0.0.9"));
        Await.until(
                WAIT,
                () -> a.neighborTable().size() == 1,
                () -> a.neighborTable().show());
        drain(asker, 1); // the announcement's flood copies: wait for both, so none arrives during the test
        drain(bystander, 1);
    }

    @Test
    void answersAnArpRequestForARemoteHostWithoutSendingIt() throws Exception {
        host2Announces();
        NeighborEntry e = a.segment(VNI).neighbors().get(0);
        assertEquals(InetAddress.getByName("10.0.0.2"), e.address());
        assertEquals(MAC_2, e.mac());
        assertEquals(NeighborEntry.Origin.REMOTE, e.origin());
        long sentBefore = a.stats().segment(VNI).packetsToUnderlay();

        askerPort.send(NeighborFrames.frame(NeighborFrames.ARP_REQUEST));
        ByteBuf reply = asker.poll(WAIT.toMillis());
        assertNotNull(reply, "the asking port gets the answer");
        assertSameFrame(
                NeighborReplies.arpReply(
                        ByteBufAllocator.DEFAULT, NeighborFrames.frame(NeighborFrames.ARP_REQUEST), 0, MAC_2),
                reply);
        assertEquals(sentBefore, a.stats().segment(VNI).packetsToUnderlay(), "nothing went to the underlay");
        assertNull(bystander.poll(200), "not flooded to the other local port");
        assertEquals(0, host2.size());
        assertEquals(1, a.neighborTable().counters().answered());
    }

    @Test
    void answersANeighborSolicitationForARemoteHost() throws Exception {
        host2Port.send(NeighborFrames.solicitation(MAC_2, 2, 9));
        Await.until(
                WAIT,
                () -> a.neighborTable().size() == 1,
                () -> a.neighborTable().show());
        drain(bystander, 1);
        drain(asker, 1);
        long sentBefore = a.stats().segment(VNI).packetsToUnderlay();

        askerPort.send(NeighborFrames.frame(NeighborFrames.NEIGHBOR_SOLICITATION));
        ByteBuf reply = asker.poll(WAIT.toMillis());
        assertNotNull(reply);
        assertSameFrame(
                NeighborReplies.neighborAdvertisement(
                        ByteBufAllocator.DEFAULT, NeighborFrames.frame(NeighborFrames.NEIGHBOR_SOLICITATION), 0, MAC_2),
                reply);
        assertEquals(sentBefore, a.stats().segment(VNI).packetsToUnderlay());
        assertNull(bystander.poll(200));
    }

    @Test
    void unknownAddressesAndSuppressionOffFloodAsBefore() throws Exception {
        host2Announces();
        askerPort.send(Frames.arpRequest(MAC_1, "10.0.0.1", "10.0.0.3")); // nobody bound
        assertArp(host2.poll(WAIT.toMillis()), "10.0.0.3");
        drain(bystander, 1);

        a.segment(VNI).suppressNeighbors(false);
        assertFalse(a.segment(VNI).suppressesNeighbors());
        askerPort.send(NeighborFrames.frame(NeighborFrames.ARP_REQUEST));
        assertArp(host2.poll(WAIT.toMillis()), "10.0.0.2");
        assertNull(asker.poll(200));
        assertEquals(0, a.neighborTable().counters().answered());
    }

    @Test
    void aBindingWhoseMacLeftTheTableIsNotAnswered() throws Exception {
        host2Announces();
        assertTrue(a.forwardingTable().remove(VNI, MAC_2)); // as if aged
        askerPort.send(NeighborFrames.frame(NeighborFrames.ARP_REQUEST));
        assertArp(host2.poll(WAIT.toMillis()), "10.0.0.2");
        assertNull(asker.poll(200));
        assertEquals(1, a.neighborTable().counters().stale());
        // The sweep removes the binding with its MAC (the asker's own binding, 10.0.0.1, stays).
        Await.until(
                WAIT,
                () -> a.neighborTable().entries().stream().noneMatch(n -> n.mac() == MAC_2),
                () -> a.neighborTable().show());
    }

    @Test
    void neverAnswersForAMacOnTheAskingPort() throws Exception {
        // The asking port's own host announces 10.0.0.5 (a gratuitous ARP), then the port asks for it: a local MAC
        // is never answered for; the request floods and the host answers itself.
        ByteBuf garp = Frames.arpRequest(MAC_1, "10.0.0.5", "10.0.0.5");
        askerPort.send(garp);
        assertArp(host2.poll(WAIT.toMillis()), "10.0.0.5");
        drain(bystander, 1);
        assertEquals(
                NeighborEntry.Origin.LOCAL, a.neighborTable().entries().get(0).origin());
        askerPort.send(Frames.arpRequest(0x0200_0000_0077L, "10.0.0.7", "10.0.0.5"));
        assertArp(host2.poll(WAIT.toMillis()), "10.0.0.5");
        assertNull(asker.poll(200));
        assertEquals(0, a.neighborTable().counters().answered());
    }

    @Test
    void aControlPlaneBindingIsAnsweredWhileItsMacIsRemote() throws Exception {
        InetAddress ip = InetAddress.getByName("10.0.0.2");
        a.forwardingTable()
                .addControl(VNI, MAC_2, io.vtep4j.learning.Location.remote(InetAddress.getByName("127.0.0.2")));
        assertTrue(a.segment(VNI).addNeighbor(ip, MAC_2));
        askerPort.send(NeighborFrames.frame(NeighborFrames.ARP_REQUEST));
        ByteBuf reply = asker.poll(WAIT.toMillis());
        assertNotNull(reply);
        assertTrue(Frames.isArpReplyTo(reply, MAC_1), () -> io.netty.buffer.ByteBufUtil.prettyHexDump(reply));
        assertEquals(MAC_2, Frames.source(reply));
        reply.release();
        assertTrue(a.segment(VNI).removeNeighbor(ip));
        assertTrue(
                a.segment(VNI).neighbors().stream().noneMatch(n -> n.address().equals(ip)));
    }

    private static void assertArp(ByteBuf frame, String target) throws Exception {
        assertNotNull(frame, "flooded to the remote host");
        try {
            int arp = frame.readerIndex() + Ethernet.HEADER_LENGTH;
            assertEquals(Ethernet.TYPE_ARP, frame.getUnsignedShort(frame.readerIndex() + 12));
            assertArrayEquals(InetAddress.getByName(target).getAddress(), Frames.bytes(frame.slice(arp + 24, 4)));
        } finally {
            frame.release();
        }
    }

    private static void drain(Sink sink, int frames) throws InterruptedException {
        for (int i = 0; i < frames; i++) {
            ByteBuf f = sink.poll(WAIT.toMillis());
            assertNotNull(f);
            f.release();
        }
    }

    /** {@code reply} holds the bytes of {@code golden}; releases both. */
    private static void assertSameFrame(ByteBuf golden, ByteBuf reply) {
        try {
            assertArrayEquals(Frames.bytes(golden), Frames.bytes(reply));
        } finally {
            golden.release();
            reply.release();
        }
    }
}
