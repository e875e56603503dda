package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Each instruction's 8 bytes: opcode, dst (low nibble) | src (high nibble), offset (LE16), immediate (LE32). */
class BpfProgramTest {

    private static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    @Test
    void loadWordIsLdxMemW() {
        assertArrayEquals(
                bytes(0x61, 0x12, 0x10, 0x00, 0, 0, 0, 0),
                new BpfProgram().loadWord(2, 1, 16).bytes());
        assertArrayEquals(
                bytes(0x61, 0x21, 0xFE, 0xFF, 0, 0, 0, 0),
                new BpfProgram().loadWord(1, 2, -2).bytes());
    }

    @Test
    void moveImmediateIsAlu64MovK() {
        assertArrayEquals(
                bytes(0xB7, 0x03, 0, 0, 0x02, 0, 0, 0),
                new BpfProgram().moveImmediate(3, 2).bytes());
        assertArrayEquals(
                bytes(0xB7, 0x00, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF),
                new BpfProgram().moveImmediate(0, -1).bytes());
    }

    @Test
    void loadMapIsAnImm64LoadOfTwoSlotsNamingTheMapFd() {
        BpfProgram p = new BpfProgram().loadMap(1, 0x01020304);
        assertEquals(2, p.slots());
        assertArrayEquals(bytes(0x18, 0x11, 0, 0, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 0, 0, 0, 0, 0), p.bytes());
    }

    @Test
    void callAndExit() {
        assertArrayEquals(
                bytes(0x85, 0, 0, 0, 51, 0, 0, 0), new BpfProgram().call(51).bytes());
        assertArrayEquals(
                bytes(0x95, 0, 0, 0, 0, 0, 0, 0), new BpfProgram().exit().bytes());
    }

    @Test
    void theTrunkProgramRedirectsByQueueIndexWithPassAsFallback() {
        BpfProgram p = BpfProgram.redirectAllToSockets(7);
        assertEquals(6, p.slots());
        assertArrayEquals(
                bytes(
                        0x61, 0x12, 16, 0, 0, 0, 0, 0, // r2 = ctx->rx_queue_index
                        0x18, 0x11, 0, 0, 7, 0, 0, 0, // r1 = map fd 7 ...
                        0, 0, 0, 0, 0, 0, 0, 0, // ... high half
                        0xB7, 0x03, 0, 0, 2, 0, 0, 0, // r3 = XDP_PASS
                        0x85, 0, 0, 0, 51, 0, 0, 0, // call bpf_redirect_map
                        0x95, 0, 0, 0, 0, 0, 0, 0), // exit
                p.bytes());
    }

    @Test
    void growsPastItsFirstBuffer() {
        BpfProgram p = new BpfProgram();
        for (int i = 0; i < 100; i++) {
            p.moveImmediate(0, i);
        }
        assertEquals(100, p.slots());
        assertEquals(99, p.bytes()[99 * 8 + 4]);
    }

    @Test
    void badRegistersAndOffsetsAreRefusedByName() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new BpfProgram().moveImmediate(11, 0));
        assertTrue(e.getMessage().startsWith("dst: r11"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BpfProgram().loadWord(0, -1, 0));
        assertTrue(e.getMessage().startsWith("src: r-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BpfProgram().loadWord(0, 1, 40000));
        assertTrue(e.getMessage().startsWith("offset: 40000"), e.getMessage());
    }

    @Test
    void theUdpUnderlayProgramRedirectsOnlyUnfragmentedUdpToOneAddressAndPort() {
        BpfProgram p = BpfProgram.redirectUdpToSockets(7, 0x0A630101, 4789); // 10.99.1.1, port 4789 = 0x12B5
        assertEquals(26, p.slots());
        assertArrayEquals(
                bytes(
                        0x61, 0x12, 0, 0, 0, 0, 0, 0, // 0: r2 = ctx->data
                        0x61, 0x13, 4, 0, 0, 0, 0, 0, // 1: r3 = ctx->data_end
                        0xBF, 0x24, 0, 0, 0, 0, 0, 0, // 2: r4 = r2
                        0x07, 0x04, 0, 0, 42, 0, 0, 0, // 3: r4 += 42
                        0x2D, 0x34, 19, 0, 0, 0, 0, 0, // 4: if r4 > r3 goto pass (24)
                        0x69, 0x24, 12, 0, 0, 0, 0, 0, // 5: r4 = EtherType
                        0x55, 0x04, 17, 0, 0x08, 0, 0, 0, // 6: if r4 != 0x0800 (LE) goto pass
                        0x71, 0x24, 14, 0, 0, 0, 0, 0, // 7: r4 = version | IHL
                        0x55, 0x04, 15, 0, 0x45, 0, 0, 0, // 8: if r4 != 0x45 goto pass
                        0x69, 0x24, 20, 0, 0, 0, 0, 0, // 9: r4 = flags | fragment offset
                        0x57, 0x04, 0, 0, 0x3F, 0xFF, 0, 0, // 10: r4 &= 0xff3f (MF, offset)
                        0x55, 0x04, 12, 0, 0, 0, 0, 0, // 11: if r4 != 0 goto pass
                        0x71, 0x24, 23, 0, 0, 0, 0, 0, // 12: r4 = protocol
                        0x55, 0x04, 10, 0, 17, 0, 0, 0, // 13: if r4 != UDP goto pass
                        0x61, 0x24, 30, 0, 0, 0, 0, 0, // 14: r4 = destination address
                        0x56, 0x04, 8, 0, 0x0A, 0x63, 0x01, 0x01, // 15: if (u32) r4 != 10.99.1.1 goto pass
                        0x69, 0x24, 36, 0, 0, 0, 0, 0, // 16: r4 = UDP destination port
                        0x55, 0x04, 6, 0, 0x12, 0xB5, 0, 0, // 17: if r4 != 4789 (LE) goto pass
                        0x61, 0x12, 16, 0, 0, 0, 0, 0, // 18: r2 = ctx->rx_queue_index
                        0x18, 0x11, 0, 0, 7, 0, 0, 0, // 19: r1 = map fd 7 ...
                        0, 0, 0, 0, 0, 0, 0, 0, // 20: ... high half
                        0xB7, 0x03, 0, 0, 2, 0, 0, 0, // 21: r3 = XDP_PASS
                        0x85, 0, 0, 0, 51, 0, 0, 0, // 22: call bpf_redirect_map
                        0x95, 0, 0, 0, 0, 0, 0, 0, // 23: exit
                        0xB7, 0x00, 0, 0, 2, 0, 0, 0, // 24 pass: r0 = XDP_PASS
                        0x95, 0, 0, 0, 0, 0, 0, 0), // 25: exit
                p.bytes());
    }

    @Test
    void anAddressWithTheHighBitOfItsLastByteComparesAs32Bits() {
        byte[] b = BpfProgram.redirectUdpToSockets(3, 0xC0A800FE, 8472).bytes(); // 192.168.0.254
        assertArrayEquals(bytes(0x56, 0x04, 8, 0, 0xC0, 0xA8, 0x00, 0xFE), java.util.Arrays.copyOfRange(b, 120, 128));
        assertArrayEquals(bytes(0x55, 0x04, 6, 0, 0x21, 0x18, 0, 0), java.util.Arrays.copyOfRange(b, 136, 144));
    }

    @Test
    void aJumpToALabelNeverPlacedIsRefused() {
        BpfProgram p = new BpfProgram().jumpIfNotEqual(1, 0, "nowhere");
        IllegalStateException e = assertThrows(IllegalStateException.class, p::bytes);
        assertTrue(e.getMessage().startsWith("label: nowhere"), e.getMessage());
        IllegalArgumentException port =
                assertThrows(IllegalArgumentException.class, () -> BpfProgram.redirectUdpToSockets(3, 0, 0));
        assertEquals("port: 0 (expected: 1..65535)", port.getMessage());
    }

    @Test
    void storesSwapsShiftsAndRegisterJumpsHaveTheirOpcodes() {
        assertArrayEquals(
                bytes(0x63, 0x4A, 0xFC, 0xFF, 0, 0, 0, 0),
                new BpfProgram().storeWord(10, -4, 4).bytes());
        assertArrayEquals(
                bytes(0x6B, 0x82, 0x0E, 0x00, 0, 0, 0, 0),
                new BpfProgram().storeHalf(2, 14, 8).bytes());
        assertArrayEquals(
                bytes(0x6A, 0x02, 0x0C, 0x00, 0x81, 0, 0, 0),
                new BpfProgram().storeHalfImmediate(2, 12, 0x81).bytes());
        assertArrayEquals(
                bytes(0x62, 0x0A, 0xFC, 0xFF, 0, 0, 0, 0),
                new BpfProgram().storeWordImmediate(10, -4, 0).bytes());
        assertArrayEquals(
                bytes(0x79, 0x01, 0x08, 0x00, 0, 0, 0, 0),
                new BpfProgram().loadDouble(1, 0, 8).bytes());
        assertArrayEquals(
                bytes(0x7B, 0x10, 0x08, 0x00, 0, 0, 0, 0),
                new BpfProgram().storeDouble(0, 8, 1).bytes());
        assertArrayEquals(
                bytes(0xDC, 0x04, 0, 0, 16, 0, 0, 0),
                new BpfProgram().byteSwap16(4).bytes());
        assertArrayEquals(
                bytes(0x77, 0x01, 0, 0, 16, 0, 0, 0),
                new BpfProgram().shiftRight(1, 16).bytes());
        assertArrayEquals(
                bytes(0x0F, 0x10, 0, 0, 0, 0, 0, 0),
                new BpfProgram().addRegister(0, 1).bytes());
        assertArrayEquals(
                bytes(0x1F, 0x29, 0, 0, 0, 0, 0, 0),
                new BpfProgram().subtractRegister(9, 2).bytes());
        assertArrayEquals(
                bytes(0x5D, 0x71, 0x01, 0x00, 0, 0, 0, 0, 0x15, 0x00, 0x00, 0x00, 5, 0, 0, 0),
                new BpfProgram()
                        .jumpIfNotEqualRegister(1, 7, "x")
                        .jumpIfEqual(0, 5, "x")
                        .label("x")
                        .bytes());
    }

    @Test
    void theDecapsulatingProgramIsCompleteAndRefusesBadArguments() {
        byte[] code = BpfProgram.decapsulateToTrunk(3, 4, 5, 6, 0x0A630001, 4789, 0x020000000001L, 1500)
                .bytes();
        assertEquals(0, code.length % BpfProgram.SLOT);
        assertTrue(code.length / BpfProgram.SLOT < 200, "a short program: " + code.length / BpfProgram.SLOT);
        assertEndsWithPassAndDrop(code);
        IllegalArgumentException port = assertThrows(
                IllegalArgumentException.class, () -> BpfProgram.decapsulateToTrunk(3, 4, 5, 6, 1, 0, 1L, 1500));
        assertEquals("port: 0 (expected: 1..65535)", port.getMessage());
        IllegalArgumentException mtu = assertThrows(
                IllegalArgumentException.class, () -> BpfProgram.decapsulateToTrunk(3, 4, 5, 6, 1, 4789, 1L, 67));
        assertEquals("trunkMtu: 67 (expected: 68..65535)", mtu.getMessage());
    }

    @Test
    void theRelayingProgramIsCompleteAndRefusesBadSides() {
        BpfProgram.StitchSide a =
                new BpfProgram.StitchSide(0x0A630001, 4789, 100, 0x020000000001L, 2, 1500, 3, 4, 5, 0);
        BpfProgram.StitchSide b =
                new BpfProgram.StitchSide(0x0A620001, 4789, 200, 0x020000000101L, 7, 1500, 8, 9, 10, 1);
        byte[] code = BpfProgram.relayStitched(a, b, 11, 12).bytes();
        assertEquals(0, code.length % BpfProgram.SLOT);
        assertTrue(code.length / BpfProgram.SLOT < 400, "a short program: " + code.length / BpfProgram.SLOT);
        assertEndsWithPassAndDrop(code);
        IllegalArgumentException same =
                assertThrows(IllegalArgumentException.class, () -> BpfProgram.relayStitched(a, a, 11, 12));
        assertEquals("sides: both at 10.99.0.1:4789 (expected: two VTEPs)", same.getMessage());
        IllegalArgumentException slots = assertThrows(
                IllegalArgumentException.class,
                () -> BpfProgram.relayStitched(
                        a,
                        new BpfProgram.StitchSide(0x0A620001, 4789, 200, 0x020000000101L, 7, 1500, 8, 9, 10, 0),
                        11,
                        12));
        assertEquals("statsSlot: both 0 (expected: one slot per side)", slots.getMessage());
        IllegalArgumentException slot = assertThrows(
                IllegalArgumentException.class, () -> new BpfProgram.StitchSide(1, 4789, 1, 1L, 2, 1500, 3, 4, 5, 2));
        assertEquals("statsSlot: 2 (expected: 0 or 1)", slot.getMessage());
        IllegalArgumentException mac = assertThrows(
                IllegalArgumentException.class,
                () -> new BpfProgram.StitchSide(1, 4789, 1, 1L << 48, 2, 1500, 3, 4, 5, 0));
        assertEquals("mac: 0x1000000000000 (expected: 48 bits)", mac.getMessage());
        IllegalArgumentException vni = assertThrows(
                IllegalArgumentException.class,
                () -> new BpfProgram.StitchSide(1, 4789, 1 << 24, 1L, 2, 1500, 3, 4, 5, 0));
        assertEquals("vni: 16777216 (expected: 0..16777215)", vni.getMessage());
        IllegalArgumentException ifindex = assertThrows(
                IllegalArgumentException.class, () -> new BpfProgram.StitchSide(1, 4789, 1, 1L, 0, 1500, 3, 4, 5, 0));
        assertEquals("ifindex: 0 (expected: > 0)", ifindex.getMessage());
        IllegalArgumentException port = assertThrows(
                IllegalArgumentException.class, () -> new BpfProgram.StitchSide(1, 65536, 1, 1L, 2, 1500, 3, 4, 5, 0));
        assertEquals("port: 65536 (expected: 1..65535)", port.getMessage());
    }

    @Test
    void aStitchRelayRefusesMisuseBeforeItHasAProgram() {
        try (StitchRelay relay = new StitchRelay("stitch-to-b", "stitch-to-a")) {
            IllegalArgumentException refresh = assertThrows(
                    IllegalArgumentException.class,
                    () -> relay.start(null, null, null, java.time.Duration.ofMillis(500)));
            assertEquals("refresh: PT0.5S (expected: 1 s to 1 h)", refresh.getMessage());
            NullPointerException offload = assertThrows(
                    NullPointerException.class, () -> relay.start(null, null, null, java.time.Duration.ofSeconds(1)));
            assertEquals("offload", offload.getMessage());
            assertTrue(relay.listener(true) != relay.listener(false), "one listener per VTEP");
            assertEquals(null, relay.offload());
            relay.close();
            IllegalStateException closed = assertThrows(
                    IllegalStateException.class, () -> relay.start(null, null, null, java.time.Duration.ofSeconds(1)));
            assertEquals("start: closed (expected: before close)", closed.getMessage());
        }
        NullPointerException port = assertThrows(NullPointerException.class, () -> new StitchRelay("stitch", null));
        assertEquals("portOnB", port.getMessage());
    }

    /** A program ends with the two verdicts its labels lead to: pass (2) and drop (1). */
    private static void assertEndsWithPassAndDrop(byte[] code) {
        int end = code.length;
        assertArrayEquals(
                bytes(
                        0xB7, 0x00, 0, 0, 2, 0, 0, 0, 0x95, 0, 0, 0, 0, 0, 0, 0, 0xB7, 0x00, 0, 0, 1, 0, 0, 0, 0x95, 0,
                        0, 0, 0, 0, 0, 0),
                java.util.Arrays.copyOfRange(code, end - 32, end));
    }
}
