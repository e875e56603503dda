package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.DropReason;
import io.vtep4j.testing.FuzzBuffers;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes the check the AF_XDP underlay makes of every frame a peer, or anyone on the link, puts in front of it
 * ({@link UdpFrame#check}), and what the receive path then reads of an accepted frame. Input: {@code [lead][frame]};
 * the frame is placed {@code lead & 0x3F} bytes into a buffer that ends where the frame ends, so any read past the
 * length it is given throws. Invariants: a verdict for every frame, never an exception; an accepted frame is IPv4 UDP
 * to our MAC, address and port from a plausible source, with a valid header checksum, and its payload lies inside the
 * frame and inside the IPv4 total length.
 */
class UdpFrameFuzzTest {
    static final long MAC = 0x02_00_00_00_00_01L;
    /** 10.99.0.1. */
    static final int LOCAL = 0x0A_63_00_01;

    static final int PORT = 4789;

    @FuzzTest(maxDuration = "10m")
    void check(byte[] input) {
        if (input.length >= 1) {
            verdict(input);
        }
        FuzzBuffers.countInput();
    }

    /** The committed corpus reaches every verdict, acceptance included: what each seed is checked to get. */
    @Test
    void theSeedsGetTheirVerdicts() throws IOException {
        Map<String, DropReason> expected = new LinkedHashMap<>();
        for (String valid : new String[] {"valid", "valid-at-offset", "valid-udp-checksum", "valid-ethernet-padding"}) {
            expected.put(valid, null);
        }
        expected.put("ipv4-checksum-bad", DropReason.OUTER_IPV4_CHECKSUM_BAD);
        expected.put("ipv4-fragment", DropReason.OUTER_IPV4_FRAGMENT);
        expected.put("ipv4-longer-than-frame", DropReason.OUTER_IPV4_MALFORMED);
        expected.put("udp-longer-than-ipv4", DropReason.OUTER_UDP_MALFORMED);
        expected.put("source-loopback", DropReason.OUTER_SOURCE_INVALID);
        expected.put("wrong-port", DropReason.WRONG_DESTINATION);
        expected.put("wrong-mac", DropReason.WRONG_DESTINATION);
        expected.put("truncated", DropReason.OUTER_ETHERNET_MALFORMED);
        for (Map.Entry<String, DropReason> e : expected.entrySet()) {
            try (InputStream in = getClass().getResourceAsStream("UdpFrameFuzzTestInputs/check/" + e.getKey())) {
                assertEquals(e.getValue(), verdict(in.readAllBytes()), e.getKey());
            }
        }
    }

    /** Checks the frame of {@code input} as the target places it, asserts the invariants, and returns the verdict. */
    private static DropReason verdict(byte[] input) {
        int lead = input[0] & 0x3F;
        int length = input.length - 1;
        ByteBuf buf = Unpooled.buffer(lead + length, lead + length);
        buf.writeZero(lead).writeBytes(input, 1, length);
        try {
            DropReason why = UdpFrame.check(buf, lead, length, MAC, LOCAL, PORT);
            if (why == null) {
                int payload = UdpFrame.payloadLength(buf, lead);
                int total = buf.getUnsignedShort(lead + UdpFrame.TOTAL_LENGTH_OFFSET);
                assertTrue(payload >= 0, "payload length " + payload);
                assertTrue(UdpFrame.PAYLOAD_OFFSET + payload <= length, "payload past the frame");
                assertTrue(UdpFrame.IP_LENGTH + UdpFrame.UDP_HEADER_LENGTH + payload <= total, "past the IPv4 length");
                assertEquals(MAC, UdpFrame.mac(buf, lead));
                assertEquals(LOCAL, buf.getInt(lead + UdpFrame.DESTINATION_OFFSET));
                assertEquals(PORT, buf.getUnsignedShort(lead + UdpFrame.DESTINATION_PORT_OFFSET));
                assertTrue(UdpFrame.plausibleSource(UdpFrame.source(buf, lead)), "a martian source accepted");
                assertEquals(0xFFFF, UdpFrame.fold(UdpFrame.sum(buf, lead + UdpFrame.IP_OFFSET, UdpFrame.IP_LENGTH)));
            }
            return why;
        } finally {
            buf.release();
        }
    }
}
