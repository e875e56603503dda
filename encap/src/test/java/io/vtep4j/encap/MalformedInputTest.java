package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vtep4j.testing.Frames;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every malformed header the codecs must refuse: nothing is delivered, the right reason is counted, the buffer is
 * left untouched for the caller to release, and nothing leaks (the leak detector runs at PARANOID).
 */
class MalformedInputTest {

    private static final VxlanCodec VXLAN = VxlanCodec.DEFAULT;
    private static final VxlanCodec VXLAN_STRICT =
            VxlanCodec.builder().strictReserved(true).build();
    private static final VxlanCodec VXLAN_VLAN_OK =
            VxlanCodec.builder().acceptInnerVlan(true).build();
    private static final NvgreCodec NVGRE = NvgreCodec.DEFAULT;
    private static final NvgreCodec NVGRE_STRICT =
            NvgreCodec.builder().strictReserved(true).build();

    /** Inner frame: dst, src, EtherType ARP, then 28 bytes: 42 bytes in all. */
    private static final String FRAME = "020000000001" + "020000000002" + "0806" + "00".repeat(28);

    private static final String TAGGED = "020000000001" + "020000000002" + "8100" + "0064" + "0806" + "00".repeat(28);
    private static final String QINQ = "020000000001" + "020000000002" + "88a8" + "0064" + "0806" + "00".repeat(28);

    static Stream<Arguments> vxlan() {
        return Stream.of(
                Arguments.of(
                        "VXLAN empty payload",
                        VXLAN,
                        "",
                        DropReason.VXLAN_TRUNCATED,
                        "incomplete VXLAN header: 0 bytes (expected: 8)"),
                Arguments.of(
                        "VXLAN 5 of 8 header bytes",
                        VXLAN,
                        "0800000000",
                        DropReason.VXLAN_TRUNCATED,
                        "incomplete VXLAN header: 5 bytes (expected: 8)"),
                Arguments.of(
                        "VXLAN 7 of 8 header bytes",
                        VXLAN,
                        "08000000000001",
                        DropReason.VXLAN_TRUNCATED,
                        "incomplete VXLAN header: 7 bytes (expected: 8)"),
                Arguments.of(
                        "VXLAN flags 0x00",
                        VXLAN,
                        "0000000000006400" + FRAME,
                        DropReason.VXLAN_I_FLAG_NOT_SET,
                        "VXLAN I flag not set: flags 0x00 (expected: 0x08 set)"),
                Arguments.of(
                        "VXLAN only a reserved flag",
                        VXLAN,
                        "8000000000006400" + FRAME,
                        DropReason.VXLAN_I_FLAG_NOT_SET,
                        "flags 0x80"),
                Arguments.of(
                        "VXLAN GPE: I and P (scapy's default 0x0C)",
                        VXLAN,
                        "0c00000300006400" + FRAME,
                        DropReason.VXLAN_GPE_UNSUPPORTED,
                        "VXLAN-GPE header: flags 0x0c"),
                Arguments.of(
                        "VXLAN GPE: P without I",
                        VXLAN,
                        "0400000300006400" + FRAME,
                        DropReason.VXLAN_GPE_UNSUPPORTED,
                        "P bit"),
                Arguments.of(
                        "VXLAN strict: reserved flag",
                        VXLAN_STRICT,
                        "8800000000006400" + FRAME,
                        DropReason.VXLAN_RESERVED_BITS_SET,
                        "VXLAN reserved bits set: 0x8800000000006400"),
                Arguments.of(
                        "VXLAN strict: reserved 24 bits",
                        VXLAN_STRICT,
                        "0800010000006400" + FRAME,
                        DropReason.VXLAN_RESERVED_BITS_SET,
                        "0x0800010000006400"),
                Arguments.of(
                        "VXLAN strict: last reserved byte",
                        VXLAN_STRICT,
                        "08000000000064ff" + FRAME,
                        DropReason.VXLAN_RESERVED_BITS_SET,
                        "0x08000000000064ff"),
                Arguments.of(
                        "VXLAN header, no frame",
                        VXLAN,
                        "0800000000006400",
                        DropReason.INNER_FRAME_TOO_SHORT,
                        "inner frame too short: 0 bytes"),
                Arguments.of(
                        "VXLAN 13-byte inner frame",
                        VXLAN,
                        "0800000000006400" + FRAME.substring(0, 26),
                        DropReason.INNER_FRAME_TOO_SHORT,
                        "inner frame too short: 13 bytes"),
                Arguments.of(
                        "VXLAN 802.1Q inner tag (§6.1)",
                        VXLAN,
                        "0800000000006400" + TAGGED,
                        DropReason.INNER_VLAN_TAGGED,
                        "TPID 0x8100"),
                Arguments.of(
                        "VXLAN 802.1ad inner tag",
                        VXLAN,
                        "0800000000006400" + QINQ,
                        DropReason.INNER_VLAN_TAGGED,
                        "TPID 0x88a8"),
                Arguments.of(
                        "VXLAN accepted tag, but truncated",
                        VXLAN_VLAN_OK,
                        "0800000000006400" + TAGGED.substring(0, 32),
                        DropReason.INNER_FRAME_TOO_SHORT,
                        "16 bytes"));
    }

    static Stream<Arguments> nvgre() {
        return Stream.of(
                Arguments.of(
                        "NVGRE 3 bytes",
                        NVGRE,
                        "200065",
                        DropReason.GRE_TRUNCATED,
                        "incomplete NVGRE header: 3 bytes (expected: 8)"),
                Arguments.of(
                        "NVGRE no key bytes",
                        NVGRE,
                        "20006558123456",
                        DropReason.GRE_TRUNCATED,
                        "incomplete NVGRE header: 7 bytes (expected: 8)"),
                Arguments.of(
                        "NVGRE C set",
                        NVGRE,
                        "a000655800000000" + "12345601" + FRAME,
                        DropReason.GRE_CHECKSUM_OR_SEQUENCE_PRESENT,
                        "GRE C or S bit set: flags 0xa000"),
                Arguments.of(
                        "NVGRE S set",
                        NVGRE,
                        "3000655812345601" + "00000001" + FRAME,
                        DropReason.GRE_CHECKSUM_OR_SEQUENCE_PRESENT,
                        "flags 0x3000"),
                Arguments.of(
                        "NVGRE version 1 (PPTP)",
                        NVGRE,
                        "2001655812345601" + FRAME,
                        DropReason.GRE_VERSION_NOT_ZERO,
                        "GRE version: 1 (expected: 0)"),
                Arguments.of(
                        "NVGRE R (routing) set",
                        NVGRE,
                        "6000655812345601" + FRAME,
                        DropReason.GRE_RESERVED_BITS_SET,
                        "flags 0x6000"),
                Arguments.of(
                        "NVGRE strict source route set",
                        NVGRE,
                        "2800655812345601" + FRAME,
                        DropReason.GRE_RESERVED_BITS_SET,
                        "flags 0x2800"),
                Arguments.of(
                        "NVGRE strict: Reserved0 bit 12",
                        NVGRE_STRICT,
                        "2008655812345601" + FRAME,
                        DropReason.GRE_RESERVED_BITS_SET,
                        "flags 0x2008"),
                Arguments.of(
                        "NVGRE K missing",
                        NVGRE,
                        "0000655812345601" + FRAME,
                        DropReason.GRE_KEY_MISSING,
                        "GRE K bit not set: flags 0x0000"),
                Arguments.of(
                        "NVGRE protocol IPv4",
                        NVGRE,
                        "2000080012345601" + FRAME,
                        DropReason.GRE_PROTOCOL_NOT_TEB,
                        "GRE protocol type: 0x0800 (expected: 0x6558)"),
                Arguments.of(
                        "NVGRE protocol 0x8909 (various_gre)",
                        NVGRE,
                        "2000890900000028" + FRAME,
                        DropReason.GRE_PROTOCOL_NOT_TEB,
                        "0x8909"),
                Arguments.of(
                        "NVGRE protocol 0 keepalive",
                        NVGRE,
                        "2000000000000028",
                        DropReason.GRE_PROTOCOL_NOT_TEB,
                        "0x0000"),
                Arguments.of(
                        "NVGRE VSID 0 reserved",
                        NVGRE,
                        "2000655800000001" + FRAME,
                        DropReason.NVGRE_RESERVED_VSID,
                        "reserved VSID: 0x000000"),
                Arguments.of(
                        "NVGRE VSID 0xFFF reserved",
                        NVGRE,
                        "20006558000fff01" + FRAME,
                        DropReason.NVGRE_RESERVED_VSID,
                        "0x000fff"),
                Arguments.of(
                        "NVGRE VSID 0xFFFFFF vendor",
                        NVGRE,
                        "20006558ffffff01" + FRAME,
                        DropReason.NVGRE_RESERVED_VSID,
                        "0xffffff"),
                Arguments.of(
                        "NVGRE inner 802.1Q tag (MUST drop)",
                        NVGRE,
                        "2000655812345601" + TAGGED,
                        DropReason.INNER_VLAN_TAGGED,
                        "TPID 0x8100"),
                Arguments.of(
                        "NVGRE 10-byte inner frame",
                        NVGRE,
                        "2000655812345601" + FRAME.substring(0, 20),
                        DropReason.INNER_FRAME_TOO_SHORT,
                        "10 bytes"));
    }

    static Stream<Arguments> malformed() {
        return Stream.concat(vxlan(), nvgre());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void dropsWithReasonAndDeliversNothing(String name, Object codec, String hex, DropReason reason, String message) {
        Decoder decoder = Decoder.of(codec);
        byte[] bytes = ByteBufUtil.decodeHexDump(hex);
        ByteBuf payload = Frames.of(bytes);
        assertEquals(reason.code(), decoder.lenient.applyAsLong(payload));
        assertEquals(0, payload.readerIndex(), "untouched on failure");
        assertArrayEquals(bytes, Frames.bytes(payload));
        payload.release();

        Receiver receiver = new Receiver();
        ByteBuf again = Frames.of(bytes);
        receiver.receive(decoder, again);
        assertEquals(Map.of(reason, 1), receiver.drops);
        assertTrue(receiver.delivered.isEmpty());
        assertEquals(0, again.refCnt(), "the receive loop released the dropped packet");

        ByteBuf strict = Frames.of(bytes);
        try {
            MalformedPacketException e =
                    assertThrows(MalformedPacketException.class, () -> decoder.strict.applyAsLong(strict));
            assertEquals(reason, e.reason());
            assertTrue(e.getMessage().contains(message), e.getMessage());
        } finally {
            strict.release();
        }
    }

    static Stream<Arguments> vxlanAccepted() {
        return Stream.of(
                // RFC 7348 §5: reserved bits MUST be ignored on receipt (default profile).
                Arguments.of("reserved flag ignored", VXLAN, "8800000000006400" + FRAME, 0x64),
                Arguments.of("reserved 24 bits ignored", VXLAN, "08ffffff00006400" + FRAME, 0x64),
                Arguments.of("last reserved byte ignored", VXLAN, "08000000000064ff" + FRAME, 0x64),
                Arguments.of("tag accepted when configured", VXLAN_VLAN_OK, "0800000000006400" + TAGGED, 0x64));
    }

    @ParameterizedTest(name = "VXLAN accepts {0}")
    @MethodSource("vxlanAccepted")
    void vxlanDeliversWhatTheRfcSaysToIgnore(String name, VxlanCodec codec, String hex, int vni) {
        Receiver receiver = new Receiver();
        receiver.receive(Decoder.of(codec), Frames.of(ByteBufUtil.decodeHexDump(hex)));
        assertTrue(receiver.drops.isEmpty(), receiver.drops::toString);
        assertEquals(List.of((long) vni), receiver.results);
        receiver.delivered.forEach(ByteBuf::release);
    }

    @Test
    void nvgreAcceptsReserved0BitsByDefaultAndReservedVsidsWhenAllowed() {
        Receiver receiver = new Receiver();
        receiver.receive(Decoder.of(NVGRE), Frames.of(ByteBufUtil.decodeHexDump("2008655812345601" + FRAME)));
        receiver.receive(
                Decoder.of(NvgreCodec.builder().dropReservedVsid(false).build()),
                Frames.of(ByteBufUtil.decodeHexDump("2000655800000001" + FRAME)));
        assertTrue(receiver.drops.isEmpty(), receiver.drops::toString);
        assertEquals(List.of(0x12345601L, 0x00000001L), receiver.results);
        receiver.delivered.forEach(ByteBuf::release);
    }

    /** One codec seen as a decoder: the data-plane variant returning a code, and the throwing variant. */
    private static final class Decoder {
        final ToLongFunction<ByteBuf> lenient;
        final ToLongFunction<ByteBuf> strict;

        private Decoder(ToLongFunction<ByteBuf> lenient, ToLongFunction<ByteBuf> strict) {
            this.lenient = lenient;
            this.strict = strict;
        }

        static Decoder of(Object codec) {
            if (codec instanceof VxlanCodec) {
                VxlanCodec vxlan = (VxlanCodec) codec;
                return new Decoder(vxlan::decapsulate, vxlan::decapsulateOrThrow);
            }
            NvgreCodec nvgre = (NvgreCodec) codec;
            return new Decoder(nvgre::decapsulate, nvgre::decapsulateOrThrow);
        }
    }

    /** A data-plane receive loop in miniature: decapsulate, count and release on failure, deliver on success. */
    private static final class Receiver {
        final Map<DropReason, Integer> drops = new EnumMap<>(DropReason.class);
        final List<ByteBuf> delivered = new ArrayList<>();
        final List<Long> results = new ArrayList<>();

        void receive(Decoder decoder, ByteBuf payload) {
            long result = decoder.lenient.applyAsLong(payload);
            if (result < 0) {
                drops.merge(DropReason.fromCodeOrNull(result), 1, Integer::sum);
                payload.release();
            } else {
                results.add(result);
                delivered.add(payload);
            }
        }
    }
}
