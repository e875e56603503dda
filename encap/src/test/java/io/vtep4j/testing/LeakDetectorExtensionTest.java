package io.vtep4j.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.junit.jupiter.api.Test;

class LeakDetectorExtensionTest {

    @Test
    void buildRunsTheDetectorAtParanoid() {
        assertEquals(
                ResourceLeakDetector.Level.PARANOID,
                ResourceLeakDetector.getLevel(),
                "surefire must pass -Dio.netty.leakDetection.level=paranoid");
    }

    @Test
    void aBufferDroppedWithoutReleaseIsReported() {
        leakOne();
        List<String> leaks = List.of();
        // A collection is not promised on the first request; ask a bounded number of times.
        for (int attempt = 0; attempt < 20 && leaks.isEmpty(); attempt++) {
            leaks = LeakDetectorExtension.drainLeaks();
        }
        assertFalse(leaks.isEmpty(), "the leaked buffer was not reported");
        assertTrue(leaks.get(0).startsWith("LEAK: ByteBuf"), leaks.get(0));
    }

    @Test
    void aReleasedBufferIsNotReported() {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(64);
        buf.writeLong(42);
        buf.release();
        assertTrue(LeakDetectorExtension.drainLeaks().isEmpty());
    }

    private static void leakOne() {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(64);
        buf.writeLong(7);
        // deliberately not released
    }
}
