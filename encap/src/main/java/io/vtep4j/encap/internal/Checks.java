package io.vtep4j.encap.internal;

/**
 * Argument checks for vtep4j's builders and codecs, with messages naming the value and the rule, such as
 * {@code "port: 0 (expected: 1..65535)"}. Stateless, thread-safe. Not API: shared by the vtep4j modules only.
 */
public final class Checks {
    private Checks() {}

    /**
     * Returns {@code value} if it is in {@code min..max}.
     *
     * @throws IllegalArgumentException {@code "name: value (expected: min..max)"} otherwise
     */
    public static int inRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }

    /**
     * Returns {@code value} if it is at least {@code min}.
     *
     * @throws IllegalArgumentException {@code "name: value (expected: >= min)"} otherwise
     */
    public static int atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
        }
        return value;
    }
}
