package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.learning.ForwardingTable;
import org.junit.jupiter.api.Test;

/**
 * How often the marks of the encapsulating program refresh trunk MACs: a refresh is what the table's local hold reads,
 * so it comes at least twice per hold, however long the ageing.
 */
class GatewayRefreshTest {

    @Test
    void trunkMacsAreRefreshedAtLeastTwicePerLocalHold() {
        long hold = ForwardingTable.DEFAULT_LOCAL_HOLD.toMillis();
        for (long period : new long[] {1_000, 2_000, 15_000, 60_000}) {
            long trunk = Gateway.trunkRefreshMillis(period);
            assertTrue(trunk <= period, "never less often than the remote MACs: " + trunk);
            assertTrue(2 * trunk <= hold, "twice per hold of " + hold + " ms: " + trunk);
        }
        assertEquals(1_000, Gateway.trunkRefreshMillis(1_000));
    }
}
