package io.vtep4j;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Closes what a test registered, in list order, after each test; register it with {@code @RegisterExtension}. A
 * failing close stops the rest and fails the test.
 */
final class Closer implements AfterEachCallback {

    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** Closes {@code c} after everything registered before it; returns it. */
    <T extends AutoCloseable> T add(T c) {
        closeables.add(c);
        return c;
    }

    /** Closes {@code c} before everything registered so far; returns it. */
    <T extends AutoCloseable> T addFirst(T c) {
        closeables.add(0, c);
        return c;
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }
}
