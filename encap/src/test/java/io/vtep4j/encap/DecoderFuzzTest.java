package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.testing.FuzzBuffers;
import java.util.Arrays;
import java.util.function.ToLongFunction;
import java.util.function.UnaryOperator;

/**
 * Coverage-guided fuzzing of every decoder (see FUZZING.md). Each input is {@code [options][lead][bytes...]}:
 * {@code options} picks the buffer shape and codec profile, {@code lead} junk bytes sit before the reader index.
 * Invariants: nothing throws but the {@code OrThrow} variants (and those only {@link MalformedPacketException} with
 * the same reason); a drop leaves the indices alone and names a {@link DropReason}; a success moves the reader index
 * past exactly one header and leaves at least an Ethernet header; the caller keeps ownership (one release frees the
 * buffer); what decodes re-encodes to the same VNI and frame.
 *
 * <p>Without {@code JAZZER_FUZZ=1} each method replays its committed corpus under {@code
 * src/test/resources/io/vtep4j/encap/DecoderFuzzTestInputs/<method>/}.
 */
class DecoderFuzzTest {

    @FuzzTest(maxDuration = "10m")
    void vxlan(byte[] input) {
        fuzz(input, (options, packet, buf) -> {
            VxlanCodec codec = VxlanCodec.builder()
                    .strictReserved((options & 0x08) != 0)
                    .acceptInnerVlan((options & 0x10) != 0)
                    .stripInnerVlan((options & 0x20) != 0)
                    .build();
            int ri = buf.readerIndex();
            int wi = buf.writerIndex();
            int result = codec.decapsulate(buf);
            assertEquals(wi, buf.writerIndex(), "writer index moved");
            if (result < 0) {
                assertDropped(result, "a VNI", buf, ri, () -> codec.decapsulateOrThrow(buf));
                assertEquals(ri, buf.readerIndex());
            } else {
                assertTrue(result <= Vni.MAX, "VNI " + result);
                assertEquals(ri + VxlanHeader.LENGTH, buf.readerIndex(), "not exactly one VXLAN header skipped");
                assertTrue(buf.readableBytes() >= Ethernet.HEADER_LENGTH, "inner frame shorter than Ethernet");
                int flags = packet[0] & 0xFF;
                assertTrue((flags & VxlanHeader.I_FLAG) != 0 && (flags & VxlanHeader.GPE_P_FLAG) == 0, "flags");
                assertEquals(((packet[4] & 0xFF) << 16) | ((packet[5] & 0xFF) << 8) | (packet[6] & 0xFF), result);
                boolean tagged = Ethernet.isVlanTpid(buf.getUnsignedShort(buf.readerIndex() + 12));
                assertTrue(codec.acceptInnerVlan() || !tagged, "tagged inner frame accepted");
                if (codec.strictReserved()) {
                    assertEquals(0x08, flags);
                    assertEquals(0, packet[1] | packet[2] | packet[3] | packet[7], "reserved bits under strict");
                }
                byte[] inner = FuzzBuffers.bytes(buf);
                buf.readerIndex(ri);
                assertEquals(result, codec.decapsulateOrThrow(buf));
                if (!tagged) {
                    assertRoundTrip(inner, result, b -> codec.encapsulate(b, result), codec::decapsulate);
                }
            }
        });
    }

    /** What decoded to {@code result} with the frame {@code inner} encodes again to the same result and frame. */
    private static void assertRoundTrip(
            byte[] inner, long result, UnaryOperator<ByteBuf> encapsulate, ToLongFunction<ByteBuf> decapsulate) {
        ByteBuf again = encapsulate.apply(Unpooled.wrappedBuffer(inner));
        try {
            assertEquals(result, decapsulate.applyAsLong(again));
            assertArrayEquals(inner, FuzzBuffers.bytes(again));
        } finally {
            again.release();
        }
    }

    /** NVGRE (IP protocol 47) and GRE-in-UDP share this decoder: the GRE header is the first byte in both. */
    @FuzzTest(maxDuration = "10m")
    void nvgre(byte[] input) {
        fuzz(input, (options, packet, buf) -> {
            NvgreCodec codec = NvgreCodec.builder()
                    .strictReserved((options & 0x08) != 0)
                    .dropReservedVsid((options & 0x10) == 0)
                    .build();
            int ri = buf.readerIndex();
            int wi = buf.writerIndex();
            long result = codec.decapsulate(buf);
            assertEquals(wi, buf.writerIndex(), "writer index moved");
            if (result < 0) {
                assertDropped(result, "a key", buf, ri, () -> codec.decapsulateOrThrow(buf));
            } else {
                int vsid = (int) (result >>> 8);
                int flowId = (int) result & 0xFF;
                assertTrue(vsid <= Vni.MAX, "VSID " + vsid);
                assertFalse(codec.dropReservedVsid() && NvgreCodec.isReservedVsid(vsid), "reserved VSID accepted");
                assertEquals(ri + GreHeader.NVGRE_LENGTH, buf.readerIndex(), "not exactly one NVGRE header skipped");
                assertTrue(buf.readableBytes() >= Ethernet.HEADER_LENGTH, "inner frame shorter than Ethernet");
                int flags = ((packet[0] & 0xFF) << 8) | (packet[1] & 0xFF);
                assertEquals(GreHeader.K_FLAG, flags & (GreHeader.C_FLAG | GreHeader.K_FLAG | GreHeader.S_FLAG));
                assertEquals(0, flags & GreHeader.VERSION_MASK, "GRE version");
                assertEquals(GreHeader.PROTOCOL_TEB, ((packet[2] & 0xFF) << 8) | (packet[3] & 0xFF));
                assertFalse(Ethernet.isVlanTpid(buf.getUnsignedShort(buf.readerIndex() + 12)), "tagged inner frame");
                assertRoundTrip(
                        FuzzBuffers.bytes(buf), result, b -> codec.encapsulate(b, vsid, flowId), codec::decapsulate);
            }
        });
    }

    /**
     * The outer checks a receive path or a capture reader runs before the tunnel header: IPv4 (with and without the
     * checksum), IPv6 with its extension-header walk, then UDP within what the IP header says is there. Results
     * stay inside the bytes given; nothing throws.
     */
    @FuzzTest(maxDuration = "10m")
    void outerHeaders(byte[] input) {
        fuzz(input, (options, packet, buf) -> {
            int offset = buf.readerIndex();
            int length = buf.readableBytes();
            int l4;
            int l4Length;
            if ((options & 0x08) == 0) {
                int header = Ipv4Header.validate(buf, offset, length, (options & 0x10) != 0);
                if (header < 0) {
                    assertNotNull(DropReason.fromCodeOrNull(header), "IPv4 result " + header);
                    return;
                }
                int total = Ipv4Header.totalLength(buf, offset);
                assertTrue(header >= Ipv4Header.MIN_LENGTH && header <= total && total <= length, "IPv4 bounds");
                assertFalse(Ipv4Header.isFragment(buf, offset), "a fragment passed");
                if ((options & 0x10) != 0) {
                    assertEquals(0, InternetChecksum.of(buf, offset, header), "bad checksum passed");
                }
                l4 = offset + header;
                l4Length = total - header;
            } else {
                int parsed = Ipv6Header.validate(buf, offset, length);
                if (parsed < 0) {
                    assertNotNull(DropReason.fromCodeOrNull(parsed), "IPv6 result " + parsed);
                    return;
                }
                int header = Ipv6Header.headerLengthOf(parsed);
                int end = Ipv6Header.LENGTH + Ipv6Header.payloadLength(buf, offset);
                assertTrue(header >= Ipv6Header.LENGTH && header <= end && end <= length, "IPv6 bounds");
                assertTrue(Ipv6Header.protocolOf(parsed) <= 0xFF, "IPv6 protocol");
                l4 = offset + header;
                l4Length = end - header;
            }
            int udp = UdpHeader.validate(buf, l4, l4Length);
            if (udp < 0) {
                assertEquals(DropReason.OUTER_UDP_MALFORMED.code(), udp);
            } else {
                assertTrue(udp >= UdpHeader.LENGTH && udp <= l4Length, "UDP length " + udp + " of " + l4Length);
            }
        });
    }

    /** One input: the packet and buffer its bytes pick, handed to {@code check}; one release must free the buffer. */
    private static void fuzz(byte[] input, Check check) {
        if (input.length < 2) {
            return;
        }
        byte[] packet = packetOf(input);
        ByteBuf buf = bufferOf(input, packet);
        try {
            check.run(input[0] & 0xFF, packet, buf);
        } finally {
            assertTrue(buf.release(), "a check changed the reference count");
            FuzzBuffers.countInput();
        }
    }

    /** The checks of one fuzz target on one input: its options byte, its packet bytes and their buffer. */
    private interface Check {
        void run(int options, byte[] packet, ByteBuf buf);
    }

    /** The bytes of an input after its {@code [options][lead]}. */
    private static byte[] packetOf(byte[] input) {
        return Arrays.copyOfRange(input, 2, input.length);
    }

    /** {@code packet} in the buffer shape (and behind the junk lead) that the input's first two bytes pick. */
    private static ByteBuf bufferOf(byte[] input, byte[] packet) {
        return FuzzBuffers.wrap(input[0] & 0xFF, input[1] & 0x0F, packet);
    }

    /**
     * A negative decoder result: it names a drop reason, the reader index did not move, and the throwing variant
     * reports the same reason.
     */
    private static void assertDropped(long result, String success, ByteBuf buf, int ri, Runnable orThrow) {
        DropReason reason = DropReason.fromCodeOrNull(result);
        assertNotNull(reason, "result " + result + " is neither " + success + " nor a drop reason");
        assertEquals(ri, buf.readerIndex(), "a drop moved the reader index");
        MalformedPacketException e = expectMalformed(orThrow);
        assertEquals(reason, e.reason());
    }

    private static MalformedPacketException expectMalformed(Runnable decode) {
        try {
            decode.run();
        } catch (MalformedPacketException e) {
            assertNotNull(e.getMessage());
            return e;
        }
        throw new AssertionError("decapsulateOrThrow accepted what decapsulate dropped");
    }
}
