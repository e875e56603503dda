package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ecn;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.InternetChecksum;
import io.vtep4j.internal.Transports;
import io.vtep4j.interop.Await;
import io.vtep4j.testing.Ports;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * RFC 6040 §4.2 through a real VTEP on loopback: VXLAN packets sent from a socket whose IP_TOS carries an ECN
 * codepoint; the direct I/O path reads it (IP_RECVTOS) and marks or drops the inner packet. (IPv6 traffic classes:
 * {@code ControlMessagesTest}; loopback has one IPv6 address, and a packet from the VTEP's own address is dropped.)
 */
class VtepEcnTest {

    private static final int VNI = 5081;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String MACS = "020000000001" + "020000000909";

    private final Sink sink = new Sink();
    private Vtep vtep;

    @AfterEach
    void stop() {
        if (vtep != null) {
            vtep.close();
        }
        sink.close();
    }

    @Test
    void outerCeMarksAnEct0InnerIpv4PacketCeWithAValidChecksum() throws Exception {
        int port = start("127.0.0.1", true);
        send("127.0.0.1", port, Ecn.CE, ipv4Frame(Ecn.ECT_0));

        ByteBuf frame = sink.poll(WAIT.toMillis());
        assertNotNull(frame, () -> vtep.stats().toString());
        try {
            int l3 = frame.readerIndex() + Ethernet.HEADER_LENGTH;
            assertEquals(0xb8 | Ecn.CE, frame.getUnsignedByte(l3 + 1), ByteBufUtil.hexDump(frame));
            assertEquals(0, InternetChecksum.of(frame, l3, 20), "inner header checksum valid after the mark");
        } finally {
            frame.release();
        }
    }

    @Test
    void outerCeOverNotEctIsDroppedAndCountedThenTrafficFlowsOn() throws Exception {
        int port = start("127.0.0.1", true);
        send("127.0.0.1", port, Ecn.CE, ipv4Frame(Ecn.NOT_ECT));
        Await.until(
                WAIT,
                () -> vtep.stats().dropped(DropReason.ECN_CE_NOT_ECT) == 1,
                () -> vtep.stats().toString());
        assertEquals(1, vtep.stats().segment(VNI).dropped(DropReason.ECN_CE_NOT_ECT));
        assertEquals(0, sink.size());

        send("127.0.0.1", port, Ecn.NOT_ECT, ipv4Frame(Ecn.NOT_ECT)); // unmarked: delivered unchanged
        ByteBuf frame = sink.poll(WAIT.toMillis());
        assertNotNull(frame, () -> vtep.stats().toString());
        try {
            assertEquals(0xb8, frame.getUnsignedByte(frame.readerIndex() + Ethernet.HEADER_LENGTH + 1));
        } finally {
            frame.release();
        }
        assertEquals(1, vtep.stats().dropped(DropReason.ECN_CE_NOT_ECT));
    }

    @Test
    void nettysDatagramPathCannotReadTheOuterTosAndDeliversUnchanged() throws Exception {
        // Netty's datagram packets carry no TOS: without direct I/O the outer ECN field is never seen.
        int port = start("127.0.0.1", false);
        send("127.0.0.1", port, Ecn.CE, ipv4Frame(Ecn.NOT_ECT));

        ByteBuf frame = sink.poll(WAIT.toMillis());
        assertNotNull(frame, () -> vtep.stats().toString());
        try {
            assertEquals(0xb8, frame.getUnsignedByte(frame.readerIndex() + Ethernet.HEADER_LENGTH + 1));
        } finally {
            frame.release();
        }
        assertEquals(0, vtep.stats().dropped(DropReason.ECN_CE_NOT_ECT));
    }

    private int start(String local, boolean directIo) throws Exception {
        assumeTrue(!directIo || Transports.epoll(), "direct I/O needs Linux epoll");
        int port = Ports.freeUdp();
        vtep = Vtep.builder().localAddress(local).port(port).directIo(directIo).build();
        vtep.segment(VNI).attach(sink);
        return port;
    }

    /** One VXLAN packet for {@link #VNI} carrying {@code inner}, from a socket whose outer ECN field is {@code ecn}. */
    private static void send(String address, int port, int ecn, byte[] inner) throws Exception {
        try (DatagramChannel ch = DatagramChannel.open(StandardProtocolFamily.INET)) {
            ch.bind(new InetSocketAddress("127.0.0.9", 0)); // not the VTEP's own address
            ch.setOption(StandardSocketOptions.IP_TOS, ecn);
            assertEquals(ecn, ch.getOption(StandardSocketOptions.IP_TOS), "the sending socket's TOS");
            ByteBuffer packet = ByteBuffer.allocate(8 + inner.length);
            packet.put((byte) 0x08)
                    .put(new byte[3])
                    .put((byte) (VNI >>> 16))
                    .put((byte) (VNI >>> 8))
                    .put((byte) VNI);
            packet.put((byte) 0).put(inner).flip();
            ch.send(packet, new InetSocketAddress(address, port));
        }
    }

    /** Ethernet + IPv4 (TOS 0xb8 | {@code ecn}, valid checksum) + 8 bytes of UDP. */
    private static byte[] ipv4Frame(int ecn) {
        byte[] frame = HexFormat.of()
                .parseHex(MACS + "0800" + "45" + String.format("%02x", 0xb8 | ecn)
                        + "001c12344000401100000a3201020a320101" + "0000000000000000");
        ByteBuf view = io.netty.buffer.Unpooled.wrappedBuffer(frame);
        view.setShort(Ethernet.HEADER_LENGTH + 10, InternetChecksum.of(view, Ethernet.HEADER_LENGTH, 20));
        return frame;
    }
}
