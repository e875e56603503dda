package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three VTEPs on 127.0.0.1/2/3 (one UDP port) flood, learn and unicast as RFC 7348 §4 says. */
class VtepForwardingTest {

    static final int VNI = 5001;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    static final long MAC_C = MacAddress.parse("02:00:00:00:00:0c");

    @RegisterExtension
    final Closer closeables = new Closer();

    int port;
    Vtep a;
    Vtep b;
    Vtep c;
    Sink sinkA = new Sink();
    Sink sinkB = new Sink();
    Sink sinkC = new Sink();

    @BeforeEach
    void start() {
        port = Ports.freeUdp();
        a = vtep("127.0.0.1");
        b = vtep("127.0.0.2");
        c = vtep("127.0.0.3");
        closeables.add(sinkA);
        closeables.add(sinkB);
        closeables.add(sinkC);
    }

    Vtep vtep(String address) {
        Vtep v = Vtep.builder().localAddress(address).port(port).eventLoops(2).build();
        closeables.addFirst(v);
        return v;
    }

    /** Three segments for VNI with full-mesh head-end replication; returns the local ports a, b, c. */
    LocalPort[] mesh() {
        LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").floodTo("127.0.0.3").attach("a", sinkA);
        LocalPort pb = b.segment(VNI).floodTo("127.0.0.1").floodTo("127.0.0.3").attach("b", sinkB);
        LocalPort pc = c.segment(VNI).floodTo("127.0.0.1").floodTo("127.0.0.2").attach("c", sinkC);
        return new LocalPort[] {pa, pb, pc};
    }

    /** A broadcast from A's host, which B's and C's hosts receive by head-end replication. */
    void broadcastFromA(LocalPort[] p) throws InterruptedException {
        p[0].send(frame(BROADCAST, MAC_A));
        assertFrame(sinkB, BROADCAST, MAC_A);
        assertFrame(sinkC, BROADCAST, MAC_A);
    }

    static void assertFrame(Sink sink, long dst, long src) throws InterruptedException {
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f, "no frame arrived");
        try {
            assertEquals(dst, Frames.destination(f));
            assertEquals(src, Frames.source(f));
        } finally {
            f.release();
        }
    }

    @Test
    void floodsFirstBroadcastToEveryHeadEndReplicaThenUnicastsOnlyToTheLearnedPeer() throws Exception {
        LocalPort[] p = mesh();
        broadcastFromA(p);
        assertEquals(2, a.stats().segment(VNI).packetsToUnderlay());

        // RFC 7348 §4.1: B learned MAC_A -> 127.0.0.1, so its reply is one unicast packet to A only.
        Location learned = b.forwardingTable().lookup(VNI, MAC_A);
        assertNotNull(learned);
        assertEquals(InetAddress.getByName("127.0.0.1"), learned.address());
        p[1].send(frame(MAC_A, MAC_B));
        assertFrame(sinkA, MAC_A, MAC_B);
        assertEquals(1, b.stats().segment(VNI).packetsToUnderlay());

        // A learned MAC_B and unicasts to B; C sees nothing more than the first broadcast.
        p[0].send(frame(MAC_B, MAC_A));
        assertFrame(sinkB, MAC_B, MAC_A);
        assertEquals(3, a.stats().segment(VNI).packetsToUnderlay());
        assertEquals(1, c.stats().segment(VNI).packetsFromUnderlay());
        assertNull(sinkC.poll(100));
        assertEquals(
                0, a.stats().totalDrops() + b.stats().totalDrops() + c.stats().totalDrops());
    }

    @Test
    void withUnderlayLearningOffOnlyLocalPortsAndTheControlPlaneFillTheTable() throws Exception {
        LocalPort[] p = mesh();
        b.segment(VNI).learnFromUnderlay(false);
        assertTrue(!b.segment(VNI).learnsFromUnderlay());
        p[0].send(frame(BROADCAST, MAC_A));
        assertFrame(sinkB, BROADCAST, MAC_A);
        assertNull(b.forwardingTable().lookup(VNI, MAC_A), "EVPN mode: nothing learned from the underlay");
        // B's own port still learns, and a control-plane entry is used for unicast.
        p[1].send(frame(BROADCAST, MAC_B));
        assertFrame(sinkA, BROADCAST, MAC_B);
        assertNotNull(b.forwardingTable().lookup(VNI, MAC_B));
        Location atA = Location.remote(InetAddress.getByName("127.0.0.1"));
        b.forwardingTable().addControl(VNI, MAC_A, atA);
        long before = b.stats().segment(VNI).packetsToUnderlay();
        p[1].send(frame(MAC_A, MAC_B));
        assertFrame(sinkA, MAC_A, MAC_B);
        assertEquals(before + 1, b.stats().segment(VNI).packetsToUnderlay(), "one unicast packet, no flood");
    }

    @Test
    void floodsUnknownUnicastAndDeliversLocallyBetweenPortsOfOneSegment() throws Exception {
        Sink second = new Sink();
        closeables.add(second);
        LocalPort[] p = mesh();
        LocalPort a2 = a.segment(VNI).attach("a2", second);
        // Unknown unicast: the other local port and both replicas get it.
        p[0].send(frame(MAC_C, MAC_A));
        assertFrame(second, MAC_C, MAC_A);
        assertFrame(sinkB, MAC_C, MAC_A);
        assertFrame(sinkC, MAC_C, MAC_A);
        // A2 answers MAC_A: known local port, so it stays inside A (no packet leaves).
        long before = a.stats().segment(VNI).packetsToUnderlay();
        a2.send(frame(MAC_A, MacAddress.parse("02:00:00:00:00:a2")));
        assertFrame(sinkA, MAC_A, MacAddress.parse("02:00:00:00:00:a2"));
        assertEquals(before, a.stats().segment(VNI).packetsToUnderlay());
    }

    @Test
    void floodedCopiesAreReadOnlyViewsAndATaggedFrameReachesPortsUnstripped() throws Exception {
        Sink second = new Sink();
        closeables.add(second);
        LocalPort[] p = mesh();
        a.segment(VNI).attach("a2", second);
        ByteBuf tagged = frame(BROADCAST, MAC_A, 68, 5);
        tagged.setShort(12, 0x8100).setShort(14, 100).setShort(16, 0x0800); // 802.1Q VLAN 100 inside
        p[0].send(tagged);
        ByteBuf local = second.poll(WAIT.toMillis());
        assertNotNull(local);
        try {
            assertTrue(local.isReadOnly(), "a flooded copy is a read-only view");
            // The remote copy had its tag stripped (RFC 7348 §6.1) without touching the local port's bytes.
            assertEquals(0x8100, local.getUnsignedShort(local.readerIndex() + 12));
            assertEquals(68, local.readableBytes());
        } finally {
            local.release();
        }
        ByteBuf remote = sinkB.poll(WAIT.toMillis());
        assertNotNull(remote);
        try {
            assertEquals(64, remote.readableBytes());
            assertEquals(0x0800, remote.getUnsignedShort(remote.readerIndex() + 12));
        } finally {
            remote.release();
        }
        assertFrame(sinkC, BROADCAST, MAC_A);
    }

    @Test
    void underlayFramesNeverGoBackIntoTheOverlay() throws Exception {
        LocalPort[] p = mesh();
        broadcastFromA(p);
        // Split horizon: B and C delivered locally and re-sent nothing.
        assertEquals(0, b.stats().segment(VNI).packetsToUnderlay());
        assertEquals(0, c.stats().segment(VNI).packetsToUnderlay());
    }

    @Test
    void keepsSegmentsIsolated() throws Exception {
        LocalPort[] p = mesh();
        Sink other = new Sink();
        closeables.add(other);
        b.segment(5002).floodTo("127.0.0.1").attach("b-5002", other);
        a.segment(5002);
        p[0].send(frame(BROADCAST, MAC_A));
        assertFrame(sinkB, BROADCAST, MAC_A);
        assertNull(other.poll(200));
        assertNull(b.forwardingTable().lookup(5002, MAC_A));
        assertEquals(0, b.stats().segment(5002).packetsFromUnderlay());
    }

    @Test
    void dropsAndCountsUnknownVni() throws Exception {
        LocalPort pb = b.segment(7777).floodTo("127.0.0.1").attach(sinkB);
        pb.send(frame(BROADCAST, MAC_B));
        Await.until(
                WAIT,
                () -> a.stats().dropped(DropReason.UNKNOWN_VNI) == 1,
                () -> a.stats().toString());
        assertEquals(0, a.forwardingTable().size());
    }

    @Test
    void dropsCountsAndNeverLearnsSourcesOutsideTheAllowList() throws Exception {
        LocalPort[] p = mesh();
        a.segment(VNI).allowRemotes("127.0.0.3");
        p[1].send(frame(BROADCAST, MAC_B));
        p[2].send(frame(BROADCAST, MAC_C));
        assertFrame(sinkA, BROADCAST, MAC_C);
        Await.until(
                WAIT,
                () -> a.stats().segment(VNI).dropped(DropReason.REMOTE_NOT_ALLOWED) == 1,
                () -> a.stats().toString());
        assertNull(a.forwardingTable().lookup(VNI, MAC_B));
        assertNotNull(a.forwardingTable().lookup(VNI, MAC_C));
        assertNull(sinkA.poll(100));
    }

    @Test
    void dropsFramesThatWouldExceedTheUnderlayMtu() throws Exception {
        Vtep small =
                Vtep.builder().localAddress("127.0.0.4").port(port).mtu(576).build();
        closeables.addFirst(small);
        LocalPort p = small.segment(VNI).floodTo("127.0.0.2").attach(new Sink());
        b.segment(VNI).attach(sinkB);
        // RFC 7348 §4.3: 540-byte frame + 8 VXLAN + 8 UDP + 20 IPv4 = 576 fits; one byte more does not.
        p.send(frame(BROADCAST, MAC_A, 541, 1));
        p.send(frame(BROADCAST, MAC_A, 540, 2));
        ByteBuf got = sinkB.poll(WAIT.toMillis());
        assertNotNull(got);
        try {
            assertEquals(540, got.readableBytes());
        } finally {
            got.release();
        }
        assertEquals(1, small.stats().dropped(DropReason.MTU_EXCEEDED));
        assertEquals(1, small.stats().segment(VNI).packetsToUnderlay());
    }

    @Test
    void countsFloodsWithNowhereToGo() {
        LocalPort lonely = a.segment(VNI).attach(sinkA);
        lonely.send(frame(BROADCAST, MAC_A));
        assertEquals(1, a.stats().dropped(DropReason.NO_FLOOD_TARGETS));
        lonely.send(io.netty.buffer.Unpooled.buffer(13).writeZero(13));
        assertEquals(1, a.stats().dropped(DropReason.LOCAL_FRAME_TOO_SHORT));
        assertEquals(0, sinkA.size());
        assertTrue(
                a.stats().toString().contains("no-flood-targets=1"), a.stats().toString());
    }
}
