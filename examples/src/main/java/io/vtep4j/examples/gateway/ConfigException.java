package io.vtep4j.examples.gateway;

/**
 * A gateway setting that cannot work, with a one-line message naming the setting and the problem; the command
 * prints the message and exits with code 2 before anything is started. Immutable.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A problem described in one line, e.g. {@code VLAN 4095 is outside 1..4094}. */
    public ConfigException(String message) {
        super(message, null, false, false);
    }

    /** A problem described in one line, caused by {@code cause} (kept for debugging, never printed). */
    public ConfigException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
