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
}
