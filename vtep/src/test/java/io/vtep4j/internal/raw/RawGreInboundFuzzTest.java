package io.vtep4j.internal.raw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.encap.NvgreCodec;
import io.vtep4j.internal.Destinations;
import io.vtep4j.testing.FuzzBuffers;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * Fuzzes the raw GRE transport's receive side (outer IPv4 header check, trim to the total length, hand-off) and the
 * NVGRE decoder behind it, on an {@link EmbeddedChannel}: no root, no socket. Input: {@code [options][lead][bytes]};
 * options bit 0 = IPv6 socket (the kernel has stripped the header), bit 1 = the wildcard socket that keeps only
 * group traffic. Invariants: nothing reaches the channel's exception path; the payload handed on lies inside the
 * datagram and inside the IPv4 total length; every datagram is released exactly once; whatever decodes has a whole
 * Ethernet header.
 */
class RawGreInboundFuzzTest {

    /** What the group socket accepts: a VTEP on 10.99.0.1 that joined 239.99.0.1. */
    private static final Destinations GROUPS = groups();

    private static Destinations groups() {
        try {
            Destinations d = new Destinations(List.of(InetAddress.getByName("10.99.0.1")));
            d.join(InetAddress.getByName("239.99.0.1"));
            return d;
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    @FuzzTest(maxDuration = "10m")
    void inbound(byte[] input) {
        if (input.length < 2) {
            return;
        }
        int options = input[0] & 0xFF;
        boolean ipv4 = (options & 1) == 0;
        byte[] packet = Arrays.copyOfRange(input, 2, input.length);
        Checker checker = new Checker(ipv4, packet.length);
        boolean groupsOnly = (options & 2) != 0;
        EmbeddedChannel ch = new EmbeddedChannel(
                new RawGreUnderlay.Inbound(checker, ipv4, groupsOnly, 65535, groupsOnly ? GROUPS : null));
        ByteBuf content = FuzzBuffers.wrap(options >>> 2, input[1] & 0x0F, packet);
        InetSocketAddress from = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        ch.writeInbound(new DatagramPacket(content, new InetSocketAddress(0), from));
        assertFalse(ch.finish(), "nothing may be passed down the pipeline");
        assertEquals(0, content.refCnt(), "the datagram was not released exactly once");
        assertFalse(checker.drops.contains(DropReason.SEND_FAILED), "an exception reached the channel");
        if (checker.received) {
            assertTrue(checker.drops.isEmpty(), "handed on and dropped");
        }
        FuzzBuffers.countInput();
    }

    /** Checks what the inbound handler hands on, then decodes it as the engine would, and releases it. */
    static final class Checker extends ReleasingReceiver {
        final boolean ipv4;
        final int datagramLength;
        boolean received;

        Checker(boolean ipv4, int datagramLength) {
            this.ipv4 = ipv4;
            this.datagramLength = datagramLength;
        }

        @Override
        void inspect(ByteBuf payload, InetAddress source) {
            received = true;
            int length = payload.readableBytes();
            if (ipv4) {
                assertTrue(length <= datagramLength - Ipv4Header.MIN_LENGTH, "payload longer than the datagram");
            } else {
                assertEquals(datagramLength, length, "an IPv6 payload is handed on whole");
            }
            int ri = payload.readerIndex();
            long key = NvgreCodec.DEFAULT.decapsulate(payload);
            if (key >= 0) {
                assertEquals(ri + 8, payload.readerIndex());
                assertTrue(payload.readableBytes() >= Ethernet.HEADER_LENGTH);
            } else {
                assertEquals(ri, payload.readerIndex());
            }
        }
    }
}
