package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.vtep4j.OuterHeader.Df;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.OuterSend;
import io.vtep4j.interop.InnerFrames;
import io.vtep4j.testing.Ports;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** The outer DF each rule gives an inner frame ({@link OuterSend#NO_DF} in the fields), and which need a packet rule. */
class OuterHeaderDfTest {

    private static final OuterHeader INHERIT =
            OuterHeader.builder().df(Df.INHERIT).build();

    /** IPv4 with the given flags/fragment-offset word (0x4000: DF). */
    private static ByteBuf ipv4(String flags) {
        return PacketTooBigTest.frame(
                "020000000002",
                "020000000001",
                "0800",
                "4500001c0000" + flags + "40" + "01" + "0000" + "0a3201010a320102" + "0800000000000000");
    }

    private static int noDf(OuterHeader h, ByteBuf frame) {
        try {
            return h.fields(frame) & OuterSend.NO_DF;
        } finally {
            frame.release();
        }
    }

    @Test
    void inheritCopiesTheInnerIpv4DfBit() {
        assertEquals(0, noDf(INHERIT, ipv4("4000")), "inner DF: outer DF");
        assertEquals(OuterSend.NO_DF, noDf(INHERIT, ipv4("0000")), "inner without DF: outer without");
        assertEquals(OuterSend.NO_DF, noDf(INHERIT, ipv4("2000")), "MF alone is not DF");
    }

    @Test
    void inheritSetsDfForIpv6AndClearsItForFramesThatAreNotIp() {
        ByteBuf v6 = PacketTooBigTest.frame(
                "020000000002", "020000000001", "86dd", "60000000" + "0000" + "3b" + "03" + "00".repeat(32));
        assertEquals(0, noDf(INHERIT, v6), "IPv6 never fragments on the path: as Linux, DF");
        ByteBuf arp = PacketTooBigTest.frame("ffffffffffff", "020000000001", "0806", "0001080006040001");
        assertEquals(OuterSend.NO_DF, noDf(INHERIT, arp));
    }

    @Test
    void fixedRulesIgnoreTheInnerHeader() {
        assertEquals(0, noDf(OuterHeader.FIXED, ipv4("0000")), "set: always DF");
        OuterHeader unset = OuterHeader.builder().df(Df.UNSET).build();
        assertEquals(OuterSend.NO_DF, noDf(unset, ipv4("4000")), "unset: never DF");
        ByteBuf f = ipv4("4000");
        assertEquals(OuterSend.NO_DF | 64, unset.fields(f), "TOS and TTL unchanged");
        f.release();
        assertEquals("tos dscp 0 ttl 64 df unset", unset.toString());
        assertEquals("tos dscp 0 ttl 64 df inherit", INHERIT.toString());
        assertEquals("tos dscp 0 ttl 64", OuterHeader.FIXED.toString(), "default DF: as before");
        assertThrows(NullPointerException.class, () -> OuterHeader.builder().df(null));
    }

    @Test
    void onTheUdpSocketDfInheritStillSendsEveryPacket() throws Exception {
        // The NO_DF bit rides in the packet's outer fields; the UDP socket's control messages must carry only TOS/TTL.
        int port = Ports.freeUdp();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", port));
                Vtep v = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .outerHeader(INHERIT)
                        .build()) {
            peer.setSoTimeout(10_000);
            LocalPort local = v.segment(1).floodTo("127.0.0.2").attach(f -> f.release());
            local.send(InnerFrames.udpFrame(1000, false));
            local.send(InnerFrames.udpFrame(1001, true));
            byte[] buf = new byte[2048];
            for (int i = 0; i < 2; i++) {
                peer.receive(new DatagramPacket(buf, buf.length));
            }
            assertEquals(
                    0,
                    v.stats().dropped(DropReason.SEND_FAILED),
                    () -> v.stats().toString());
        }
    }

    @Test
    void aSegmentNeedsPacketFieldsWhenItsDfDiffersFromTheSockets() throws Exception {
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .outerHeader(OuterHeader.builder().df(Df.UNSET).build())
                .build()) {
            SegmentImpl seg = (SegmentImpl) v.segment(1);
            assertNull(seg.outerHeader, "unset everywhere: the sockets say so, no packet fields");
            seg.outerHeader(OuterHeader.FIXED);
            assertNotNull(seg.outerHeader, "DF set on one segment of an unset VTEP: per packet");
            seg.outerHeader(INHERIT);
            assertEquals(INHERIT, seg.outerHeader);
        }
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .outerHeader(INHERIT)
                .build()) {
            assertEquals(INHERIT, ((SegmentImpl) v.segment(1)).outerHeader, "inherit: always per packet");
        }
    }
}
