package io.vtep4j.encap;

/** Argument checks with messages naming the value and the rule. Package-private, stateless. */
final class Checks {
    private Checks() {}

    /** Returns {@code value} if it is in {@code min..max}, else throws {@link IllegalArgumentException}. */
    static int inRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }
}
