package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The map keys the program reads, and the kernel's CPU lists that size the per-CPU counters. */
class DecapOffloadTest {

    @Test
    void keysAreTheVniFieldAndTheSourceMacInWireOrder() {
        assertArrayEquals(new byte[] {0x00, 0x27, 0x74, 0x00}, DecapOffload.vniKey(10100));
        assertArrayEquals(
                new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0, 0},
                DecapOffload.sourceKey(0xFFFFFF, 0x02_11_22_33_44_55L));
    }

    @Test
    void cpuListsAreCountedAsTheKernelWritesThem() {
        assertEquals(2, DecapOffload.countCpus("0-1\n"));
        assertEquals(1, DecapOffload.countCpus("0"));
        assertEquals(5, DecapOffload.countCpus("0,2-5"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> DecapOffload.countCpus("x"));
        assertEquals("CPU list: x (expected: such as 0-1 or 0,2-5)", bad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DecapOffload.countCpus(""));
    }
}
