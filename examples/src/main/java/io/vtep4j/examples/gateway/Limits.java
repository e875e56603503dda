package io.vtep4j.examples.gateway;

import io.vtep4j.encap.internal.Checks;
import io.vtep4j.learning.ForwardingTable;
import java.time.Duration;

/**
 * The gateway's numeric rules, each checked when the options are parsed so that a bad value ends in exit code 2
 * with a message naming the option, the value and the rule, never later as a failure of the running gateway.
 * Stateless, thread-safe.
 */
final class Limits {
    /** The forwarding table's default size, which {@code --max-macs} replaces. */
    static final int DEFAULT_MAX_MACS = ForwardingTable.DEFAULT_MAX_ENTRIES;
    /** Largest {@code --max-macs}: 16 times the default, about a gigabyte of table at most. */
    static final int MAX_MACS = 1 << 24;
    /** Where the metrics endpoint listens unless {@code --metrics-address} says otherwise: this host only. */
    static final String DEFAULT_METRICS_ADDRESS = "127.0.0.1";
    /** Shortest status or table period: more often floods the terminal without telling more. */
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    /** Longest status or table period. */
    static final Duration MAX_INTERVAL = Duration.ofHours(24);

    private Limits() {}

    /** A whole number in {@code int} range. */
    static int integer(String option, String text) {
        String t = text.trim();
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            String why =
                    t.matches("[-+]?\\d+") ? "a number in " + Integer.MIN_VALUE + ".." + Integer.MAX_VALUE : "a number";
            throw new ConfigException(option + " " + text + ": expected " + why, e);
        }
    }

    /** {@code on} or {@code off}. */
    static boolean onOff(String option, String text) {
        String t = text.trim();
        if (t.equals("on") || t.equals("off")) {
            return t.equals("on");
        }
        throw new ConfigException(option + " " + text + ": expected on or off");
    }

    /** A whole number in {@code min..max}. */
    static int range(String option, String text, int min, int max) {
        return range(option, text, min, max, null);
    }

    /**
     * A whole number in {@code min..max}; {@code why} (may be null) says where the bound comes from. The bound itself
     * is {@link Checks#inRange}'s; this adds the parsing and the gateway's wording, in a {@link ConfigException}.
     */
    static int range(String option, String text, int min, int max, String why) {
        String t = text.trim();
        if (!t.matches("[-+]?\\d{1,18}")) {
            throw new ConfigException(option + " " + text + ": expected a whole number in " + min + ".." + max);
        }
        long n = Long.parseLong(t);
        String outside =
                option + " " + text + " is outside " + min + ".." + max + (why == null ? "" : " (" + why + ")");
        if (n != (int) n) {
            throw new ConfigException(outside); // beyond int, so beyond any int bounds
        }
        try {
            return Checks.inRange(option, (int) n, min, max);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(outside, e);
        }
    }

    /** A period: 0 turns it off, otherwise {@link #MIN_INTERVAL}..{@link #MAX_INTERVAL}. */
    static Duration interval(String option, String text) {
        Duration d = GatewayConfig.duration(option, text);
        if (!d.isZero() && (d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0)) {
            throw new ConfigException(option + " " + text + ": expected 0 (off) or 100ms..24h");
        }
        return d;
    }

    /** MAC ageing: more than 0 and at most the forwarding table's limit of 10 days. */
    static Duration ageing(String text) {
        Duration d = GatewayConfig.duration("--ageing", text);
        if (d.isZero() || d.isNegative()) {
            throw new ConfigException("--ageing " + text + ": expected more than 0 seconds");
        }
        if (d.compareTo(ForwardingTable.MAX_AGEING) > 0) {
            throw new ConfigException("--ageing " + text + ": expected at most 10 days ("
                    + ForwardingTable.MAX_AGEING.toSeconds() + " s), the forwarding table's limit");
        }
        return d;
    }
}
