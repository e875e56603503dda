package io.vtep4j.testing;

/** Teardown of a test's resources. Stateless; thread-safe. */
public final class Closing {

    private Closing() {}

    /**
     * Closes each of {@code resources} that is not null, in the order given, also when an earlier one failed; then
     * rethrows the first failure with the later ones suppressed (a checked one wrapped in an
     * {@link IllegalStateException}).
     */
    public static void all(AutoCloseable... resources) {
        Throwable first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Throwable t) {
                if (first == null) {
                    first = t;
                } else {
                    first.addSuppressed(t);
                }
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new IllegalStateException("close: " + first, first);
        }
    }
}
