package io.vtep4j.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Turns Netty's leak reports into test failures.
 *
 * <p>Netty's detector only logs, and only when the logger's error level is on (a NOP SLF4J binding silences it).
 * This extension installs a detector factory whose detectors always report and remember what they report. After
 * every test it provokes a few collections, lets the detector drain its reference queue, and fails the test if a
 * leak was seen. The level itself comes from {@code -Dio.netty.leakDetection.level} (PARANOID in the build).
 *
 * <p>Registered through {@code META-INF/services}, so every test class of every module that has encap's test-jar
 * on its test classpath is checked, given {@code junit.jupiter.extensions.autodetection.enabled=true} (set in the
 * parent pom). The factory must be in place before the first {@code ByteBuf} class is initialised; JUnit creates
 * autodetected extensions before any test class, which is early enough.
 */
public final class LeakDetectorExtension implements AfterEachCallback, AfterAllCallback {

    private static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
    /** Rounds of collect-then-allocate before we conclude nothing is left to report; bounded. */
    private static final int DRAIN_ROUNDS = 3;
    /** The tag Jazzer's {@code @FuzzTest} carries. */
    private static final String FUZZ_TAG = "jazzer";

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (context.getTags().contains(FUZZ_TAG)) {
            // One invocation per corpus input: checking each would cost a few collections per input. The class's
            // afterAll check still covers them, and FuzzBuffers checks periodically while fuzzing.
            return;
        }
        assertNoLeaks(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName() + " (after all)");
    }

    /**
     * Collects garbage, makes the detector look at its queue, and returns every leak report seen since the last
     * call. Tests of the extension itself use it directly.
     */
    public static List<String> drainLeaks() {
        for (int round = 0; round < DRAIN_ROUNDS; round++) {
            System.gc();
            // Allocation is what makes the detector poll its reference queue.
            for (int i = 0; i < 4; i++) {
                ByteBuf probe = ByteBufAllocator.DEFAULT.buffer(8);
                probe.release();
                ByteBuf direct = ByteBufAllocator.DEFAULT.directBuffer(8);
                direct.release();
            }
        }
        List<String> found = new ArrayList<>();
        for (String leak; (leak = LEAKS.poll()) != null; ) {
            found.add(leak);
        }
        return found;
    }

    private static void assertNoLeaks(String where) {
        List<String> leaks = drainLeaks();
        if (!leaks.isEmpty()) {
            throw new AssertionError("ByteBuf leak(s) detected by " + where + " (or a test before it): " + leaks.size()
                    + "\n" + String.join("\n----\n", leaks));
        }
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add("LEAK: " + resourceType + " was released by GC without release()" + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add("LEAK: " + resourceType + " was released by GC without release() (no records)");
        }
    }
}
