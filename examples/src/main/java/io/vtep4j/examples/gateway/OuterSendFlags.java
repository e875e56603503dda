package io.vtep4j.examples.gateway;

import io.vtep4j.OuterHeader;
import io.vtep4j.Vtep;

/**
 * {@code --src-port-range} and {@code --udp6-zero-checksum-tx}: how the gateway's tunnel packets are sent, beyond the
 * outer TOS / TTL / DF of {@link OuterHeader}. Immutable.
 *
 * @param sourcePortMin first source port, or 0 for the bound port
 * @param sourcePortMax last source port, or 0
 * @param udp6ZeroChecksum zero UDP checksums over an IPv6 underlay
 */
record OuterSendFlags(int sourcePortMin, int sourcePortMax, boolean udp6ZeroChecksum) {

    /** Every packet from the bound port, IPv6 checksums computed. */
    static final OuterSendFlags DEFAULT = new OuterSendFlags(0, 0, false);

    /** {@code MIN-MAX}, 1 <= MIN <= MAX <= 65535; {@code off} (or null) for the bound port. */
    static OuterSendFlags parse(String range, boolean udp6ZeroChecksum) {
        if (range == null || range.trim().equals("off")) {
            return new OuterSendFlags(0, 0, udp6ZeroChecksum);
        }
        String t = range.trim();
        int dash = t.indexOf('-', 1);
        if (dash < 0) {
            throw new ConfigException("--src-port-range " + range + ": expected MIN-MAX, e.g. 49152-65535, or off");
        }
        int min = Limits.range("--src-port-range", t.substring(0, dash), 1, 65535, "MIN");
        int max = Limits.range("--src-port-range", t.substring(dash + 1), 1, 65535, "MAX");
        if (min > max) {
            throw new ConfigException("--src-port-range " + range + ": MIN " + min + " is above MAX " + max);
        }
        return new OuterSendFlags(min, max, udp6ZeroChecksum);
    }

    /** {@code set}, {@code unset} or {@code inherit}. */
    static OuterHeader.Df df(String text) {
        return switch (text.trim()) {
            case "set" -> OuterHeader.Df.SET;
            case "unset" -> OuterHeader.Df.UNSET;
            case "inherit" -> OuterHeader.Df.INHERIT;
            default -> throw new ConfigException("--df " + text + ": expected set, unset or inherit");
        };
    }

    /** Sets these on {@code builder}. */
    void applyTo(Vtep.Builder builder) {
        if (sourcePortMin > 0) {
            builder.sourcePortRange(sourcePortMin, sourcePortMax);
        }
        builder.udp6ZeroChecksumTx(udp6ZeroChecksum);
    }
}
