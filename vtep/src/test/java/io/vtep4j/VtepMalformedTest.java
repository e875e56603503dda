package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.Location;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed datagrams injected with a plain {@link DatagramSocket}: each is counted under its reason, nothing is
 * delivered, nothing leaks (the leak extension checks), and the VTEP keeps forwarding.
 */
class VtepMalformedTest {

    static final int VNI = 5001;
    static final Duration WAIT = Duration.ofSeconds(10);

    int port;
    Vtep vtep;
    Sink sink = new Sink();
    DatagramSocket injector;
    InetSocketAddress target;

    @BeforeEach
    void start() throws Exception {
        port = Ports.freeUdp();
        vtep = Vtep.builder().localAddress("127.0.0.1").port(port).mtu(1500).build();
        vtep.segment(VNI).attach(sink);
        injector = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.9"), 0));
        target = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port);
    }

    @AfterEach
    void stop() {
        injector.close();
        vtep.close();
        sink.close();
    }

    /** A VXLAN header (flags byte, 24 reserved, VNI, 8 reserved) + inner frame of {@code innerLength} bytes. */
    static byte[] vxlan(int flags, int vni, int innerLength, int reservedLast) {
        ByteBuffer b = ByteBuffer.allocate(8 + innerLength);
        b.put((byte) flags).put((byte) 0).put((byte) 0).put((byte) 0); // flags, 24 reserved bits
        b.put((byte) (vni >>> 16)).put((byte) (vni >>> 8)).put((byte) vni); // VNI
        b.put((byte) reservedLast); // 8 reserved bits
        if (innerLength >= 14) {
            b.put(new byte[] {-1, -1, -1, -1, -1, -1}); // dst: broadcast
            b.put(new byte[] {2, 0, 0, 0, 9, 9}); // src
            b.putShort((short) 0x0800); // IPv4
        }
        return b.array();
    }

    static byte[] tagged(int vni) {
        byte[] p = vxlan(0x08, vni, 64, 0);
        p[8 + 12] = (byte) 0x81; // TPID 0x8100: an 802.1Q-tagged inner frame
        p[8 + 13] = 0x00;
        return p;
    }

    void inject(byte[] payload) throws Exception {
        injector.send(new DatagramPacket(payload, payload.length, target));
    }

    @Test
    void countsEachMalformedDatagramByReasonDeliversNothingAndKeepsForwarding() throws Exception {
        Map<DropReason, byte[]> cases = new EnumMap<>(DropReason.class);
        cases.put(DropReason.VXLAN_TRUNCATED, new byte[] {0x08, 0, 0});
        cases.put(DropReason.VXLAN_I_FLAG_NOT_SET, vxlan(0x00, VNI, 64, 0));
        cases.put(DropReason.VXLAN_GPE_UNSUPPORTED, vxlan(0x0C, VNI, 64, 0));
        cases.put(DropReason.INNER_FRAME_TOO_SHORT, vxlan(0x08, VNI, 10, 0));
        cases.put(DropReason.INNER_VLAN_TAGGED, tagged(VNI));
        cases.put(DropReason.UNKNOWN_VNI, vxlan(0x08, VNI + 1, 64, 0));
        cases.put(DropReason.MTU_EXCEEDED, vxlan(0x08, VNI, 1600, 0));
        for (byte[] payload : cases.values()) {
            inject(payload);
        }
        Await.until(
                WAIT,
                () -> vtep.stats().totalDrops() == cases.size(),
                () -> vtep.stats().toString());
        for (DropReason reason : cases.keySet()) {
            assertEquals(1, vtep.stats().dropped(reason), reason + " in " + vtep.stats());
        }
        assertEquals(0, sink.size());
        assertEquals(0, vtep.forwardingTable().size());

        // Reserved bits are ignored by default (RFC 7348 §5), and the VTEP still forwards.
        inject(vxlan(0x08, VNI, 64, 0x55));
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f);
        f.release();
        assertEquals(cases.size(), vtep.stats().totalDrops());
        assertEquals(1, vtep.stats().segment(VNI).packetsFromUnderlay());
    }

    @Test
    void strictProfileDropsReservedBitsLikeLinux() throws Exception {
        vtep.close();
        vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .strictReserved(true)
                .build();
        vtep.segment(VNI).attach(sink);
        inject(vxlan(0x08, VNI, 64, 0x55));
        Await.until(
                WAIT,
                () -> vtep.stats().dropped(DropReason.VXLAN_RESERVED_BITS_SET) == 1,
                () -> vtep.stats().toString());
        inject(vxlan(0x08, VNI, 64, 0));
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f);
        f.release();
        assertNull(sink.poll(50));
    }

    @Test
    void aGroupSourceMacFromTheOverlayIsDeliveredButNeverLearnedAndIsCounted() throws Exception {
        byte[] payload = vxlan(0x08, VNI, 64, 0);
        payload[8 + 6] = 0x01; // inner source 01:00:00:00:09:09, a group address: nobody's source
        inject(payload);
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f, "the frame itself is forwarded (broadcast destination)");
        f.release();
        Await.until(
                WAIT,
                () -> vtep.forwardingTable().counters().refusedGroup() == 1,
                () -> vtep.forwardingTable().counters().toString());
        assertEquals(0, vtep.forwardingTable().size(), "a group source MAC is never learned");
    }

    @Test
    void readAheadTakesAnyOffsetAndLengthWithoutThrowingOrChangingAnything() throws Exception {
        vtep.forwardingTable().addStatic(VNI, 0x0200_0000_0042L, Location.remote(InetAddress.getByName("127.0.0.7")));
        byte[] packet = vxlan(0x08, VNI, 64, 0);
        ByteBuf batch = Unpooled.wrappedBuffer(packet, packet);
        try {
            Forwarder forwarder = vtep.runtime.forwarder();
            int[] offsets = {-1, 0, 1, packet.length - 1, packet.length, 2 * packet.length, Integer.MAX_VALUE};
            int[] lengths = {-1, 0, 8, 21, 22, packet.length, 2 * packet.length, Integer.MAX_VALUE};
            for (int offset : offsets) {
                for (int length : lengths) {
                    forwarder.readAhead(batch, offset, length);
                }
            }
            assertEquals(0, forwarder.readAhead(batch, 0, 21), "shorter than a header and an Ethernet header");
            assertEquals(0, forwarder.readAhead(batch, packet.length + 1, packet.length), "past the buffer");
        } finally {
            batch.release();
        }
        assertEquals(0, vtep.stats().totalDrops());
        assertEquals(1, vtep.forwardingTable().size(), "nothing learned");
        assertEquals(0, vtep.stats().segment(VNI).packetsFromUnderlay());
    }
}
