package io.vtep4j.examples.gateway;

import io.vtep4j.OuterHeader;
import io.vtep4j.Vtep;

/**
 * {@code --src-port-range}, {@code --udp6-zero-checksum-tx} and {@code --udp-gso}: how the gateway's tunnel packets are sent, beyond the
 * outer TOS / TTL / DF of {@link OuterHeader}. Immutable.
 *
 * @param sourcePortMin first source port, or 0 for the bound port
 * @param sourcePortMax last source port, or 0
 * @param udp6ZeroChecksum zero UDP checksums over an IPv6 underlay
 * @param udpGso runs of equal-size packets to one remote leave as UDP GSO messages
 */
record OuterSendFlags(int sourcePortMin, int sourcePortMax, boolean udp6ZeroChecksum, boolean udpGso) {

    /** Every packet from the bound port, IPv6 checksums computed, no GSO. */
    static final OuterSendFlags DEFAULT = new OuterSendFlags(0, 0, false, false);

    OuterSendFlags(int sourcePortMin, int sourcePortMax, boolean udp6ZeroChecksum) {
        this(sourcePortMin, sourcePortMax, udp6ZeroChecksum, false);
    }

    /**
     * These flags with {@code --udp-gso} as given; GSO needs the one kernel UDP socket, so it excludes
     * {@code --src-port-range} and {@code --udp6-zero-checksum-tx} (Linux refuses GSO without UDP checksums).
     */
    OuterSendFlags withGso(boolean gso) {
        if (gso && sourcePortMin > 0) {
            throw new ConfigException("--udp-gso cannot be combined with --src-port-range: GSO sends every packet "
                    + "through the one UDP socket, whose source port is fixed");
        }
        if (gso && udp6ZeroChecksum) {
            throw new ConfigException(
                    "--udp-gso cannot be combined with --udp6-zero-checksum-tx: Linux refuses GSO without UDP checksums");
        }
        return new OuterSendFlags(sourcePortMin, sourcePortMax, udp6ZeroChecksum, gso);
    }

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
        builder.udpGso(udpGso);
    }
}
