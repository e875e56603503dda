package io.vtep4j.learning;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * MACs in regular steps spread over the slots: placed with linear probing as the table places them, no MAC ends up
 * far from its home slot. Steps that defeat a plain multiplicative hash are among them (a multiplier close to the
 * golden ratio put a million MACs stepping by about 2^40 / golden ratio 92 slots from home on average).
 */
class MacTableSpreadTest {
    private static final int CAPACITY = 1 << 21;
    private static final int MACS = 1_000_000; // 48 % full: a million MACs, as the table holds them

    @Test
    void macsInRegularStepsStayNearTheirHomeSlot() {
        long[] steps = {1, 0x9E37_79B9_7F4BL, (1L << 24) + 1, 0x01_0000_0001L, 0x61C8_8647L}; // odd: no MAC twice
        for (long step : steps) {
            long[] displacement = displacement(step); // mean (in hundredths), worst
            // random placement at this load: a mean of about half a slot; the golden-ratio multiply alone gave 92
            assertTrue(
                    displacement[0] < 200 && displacement[1] < 200,
                    "step 0x" + Long.toHexString(step) + ": mean " + displacement[0] / 100.0
                            + " slots from home, worst " + displacement[1]);
        }
    }

    private static long[] displacement(long step) {
        boolean[] taken = new boolean[CAPACITY];
        long total = 0;
        int worst = 0;
        for (long i = 0; i < MACS; i++) {
            long mac = 0x02_00_0000_0000L | ((i * step) & 0xFF_FFFF_FFFFL);
            int home = MacTable.home(mac, CAPACITY);
            int d = 0;
            while (taken[(home + d) & (CAPACITY - 1)]) {
                d++;
            }
            taken[(home + d) & (CAPACITY - 1)] = true;
            worst = Math.max(worst, d);
            total += d;
        }
        return new long[] {total * 100 / MACS, worst};
    }
}
