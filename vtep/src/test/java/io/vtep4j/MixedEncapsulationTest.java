package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One segment over two encapsulations: a hub VTEP on 127.0.0.1 runs VXLAN and GRE-in-UDP at once (both UDP, so no
 * raw socket is needed; GRE-in-UDP carries NVGRE's header and rules), with a VXLAN-only peer on 127.0.0.2 and a
 * GRE-in-UDP-only peer on 127.0.0.3. Frames cross between the two sides through the hub.
 */
class MixedEncapsulationTest {

    static final int VNI = 5000;
    static final long MAC_HUB = MacAddress.parse("02:00:00:00:00:01");
    static final long MAC_X = MacAddress.parse("02:00:00:00:00:02");
    static final long MAC_Y = MacAddress.parse("02:00:00:00:00:03");
    static final long WAIT = VtepForwardingTest.WAIT.toMillis();

    @RegisterExtension
    final Closer closeables = new Closer();

    final Sink sinkHub = new Sink();
    final Sink sinkX = new Sink();
    final Sink sinkY = new Sink();
    int vxlanPort;
    int grePort;
    Vtep hub;
    Vtep x;
    Vtep y;
    LocalPort portHub;
    LocalPort portX;
    LocalPort portY;

    @BeforeEach
    void start() {
        vxlanPort = Ports.freeUdp();
        grePort = Ports.freeUdp();
        closeables.add(sinkHub);
        closeables.add(sinkX);
        closeables.add(sinkY);
    }

    /** The hub (configured by {@code hubBuilder}) and both peers, each peer flooding to the hub only. */
    void topology(Vtep.Builder hubBuilder) {
        hub = keep(hubBuilder
                .localAddress("127.0.0.1")
                .encapsulations(Encapsulation.VXLAN, Encapsulation.GRE_UDP)
                .port(Encapsulation.VXLAN, vxlanPort)
                .port(Encapsulation.GRE_UDP, grePort)
                .eventLoops(1)
                .build());
        x = keep(Vtep.builder()
                .localAddress("127.0.0.2")
                .port(vxlanPort)
                .eventLoops(1)
                .build());
        y = keep(Vtep.builder()
                .localAddress("127.0.0.3")
                .encapsulation(Encapsulation.GRE_UDP)
                .port(grePort)
                .eventLoops(1)
                .build());
        portHub = hub.segment(VNI)
                .floodTo(Encapsulation.VXLAN, "127.0.0.2")
                .floodTo(Encapsulation.GRE_UDP, "127.0.0.3")
                .attach("hub", sinkHub);
        portX = x.segment(VNI).floodTo("127.0.0.1").attach("x", sinkX);
        portY = y.segment(VNI).floodTo("127.0.0.1").attach("y", sinkY);
    }

    private Vtep keep(Vtep v) {
        closeables.addFirst(v);
        return v;
    }

    @Test
    void aBroadcastFromEitherSideReachesTheOtherSideOnceAndNeverComesBack() throws Exception {
        topology(Vtep.builder());
        portX.send(frame(BROADCAST, MAC_X));
        VtepForwardingTest.assertFrame(sinkHub, BROADCAST, MAC_X);
        VtepForwardingTest.assertFrame(sinkY, BROADCAST, MAC_X);
        portY.send(frame(BROADCAST, MAC_Y));
        VtepForwardingTest.assertFrame(sinkHub, BROADCAST, MAC_Y);
        VtepForwardingTest.assertFrame(sinkX, BROADCAST, MAC_Y);

        // Split horizon per encapsulation: nothing went back to the side it came from, nothing twice.
        assertNull(sinkX.poll(200));
        assertNull(sinkY.poll(1));
        VtepStats stats = hub.stats();
        assertEquals(1, stats.encapsulation(Encapsulation.VXLAN).packetsToUnderlay(), stats::toString);
        assertEquals(1, stats.encapsulation(Encapsulation.GRE_UDP).packetsToUnderlay(), stats::toString);
        assertEquals(1, stats.encapsulation(Encapsulation.VXLAN).framesCrossedIn());
        assertEquals(1, stats.encapsulation(Encapsulation.GRE_UDP).framesCrossedIn());
        assertEquals(1, stats.encapsulation(Encapsulation.VXLAN).packetsFromUnderlay());
        assertEquals(1, stats.encapsulation(Encapsulation.GRE_UDP).packetsFromUnderlay());
        assertEquals(0, stats.totalDrops(), stats::toString);
    }

    @Test
    void eachRemoteIsLearnedOnItsEncapsulationAndAnsweredInIt() throws Exception {
        topology(Vtep.builder());
        portX.send(frame(BROADCAST, MAC_X));
        VtepForwardingTest.assertFrame(sinkY, BROADCAST, MAC_X);
        sinkHub.close();
        Location atX = hub.forwardingTable().lookup(VNI, MAC_X);
        assertNotNull(atX);
        assertEquals(InetAddress.getByName("127.0.0.2"), atX.address());
        assertEquals(0, atX.transport(), "VXLAN is the hub's transport 0");
        // The GRE-in-UDP peer learned MAC_X at the hub, and its unicast reply crosses into VXLAN.
        assertEquals(
                InetAddress.getByName("127.0.0.1"),
                y.forwardingTable().lookup(VNI, MAC_X).address());
        portY.send(frame(MAC_X, MAC_Y));
        VtepForwardingTest.assertFrame(sinkX, MAC_X, MAC_Y);
        Location atY = hub.forwardingTable().lookup(VNI, MAC_Y);
        assertEquals(InetAddress.getByName("127.0.0.3"), atY.address());
        assertEquals(1, atY.transport(), "GRE-in-UDP is the hub's transport 1");

        // A local frame to MAC_Y goes out as GRE-in-UDP only, to MAC_X as VXLAN only.
        VtepStats before = hub.stats();
        portHub.send(frame(MAC_Y, MAC_HUB));
        VtepForwardingTest.assertFrame(sinkY, MAC_Y, MAC_HUB);
        portHub.send(frame(MAC_X, MAC_HUB));
        VtepForwardingTest.assertFrame(sinkX, MAC_X, MAC_HUB);
        VtepStats delta = hub.stats().minus(before);
        assertEquals(1, delta.encapsulation(Encapsulation.GRE_UDP).packetsToUnderlay());
        assertEquals(1, delta.encapsulation(Encapsulation.VXLAN).packetsToUnderlay());
        assertEquals(0, delta.encapsulation(Encapsulation.VXLAN).framesCrossedIn(), "local frames do not cross");
        assertEquals(0, hub.stats().totalDrops());
    }

    @Test
    void aLocalBroadcastGoesToEveryTargetInItsOwnEncapsulation() throws Exception {
        topology(Vtep.builder());
        portHub.send(frame(BROADCAST, MAC_HUB));
        VtepForwardingTest.assertFrame(sinkX, BROADCAST, MAC_HUB);
        VtepForwardingTest.assertFrame(sinkY, BROADCAST, MAC_HUB);
        assertEquals(
                Map.of(
                        InetAddress.getByName("127.0.0.2"), Encapsulation.VXLAN,
                        InetAddress.getByName("127.0.0.3"), Encapsulation.GRE_UDP),
                hub.segment(VNI).flooding().remoteEncapsulations());
        assertEquals(1, x.stats().segment(VNI).packetsFromUnderlay());
        assertEquals(1, y.stats().segment(VNI).packetsFromUnderlay());
    }

    @Test
    void aTaggedFrameFromVxlanReachesLocalPortsButDoesNotCrossIntoGre() throws Exception {
        topology(Vtep.builder().acceptInnerVlan(true));
        // A VXLAN packet from 127.0.0.2 whose inner frame carries an 802.1Q tag (a vtep4j peer would strip it).
        ByteBuf tagged = Frames.frame(VxlanHeader.LENGTH, BROADCAST, MAC_X, Ethernet.TPID_8021Q, 60, new Random(1));
        tagged.setInt(0, 0x0800_0000).setInt(4, VNI << 8).readerIndex(0); // RFC 7348 §5: I flag, VNI
        byte[] packet = Frames.bytes(tagged);
        tagged.release();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            peer.send(new DatagramPacket(packet, packet.length, new InetSocketAddress("127.0.0.1", vxlanPort)));
        }
        ByteBuf atHub = sinkHub.poll(WAIT);
        assertNotNull(atHub, "the tagged frame reached the hub's port");
        try {
            assertTrue(Ethernet.isTagged(atHub, atHub.readerIndex()), "delivered with its tag");
        } finally {
            atHub.release();
        }
        // the loop delivers to the hub's port before it floods on, so the drop may be counted a moment later
        io.vtep4j.interop.Await.until(
                java.time.Duration.ofSeconds(5),
                () -> hub.stats().dropped(DropReason.CROSSING_TAGGED_FRAME) == 1,
                () -> hub.stats().dropped(DropReason.CROSSING_TAGGED_FRAME)
                        + " crossing-tagged-frame drops (expected 1)");
        assertEquals(1, hub.stats().dropped(DropReason.CROSSING_TAGGED_FRAME));
        assertEquals(1, hub.stats().encapsulation(Encapsulation.GRE_UDP).dropped(DropReason.CROSSING_TAGGED_FRAME));
        assertNull(sinkY.poll(300), "a tagged VXLAN frame must not cross into GRE");

        // An untagged frame from the same side still crosses: the seam refuses the tag, not the peer.
        portX.send(frame(BROADCAST, MAC_X));
        VtepForwardingTest.assertFrame(sinkY, BROADCAST, MAC_X);
    }

    @Test
    void eachEncapsulationHasItsOwnMtu() throws Exception {
        topology(Vtep.builder().mtu(Encapsulation.GRE_UDP, 600));
        portHub.send(frame(BROADCAST, MAC_HUB, 1000, 7));
        VtepForwardingTest.assertFrame(sinkX, BROADCAST, MAC_HUB);
        assertNull(sinkY.poll(300), "1000 bytes do not fit a 600-byte GRE-in-UDP underlay");
        VtepStats stats = hub.stats();
        assertEquals(1, stats.encapsulation(Encapsulation.GRE_UDP).dropped(DropReason.MTU_EXCEEDED));
        assertEquals(0, stats.encapsulation(Encapsulation.VXLAN).dropped(DropReason.MTU_EXCEEDED));
    }

    @Test
    void eachEncapsulationHasItsOwnMulticastGroupJoinedOnItsUnderlay() throws Exception {
        assumeTrue(Files.isReadable(VtepTransportTest.IGMP), "needs Linux /proc/net/igmp to see memberships");
        Vtep v = keep(Vtep.builder()
                .localAddress("127.0.0.1")
                .encapsulations(Encapsulation.VXLAN, Encapsulation.GRE_UDP)
                .port(Encapsulation.VXLAN, vxlanPort)
                .port(Encapsulation.GRE_UDP, grePort)
                .multicastInterface("lo")
                .build());
        InetAddress vxlanGroup = InetAddress.getByName("239.255.78.1");
        InetAddress greGroup = InetAddress.getByName("239.255.78.2");
        Segment s = v.segment(VNI).floodTo(Encapsulation.GRE_UDP, greGroup).floodTo(vxlanGroup);
        assertEquals(vxlanGroup, s.flooding().group());
        assertEquals(vxlanGroup, s.flooding().group(Encapsulation.VXLAN));
        assertEquals(greGroup, s.flooding().group(Encapsulation.GRE_UDP));
        assertTrue(VtepTransportTest.joinedOnLoopback("EFFF4E01"));
        assertTrue(VtepTransportTest.joinedOnLoopback("EFFF4E02"));
        s.stopFloodingTo(greGroup);
        assertNull(s.flooding().group(Encapsulation.GRE_UDP));
        assertEquals(vxlanGroup, s.flooding().group());
        assertFalse(VtepTransportTest.joinedOnLoopback("EFFF4E02"), "left with the last segment flooding to it");
        assertTrue(VtepTransportTest.joinedOnLoopback("EFFF4E01"));
    }

    @Test
    void aSingleEncapsulationVtepReportsOneEncapsulationAndFloodsAsBefore() throws Exception {
        Vtep v = keep(Vtep.builder().localAddress("127.0.0.1").port(vxlanPort).build());
        assertEquals(List.of(Encapsulation.VXLAN), v.encapsulations());
        assertEquals(
                List.of(Encapsulation.VXLAN),
                List.copyOf(v.stats().encapsulations().keySet()));
        assertTrue(v.segment(VNI).flooding().isEmpty());
    }

    @Test
    void misuseFailsAtOnceNamingTheValue() {
        Vtep.Builder b = Vtep.builder();
        IllegalArgumentException twice = assertThrows(
                IllegalArgumentException.class,
                () -> b.encapsulations(Encapsulation.VXLAN, Encapsulation.NVGRE, Encapsulation.VXLAN));
        assertEquals(
                "encapsulations: VXLAN named twice (expected: each encapsulation at most once)", twice.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.port(Encapsulation.NVGRE, 4789));
        IllegalStateException clash = assertThrows(
                IllegalStateException.class,
                () -> Vtep.builder()
                        .localAddress("127.0.0.1")
                        .encapsulations(Encapsulation.VXLAN, Encapsulation.GRE_UDP)
                        .port(4754)
                        .build());
        assertTrue(clash.getMessage().startsWith("port: 4754 for both VXLAN and GRE_UDP"), clash.getMessage());
        IllegalStateException unused = assertThrows(
                IllegalStateException.class,
                () -> Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(Encapsulation.GRE_UDP, 5000)
                        .build());
        assertEquals(
                "port(GRE_UDP, 5000): GRE_UDP is not run (expected: one of [VXLAN]; see Vtep.Builder.encapsulations)",
                unused.getMessage());
        IllegalStateException unusedMtu = assertThrows(
                IllegalStateException.class,
                () -> Vtep.builder()
                        .localAddress("127.0.0.1")
                        .mtu(Encapsulation.NVGRE, 1400)
                        .build());
        assertTrue(unusedMtu.getMessage().startsWith("mtu(NVGRE, 1400): NVGRE is not run"), unusedMtu.getMessage());

        Vtep v = keep(Vtep.builder().localAddress("127.0.0.1").port(vxlanPort).build());
        IllegalArgumentException notRun = assertThrows(
                IllegalArgumentException.class, () -> v.segment(VNI).floodTo(Encapsulation.NVGRE, "127.0.0.2"));
        assertTrue(notRun.getMessage().startsWith("encapsulation: NVGRE (expected: one this VTEP runs"));
    }
}
