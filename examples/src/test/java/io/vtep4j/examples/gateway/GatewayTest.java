package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.examples.demo.Addresses;
import io.vtep4j.examples.demo.Frames;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The gateway's data path in-process, no root: a fake trunk on one side, a real peer {@link Vtep} on 127.0.0.2
 * (one local port per VNI) on the other, VXLAN over loopback UDP between them.
 */
class GatewayTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final long WAIT_MS = 3000;
    private static final long H100 = MacAddress.parse("02:00:00:00:01:00");
    private static final long H200 = MacAddress.parse("02:00:00:00:02:00");
    private static final long PEER = MacAddress.parse("02:00:00:00:99:01");

    private int udpPort;
    private Gateway gateway;
    private FakeTrunk trunk;
    private Vtep peer;
    private final Map<Integer, BlockingQueue<ByteBuf>> atPeer = new HashMap<>();
    private final Map<Integer, LocalPort> peerPorts = new HashMap<>();

    /** A trunk whose "wire" is two queues: {@link #inject} plays a switch sending to us. */
    static final class FakeTrunk implements Trunk {
        final BlockingQueue<ByteBuf> transmitted = new LinkedBlockingQueue<>();
        final Consumer<ByteBuf> sink;
        final AtomicLong in = new AtomicLong();
        /** What {@link #readErrors()} reports, as a failing capture would. */
        volatile long readErrors;
        /** True: every send fails (and releases its frame), as an interface that went away. */
        volatile boolean refuseSends;
        /** What {@link #overruns()} reports, as a ring the kernel overran would. */
        volatile long overruns;

        FakeTrunk(Consumer<ByteBuf> sink) {
            this.sink = sink;
        }

        void inject(ByteBuf frame) {
            in.incrementAndGet();
            sink.accept(frame);
        }

        @Override
        public boolean send(ByteBuf frame) {
            if (refuseSends) {
                frame.release();
                return false;
            }
            return transmitted.add(frame);
        }

        @Override
        public long readErrors() {
            return readErrors;
        }

        @Override
        public long overruns() {
            return overruns;
        }

        @Override
        public long received() {
            return in.get();
        }

        @Override
        public long sent() {
            return transmitted.size();
        }

        @Override
        public void close() {
            transmitted.forEach(ByteBuf::release);
            transmitted.clear();
        }
    }

    @BeforeEach
    void start() throws IOException {
        peer = loopbackPeer();
        udpPort = peer.boundAddresses().get(0).getPort();
        for (int vni : List.of(10100, 10200, 10300)) {
            BlockingQueue<ByteBuf> queue = new LinkedBlockingQueue<>();
            atPeer.put(vni, queue);
            peerPorts.put(vni, peer.segment(vni).floodTo("127.0.0.1").attach("peer-" + vni, queue::add));
        }
    }

    private void startGateway(String... mapping) {
        startGateway(new GatewayOptions(), mapping);
    }

    private void startGateway(GatewayOptions options, String... mapping) {
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.dstPort = Integer.toString(udpPort);
        for (int i = 0; i < mapping.length; i += 2) {
            if (mapping[i].equals("--untagged")) {
                options.untagged = mapping[i + 1];
            } else {
                options.vlans.add(mapping[i + 1]);
            }
        }
        List<String> vnis = new ArrayList<>();
        options.vlans.forEach(v -> vnis.add(v.split(":")[1]));
        if (options.untagged != null) {
            vnis.add(options.untagged);
        }
        vnis.forEach(vni -> options.flood.add(vni + "=127.0.0.2"));
        gateway = Gateway.start(options.toConfig(), sink -> trunk = new FakeTrunk(sink));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        peer.close();
        atPeer.values().forEach(q -> q.forEach(ByteBuf::release));
    }

    private static ByteBuf arpFrom(long mac, String ip, String target) {
        return Frames.arpRequest(ALLOC, mac, Addresses.ipv4(ip), Addresses.ipv4(target));
    }

    private static ByteBuf tagged(ByteBuf frame, int vlan) {
        return Ethernet.pushVlanTag(frame, vlan);
    }

    private static ByteBuf take(BlockingQueue<ByteBuf> queue) throws InterruptedException {
        ByteBuf frame = queue.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(frame, "no frame arrived within " + WAIT_MS + " ms");
        return frame;
    }

    @Test
    void taggedFrameLosesItsTagAndEntersOnlyItsVni() throws InterruptedException {
        startGateway("--vlan", "100:10100", "--vlan", "200:10200");

        trunk.inject(tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100));
        ByteBuf got = take(atPeer.get(10100));
        try {
            assertEquals(-1, Ethernet.vlanId(got, got.readerIndex()), "the VXLAN inner frame carries no tag");
            assertEquals(H100, Frames.sourceMac(got));
            assertTrue(Frames.isArp(got));
        } finally {
            got.release();
        }
        // a second frame on VLAN 200 arrives in VNI 10200: by then anything leaked into 10200 would be queued first
        trunk.inject(tagged(arpFrom(H200, "10.1.0.3", "10.1.0.2"), 200));
        ByteBuf second = take(atPeer.get(10200));
        try {
            assertEquals(H200, Frames.sourceMac(second), "VNI 10200 received VLAN 200's frame, nothing before it");
        } finally {
            second.release();
        }
        assertTrue(atPeer.get(10100).isEmpty(), "VLAN 200 leaked into VNI 10100");
    }

    @Test
    void readAheadFindsTheVniOfTheFramesVlanWhereverTheTagIsAndChangesNothing() throws Exception {
        startGateway("--vlan", "100:10100", "--vlan", "200:10200");
        gateway.vtep()
                .forwardingTable()
                .addStatic(
                        10100, H100, io.vtep4j.learning.Location.remote(java.net.InetAddress.getByName("127.0.0.2")));
        Trunk.Receiver receiver = (Trunk.Receiver) trunk.sink;
        ByteBuf inline = tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100);
        ByteBuf untagged = arpFrom(H100, "10.1.0.1", "10.1.0.2");
        ByteBuf otherVlan = tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 300);
        try {
            int at = inline.readerIndex();
            int length = inline.readableBytes();
            // The MAC is stored in VNI 10100 only; its slot there holds a key, so the fold is not zero.
            assertNotEquals(0, receiver.readAhead(inline, at, length, -1), "tag inline");
            assertNotEquals(
                    0,
                    receiver.readAhead(untagged, untagged.readerIndex(), untagged.readableBytes(), 100),
                    "tag taken out");
            assertEquals(
                    0, receiver.readAhead(otherVlan, otherVlan.readerIndex(), length, -1), "VLAN 300 is not mapped");
            assertEquals(
                    0,
                    receiver.readAhead(untagged, untagged.readerIndex(), untagged.readableBytes(), -1),
                    "untagged frames are not mapped here");
            assertEquals(0, receiver.readAhead(inline, at, 13, -1), "shorter than an Ethernet header");
            assertEquals(0, receiver.readAhead(inline, at + 1, inline.capacity(), -1), "past the buffer");
            assertEquals(0, receiver.readAhead(inline, -1, length, -1), "before the buffer");
            assertEquals(Map.of(), gateway.gatewayDrops(), "a hint drops nothing");
            assertEquals(1, gateway.vtep().forwardingTable().size(), "and learns nothing");
        } finally {
            inline.release();
            untagged.release();
            otherVlan.release();
        }
    }

    @Test
    void overlayFrameGetsItsVlanTagOnTheTrunk() throws InterruptedException {
        startGateway("--vlan", "100:10100", "--vlan", "200:10200");

        peerPorts.get(10200).send(arpFrom(PEER, "10.1.0.9", "10.1.0.3"));
        ByteBuf out = take(trunk.transmitted);
        try {
            assertEquals(200, Ethernet.vlanId(out, out.readerIndex()));
            assertEquals(Ethernet.TYPE_ARP, Ethernet.etherType(out, out.readerIndex()));
            assertEquals(PEER, Ethernet.sourceMac(out, out.readerIndex()));
        } finally {
            out.release();
        }
        peerPorts.get(10100).send(arpFrom(PEER, "10.1.0.9", "10.1.0.1"));
        ByteBuf next = take(trunk.transmitted);
        try {
            assertEquals(100, Ethernet.vlanId(next, next.readerIndex()));
        } finally {
            next.release();
        }
    }

    @Test
    void macsAreLearnedOnBothSidesAndTheReplyIsUnicastBackToItsVlan() throws InterruptedException {
        startGateway("--vlan", "100:10100", "--vlan", "200:10200");

        trunk.inject(tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100));
        take(atPeer.get(10100)).release();
        peerPorts
                .get(10100)
                .send(Frames.arpReply(ALLOC, PEER, Addresses.ipv4("10.1.0.2"), H100, Addresses.ipv4("10.1.0.1")));
        ByteBuf reply = take(trunk.transmitted);
        try {
            assertEquals(100, Ethernet.vlanId(reply, reply.readerIndex()));
            assertEquals(H100, Ethernet.destinationMac(reply, reply.readerIndex()));
        } finally {
            reply.release();
        }

        Location host = gateway.vtep().forwardingTable().lookup(10100, H100);
        Location remote = gateway.vtep().forwardingTable().lookup(10100, PEER);
        assertNotNull(host, "trunk-side MAC learned");
        assertEquals("vlan100", host.name());
        assertNotNull(remote, "overlay-side MAC learned");
        assertEquals("127.0.0.2", remote.address().getHostAddress());
        assertNull(gateway.vtep().forwardingTable().lookup(10200, H100), "learned in its own VNI only");
        assertEquals(1, gateway.vtep().stats().segment(10100).floods(), "only the broadcast was flooded");

        String fdb = gateway.fdbTable();
        assertTrue(fdb.contains(MacAddress.toString(H100)) && fdb.contains("trunk (vlan100)"), fdb);
        assertTrue(fdb.contains("dst 127.0.0.2"), fdb);
    }

    @Test
    void unmappedVlanAndUnmappedUntaggedFramesAreDroppedAndCounted() throws InterruptedException {
        startGateway("--vlan", "100:10100");

        trunk.inject(tagged(arpFrom(H200, "10.1.0.3", "10.1.0.2"), 300));
        trunk.inject(arpFrom(H200, "10.1.0.3", "10.1.0.2"));
        trunk.inject(tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100));
        take(atPeer.get(10100)).release();

        assertEquals(Map.of(DropReason.UNMAPPED_VLAN, 2L), gateway.gatewayDrops());
        assertTrue(atPeer.get(10200).isEmpty() && atPeer.get(10300).isEmpty());
        assertEquals(1, gateway.vtep().stats().segment(10100).framesFromPorts());
        String status = gateway.statusLine();
        assertTrue(status.contains("unmapped-vlan 2 (+2)") && status.contains("MACs "), status);
    }

    @Test
    void untaggedFramesBridgeToTheUntaggedVniAndBackWithoutATag() throws InterruptedException {
        startGateway("--vlan", "100:10100", "--untagged", "10300");

        trunk.inject(arpFrom(H200, "10.3.0.1", "10.3.0.2"));
        ByteBuf in = take(atPeer.get(10300));
        try {
            assertEquals(H200, Frames.sourceMac(in));
        } finally {
            in.release();
        }
        peerPorts
                .get(10300)
                .send(Frames.arpReply(ALLOC, PEER, Addresses.ipv4("10.3.0.2"), H200, Addresses.ipv4("10.3.0.1")));
        ByteBuf out = take(trunk.transmitted);
        try {
            assertEquals(-1, Ethernet.vlanId(out, out.readerIndex()), "untagged VNI leaves the trunk untagged");
            assertEquals(H200, Ethernet.destinationMac(out, out.readerIndex()));
        } finally {
            out.release();
        }
    }

    @Test
    void greInUdpCarriesTheVlanToItsVsid() throws InterruptedException {
        peer.close();
        atPeer.clear();
        peer = Vtep.builder()
                .localAddress("127.0.0.2")
                .port(udpPort)
                .encapsulation(Encapsulation.GRE_UDP)
                .eventLoops(1)
                .build();
        BlockingQueue<ByteBuf> vsid = new LinkedBlockingQueue<>();
        atPeer.put(0x12345, vsid);
        LocalPort peerPort = peer.segment(0x12345).floodTo("127.0.0.1").attach("peer-gre", vsid::add);
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.encap = "gre-udp";
        options.dstPort = Integer.toString(udpPort);
        options.vlans.add("100:" + 0x12345);
        options.flood.add(0x12345 + "=127.0.0.2");
        gateway = Gateway.start(options.toConfig(), sink -> trunk = new FakeTrunk(sink));

        trunk.inject(tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100));
        ByteBuf in = take(vsid);
        try {
            assertEquals(H100, Frames.sourceMac(in));
            assertEquals(-1, Ethernet.vlanId(in, in.readerIndex()));
        } finally {
            in.release();
        }
        peerPort.send(Frames.arpReply(ALLOC, PEER, Addresses.ipv4("10.1.0.2"), H100, Addresses.ipv4("10.1.0.1")));
        ByteBuf out = take(trunk.transmitted);
        try {
            assertEquals(100, Ethernet.vlanId(out, out.readerIndex()));
        } finally {
            out.release();
        }
    }

    /** Flood limiting is on by default in the gateway, as its help and SECURITY.md state; 0 turns it off. */
    @Test
    void everyVniIsFloodLimitedByDefaultAndZeroTurnsItOff() {
        startGateway("--vlan", "100:10100", "--untagged", "10300");
        assertEquals(List.of(1000, 1000), floodLimits());
        gateway.close();
        GatewayOptions off = new GatewayOptions();
        off.floodLimit = "0";
        startGateway(off, "--vlan", "100:10100", "--untagged", "10300");
        assertEquals(List.of(0, 0), floodLimits());
    }

    private List<Integer> floodLimits() {
        return gateway.vtep().segments().stream().map(Segment::floodLimit).toList();
    }

    @Test
    void aTrunkThatCannotOpenLeavesNothingRunning() {
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.dstPort = Integer.toString(udpPort);
        options.vlans.add("100:10100");
        GatewayConfig config = options.toConfig();

        ConfigException e = assertThrows(
                ConfigException.class,
                () -> Gateway.start(config, sink -> {
                    throw new ConfigException("--port fake0: no permission");
                }));
        assertEquals("--port fake0: no permission", e.getMessage());
        assertUnderlayReleased(udpPort);
    }

    /** The gateway's peer in these tests: a VTEP on 127.0.0.2 at a free UDP port, with one event loop. */
    static Vtep loopbackPeer() throws IOException {
        int udpPort;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            udpPort = probe.getLocalPort();
        }
        return Vtep.builder()
                .localAddress("127.0.0.2")
                .port(udpPort)
                .eventLoops(1)
                .build();
    }

    /** The underlay socket of a failed start was closed again: the same address and port bind at once. */
    static void assertUnderlayReleased(int udpPort) {
        assertDoesNotThrow(
                () -> Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(udpPort)
                        .eventLoops(1)
                        .build()
                        .close(),
                "binds 127.0.0.1:" + udpPort + " again");
    }

    @Test
    void statusLineAndSummaryReportRatesAndTotals() throws InterruptedException {
        startGateway("--vlan", "100:10100");
        trunk.inject(tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100));
        take(atPeer.get(10100)).release();

        String line = gateway.statusLine();
        assertTrue(line.startsWith("trunk in ") && line.contains("underlay in") && line.contains("drops none"), line);
        String summary = gateway.summary();
        assertTrue(
                summary.contains("trunk in 1 out 0 frames") && summary.contains("underlay in 0 out 1 packets"),
                summary);
        assertTrue(gateway.fdbTable().startsWith("forwarding table: 1 entries"), gateway.fdbTable());
        // The broadcast went to the one flood target: the remote VTEP's row and its place in the status views.
        assertTrue(summary.contains("remotes 127.0.0.2 in 0 out 1"), summary);
        String fdb = gateway.fdbTable();
        assertTrue(fdb.contains("remote VTEPs: 1"), fdb);
        assertTrue(fdb.matches("(?s).*\\n  127\\.0\\.0\\.2 +0 +0 +1 +\\d+ +1 +0 never\\n.*"), fdb);
        trunk.inject(tagged(arpFrom(H100, "10.1.0.1", "10.1.0.2"), 100));
        take(atPeer.get(10100)).release();
        String next = gateway.statusLine();
        assertTrue(next.contains("| remotes 127.0.0.2 in 0 out 1"), next);
    }
}
