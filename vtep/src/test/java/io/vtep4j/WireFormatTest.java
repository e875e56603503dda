package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** What leaves the VTEP, read back byte by byte by a plain socket standing in for a peer. */
class WireFormatTest {

    static byte[] receive(Encapsulation encapsulation, int vni, ByteBuf frame) throws Exception {
        int port = Ports.freeUdp();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), port));
                Vtep vtep = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .encapsulation(encapsulation)
                        .build()) {
            peer.setSoTimeout(5000);
            vtep.segment(vni).floodTo("127.0.0.5").attach(ByteBuf::release).send(frame);
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            peer.receive(p);
            assertEquals(InetAddress.getByName("127.0.0.1"), p.getAddress());
            // Documented limitation: the source port is the bound port, not a per-flow one.
            assertEquals(port, p.getPort());
            return Arrays.copyOf(p.getData(), p.getLength());
        }
    }

    @Test
    void vxlanHeaderHasOnlyTheIFlagAndTheVni() throws Exception {
        ByteBuf frame = frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01"), 60, 7);
        byte[] inner = ByteBufUtil.getBytes(frame);
        byte[] got = receive(Encapsulation.VXLAN, 0x123456, frame);
        assertArrayEquals(
                new byte[] {
                    0x08, 0, 0, 0, // RFC 7348 §5: flags = I, 24 reserved bits zero
                    0x12, 0x34, 0x56, 0, // VNI 0x123456, 8 reserved bits zero
                },
                Arrays.copyOf(got, 8));
        assertArrayEquals(inner, Arrays.copyOfRange(got, 8, got.length));
    }

    @Test
    void greInUdpCarriesVsidAndFlowIdInTheKey() throws Exception {
        ByteBuf frame = frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01"), 60, 7);
        byte[] inner = ByteBufUtil.getBytes(frame);
        int flowId = FlowHash.flowId(FlowHash.hash(frame));
        byte[] got = receive(Encapsulation.GRE_UDP, 0x123456, frame);
        assertArrayEquals(
                new byte[] {
                    0x20,
                    0x00, // RFC 7637 §3.2: C=0, K=1, S=0, version 0
                    0x65,
                    0x58, // Transparent Ethernet Bridging
                    0x12,
                    0x34,
                    0x56, // VSID
                    (byte) flowId, // FlowID from the inner flow hash
                },
                Arrays.copyOf(got, 8));
        assertArrayEquals(inner, Arrays.copyOfRange(got, 8, got.length));
    }

    @Test
    void fixedNvgreFlowIdGoesIntoEveryKeyWhateverTheFlow() throws Exception {
        int port = Ports.freeUdp();
        java.util.Set<Integer> hashFlowIds = new java.util.HashSet<>();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), port));
                Vtep vtep = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .encapsulation(Encapsulation.GRE_UDP)
                        .nvgreFlowId(0x01)
                        .build()) {
            peer.setSoTimeout(5000);
            io.vtep4j.LocalPort p = vtep.segment(0x123456).floodTo("127.0.0.5").attach(ByteBuf::release);
            for (int flow = 1; flow <= 16; flow++) {
                ByteBuf frame = frame(BROADCAST, MacAddress.parse("02:00:00:00:02:00") + flow, 60, flow);
                hashFlowIds.add(FlowHash.flowId(FlowHash.hash(frame)));
                p.send(frame);
                DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
                peer.receive(d);
                // The whole 32-bit key a peer such as OVS options:key=0x12345601 matches: VSID << 8 | FlowID.
                assertEquals(
                        0x12345601, java.nio.ByteBuffer.wrap(d.getData(), 4, 4).getInt(), "flow " + flow);
            }
        }
        // Without the option these flows would have carried other FlowIDs: the assertion above could fail.
        assertTrue(hashFlowIds.stream().anyMatch(id -> id != 0x01), "hash FlowIDs " + hashFlowIds);
    }

    @Test
    void sourcePortPoolCarriesFlowEntropyInTheDynamicRange() throws Exception {
        int port = Ports.freeUdp();
        java.util.Map<Long, Integer> portBySource = new java.util.HashMap<>();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.5"), port));
                Vtep vtep = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .eventLoops(1)
                        .sourcePorts(8)
                        .build()) {
            peer.setSoTimeout(5000);
            io.vtep4j.LocalPort p = vtep.segment(9).floodTo("127.0.0.5").attach(ByteBuf::release);
            for (int round = 0; round < 2; round++) {
                for (int flow = 1; flow <= 16; flow++) {
                    long src = MacAddress.parse("02:00:00:00:01:00") + flow;
                    p.send(frame(BROADCAST, src, 60, flow));
                    DatagramPacket d = new DatagramPacket(new byte[2048], 2048);
                    peer.receive(d);
                    long got = Frames.source(io.netty.buffer.Unpooled.wrappedBuffer(d.getData(), 8, 14));
                    assertEquals(src, got);
                    assertTrue(d.getPort() >= 49152 && d.getPort() <= 65535, "source port " + d.getPort());
                    Integer first = portBySource.putIfAbsent(src, d.getPort());
                    if (first != null) {
                        assertEquals(first.intValue(), d.getPort(), "one flow, one source port");
                    }
                }
            }
        }
        assertTrue(
                new java.util.HashSet<>(portBySource.values()).size() >= 3,
                "16 flows over 8 ports use several: " + portBySource.values());
    }
}
