package io.vtep4j.internal.raw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.UnderlayReceiver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The receive side of the raw GRE transport on golden bytes: what reaches the engine, what is dropped. No root. */
class RawGreInboundTest {

    private static final byte[] GRE = {
        0x20,
        0x00, // C=0 K=1 S=0, version 0 (RFC 2890 §2)
        0x65,
        0x58, // protocol type: Transparent Ethernet Bridging (RFC 7637 §3.2)
        0x12,
        0x34,
        0x56,
        0x01, // key: VSID 0x123456, FlowID 0x01
        (byte) 0xAA,
        (byte) 0xBB, // (first bytes of an inner frame)
    };

    private final Recorder recorder = new Recorder();

    @Test
    void stripsTheIpv4HeaderAndHandsOnTheGrePayloadWithTheOuterSource() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true));
        ch.writeInbound(packet(ipv4(20, GRE.length, 0x4000), GRE, "10.99.0.3"));
        assertEquals(1, recorder.payloads.size());
        assertArrayEquals(GRE, recorder.payloads.get(0));
        assertEquals(InetAddress.getByName("10.99.0.3"), recorder.sources.get(0));
        assertTrue(recorder.drops.isEmpty());
        assertFalse(ch.finish());
    }

    @Test
    void passesTheOuterIpv4TosOnForEcnDecapsulation() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true));
        byte[] ce = ipv4(20, GRE.length, 0x4000);
        ce[1] = (byte) 0xbb; // DSCP EF, ECN CE
        ch.writeInbound(packet(ce, GRE, "10.99.0.3"));
        ch.writeInbound(packet(ipv4(20, GRE.length, 0x4000), GRE, "10.99.0.3"));
        assertEquals(List.of(0xbb, 0), recorder.tos);
        assertArrayEquals(GRE, recorder.payloads.get(0));
        assertFalse(ch.finish());
    }

    @Test
    void skipsIpv4OptionsAndTrimsBytesPastTheTotalLength() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true));
        byte[] header = ipv4(24, GRE.length, 0); // IHL 6: one 4-byte option (zeros = end of options)
        byte[] withTrailer = new byte[GRE.length + 3];
        System.arraycopy(GRE, 0, withTrailer, 0, GRE.length);
        ch.writeInbound(packet(header, withTrailer, "10.99.0.3"));
        assertArrayEquals(GRE, recorder.payloads.get(0));
        assertFalse(ch.finish());
    }

    @Test
    void handsIpv6PayloadOnUnchangedBecauseTheKernelAlreadyRemovedTheHeader() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, false));
        ch.writeInbound(packet(new byte[0], GRE, "fd00::3"));
        assertArrayEquals(GRE, recorder.payloads.get(0));
        assertEquals(InetAddress.getByName("fd00::3"), recorder.sources.get(0));
        assertFalse(ch.finish());
    }

    @Test
    void dropsMalformedOuterIpv4HeadersCountedAndReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true));
        byte[] wrongVersion = ipv4(20, GRE.length, 0);
        wrongVersion[0] = 0x65;
        byte[] shortIhl = ipv4(20, GRE.length, 0);
        shortIhl[0] = 0x44;
        byte[] totalTooLong = ipv4(20, GRE.length + 100, 0);
        ByteBuf[] contents = {
            content(wrongVersion, GRE),
            content(shortIhl, GRE),
            content(totalTooLong, GRE),
            content(new byte[0], new byte[12]), // shorter than an IPv4 header
        };
        for (ByteBuf c : contents) {
            ch.writeInbound(new DatagramPacket(c, new InetSocketAddress(0), new InetSocketAddress("10.99.0.3", 0)));
            assertEquals(0, c.refCnt(), "dropped packet must be released");
        }
        assertTrue(recorder.payloads.isEmpty());
        assertEquals(
                List.of(
                        DropReason.OUTER_IPV4_MALFORMED,
                        DropReason.OUTER_IPV4_MALFORMED,
                        DropReason.OUTER_IPV4_MALFORMED,
                        DropReason.OUTER_IPV4_MALFORMED),
                recorder.drops);
        assertFalse(ch.finish());
    }

    @Test
    void dropsIpv4FragmentsCountedAndReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true));
        ByteBuf c = content(ipv4(20, GRE.length, 0x2000), GRE); // MF set
        ch.writeInbound(new DatagramPacket(c, new InetSocketAddress(0), new InetSocketAddress("10.99.0.3", 0)));
        assertEquals(0, c.refCnt());
        assertEquals(List.of(DropReason.OUTER_IPV4_FRAGMENT), recorder.drops);
        assertFalse(ch.finish());
    }

    /** The wildcard group socket's inbound of a VTEP on 10.99.0.1 that joined 239.99.0.1. */
    private EmbeddedChannel groupSocket() throws Exception {
        io.vtep4j.internal.Destinations accepted =
                new io.vtep4j.internal.Destinations(List.of(java.net.InetAddress.getByName("10.99.0.1")));
        accepted.join(java.net.InetAddress.getByName("239.99.0.1"));
        return new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true, true, 65535, accepted));
    }

    @Test
    void theGroupSocketDiscardsItsCopiesOfUnicastUncountedAndPassesGroupTraffic() throws Exception {
        EmbeddedChannel ch = groupSocket();
        ByteBuf unicast = content(ipv4(20, GRE.length, 0), GRE); // to 10.99.0.1
        ch.writeInbound(new DatagramPacket(unicast, new InetSocketAddress(0), new InetSocketAddress("10.99.0.3", 0)));
        assertEquals(0, unicast.refCnt());
        byte[] toGroup = ipv4(20, GRE.length, 0);
        toGroup[16] = (byte) 239; // destination 239.99.0.1
        ch.writeInbound(packet(toGroup, GRE, "10.99.0.3"));
        assertEquals(1, recorder.payloads.size());
        assertArrayEquals(GRE, recorder.payloads.get(0));
        assertTrue(recorder.drops.isEmpty(), "a unicast copy is not a drop");
        assertFalse(ch.finish());
    }

    @Test
    void theGroupSocketDropsAndCountsWhatIsAddressedToAnotherAddressOfTheHost() throws Exception {
        EmbeddedChannel ch = groupSocket();
        for (int last : new int[] {9, 2}) { // 10.99.0.9: another address of the host; 239.99.0.2: not joined
            byte[] header = ipv4(20, GRE.length, 0);
            header[16] = (byte) (last == 9 ? 10 : 239);
            header[19] = (byte) last;
            ByteBuf content = content(header, GRE);
            ch.writeInbound(
                    new DatagramPacket(content, new InetSocketAddress(0), new InetSocketAddress("10.99.0.3", 0)));
            assertEquals(0, content.refCnt());
        }
        assertTrue(recorder.payloads.isEmpty(), "nothing delivered");
        assertEquals(List.of(DropReason.WRONG_DESTINATION, DropReason.WRONG_DESTINATION), recorder.drops);
        assertFalse(ch.finish());
    }

    @Test
    void survivesAThrowingReceiverAndReportsReadComplete() {
        UnderlayReceiver throwing = new Recorder() {
            @Override
            public void received(ByteBuf payload, InetAddress source) {
                payload.release();
                throw new IllegalStateException("engine bug");
            }
        };
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(throwing, true));
        ch.writeInbound(packet(ipv4(20, GRE.length, 0), GRE, "10.99.0.3")); // read + readComplete
        assertTrue(ch.isActive());
        assertEquals(1, ((Recorder) throwing).readCompletes);
        assertFalse(ch.finish());
    }

    @Test
    void reportsAFailedWriteAsSendFailed() {
        EmbeddedChannel ch = new EmbeddedChannel(new RawGreUnderlay.Inbound(recorder, true));
        ch.pipeline().fireExceptionCaught(new java.io.IOException("sendmsg(..) failed: Message too long"));
        assertEquals(List.of(DropReason.SEND_FAILED), recorder.drops);
        assertFalse(ch.finish());
    }

    /** A 20..60 byte IPv4 header for protocol 47 with the given flags/fragment word; checksum left 0. */
    static byte[] ipv4(int headerLength, int payloadLength, int flagsAndOffset) {
        byte[] h = new byte[headerLength];
        h[0] = (byte) (0x40 | headerLength / 4);
        int total = headerLength + payloadLength;
        h[2] = (byte) (total >>> 8);
        h[3] = (byte) total;
        h[6] = (byte) (flagsAndOffset >>> 8);
        h[7] = (byte) flagsAndOffset;
        h[8] = 64;
        h[9] = 47;
        h[12] = 10;
        h[13] = 99;
        h[15] = 3;
        h[16] = 10;
        h[17] = 99;
        h[19] = 1;
        return h;
    }

    private static ByteBuf content(byte[] header, byte[] payload) {
        return Unpooled.buffer().writeBytes(header).writeBytes(payload);
    }

    private static DatagramPacket packet(byte[] header, byte[] payload, String source) {
        return new DatagramPacket(content(header, payload), new InetSocketAddress(0), new InetSocketAddress(source, 0));
    }

    /** Copies and releases what it receives. */
    static class Recorder implements UnderlayReceiver {
        final List<byte[]> payloads = new ArrayList<>();
        final List<InetAddress> sources = new ArrayList<>();
        final List<DropReason> drops = new ArrayList<>();
        final List<Integer> tos = new ArrayList<>();
        int readCompletes;

        @Override
        public void receivedWithTos(ByteBuf payload, InetAddress source, int outerTos) {
            tos.add(outerTos);
            received(payload, source);
        }

        @Override
        public void received(ByteBuf payload, InetAddress source) {
            try {
                payloads.add(ByteBufUtil.getBytes(payload));
                sources.add(source);
            } finally {
                payload.release();
            }
        }

        @Override
        public void readComplete() {
            readCompletes++;
        }

        @Override
        public void dropped(DropReason reason) {
            drops.add(reason);
        }
    }
}
