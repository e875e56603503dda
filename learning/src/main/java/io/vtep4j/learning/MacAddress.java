package io.vtep4j.learning;

/**
 * Static helpers for 48-bit IEEE 802 MAC addresses held in the low bits of a {@code long}; thread-safe, stateless.
 *
 * <p>The first octet on the wire is bits 47..40 of the value, so {@code 00:11:22:33:44:55} is {@code 0x001122334455L}.
 */
public final class MacAddress {

    /** Mask of the 48 bits a MAC address may use. */
    public static final long MASK = 0xFFFF_FFFF_FFFFL;
    /** The broadcast address {@code ff:ff:ff:ff:ff:ff}. */
    public static final long BROADCAST = MASK;
    /** Number of octets in a MAC address. */
    public static final int LENGTH = 6;

    // IEEE 802: the I/G bit is the least significant bit of the first octet; 1 = group (multicast or broadcast).
    private static final long GROUP_BIT = 1L << 40;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private MacAddress() {}

    /**
     * Parses {@code 00:11:22:33:44:55} (colons or hyphens, either case) into a 48-bit value; thread-safe.
     *
     * @throws IllegalArgumentException if the text is not six two-digit hex octets
     */
    public static long parse(String text) {
        if (text == null || text.length() != 17) {
            throw invalid(text);
        }
        final char separator = text.charAt(2);
        if (separator != ':' && separator != '-') {
            throw invalid(text);
        }
        long mac = 0;
        for (int octet = 0; octet < LENGTH; octet++) {
            final int at = octet * 3;
            if (octet > 0 && text.charAt(at - 1) != separator) {
                throw invalid(text);
            }
            final int high = Character.digit(text.charAt(at), 16);
            final int low = Character.digit(text.charAt(at + 1), 16);
            if (high < 0 || low < 0) {
                throw invalid(text);
            }
            mac = mac << 8 | high << 4 | low;
        }
        return mac;
    }

    /**
     * Formats a 48-bit value as lower-case colon-separated octets, e.g. {@code 00:11:22:33:44:55}; thread-safe.
     *
     * @throws IllegalArgumentException if bits above the 48th are set
     */
    public static String toString(long mac) {
        check(mac);
        final char[] out = new char[17];
        for (int octet = 0; octet < LENGTH; octet++) {
            final int value = (int) (mac >>> (40 - 8 * octet)) & 0xFF;
            final int at = octet * 3;
            if (octet > 0) {
                out[at - 1] = ':';
            }
            out[at] = HEX[value >>> 4];
            out[at + 1] = HEX[value & 0xF];
        }
        return new String(out);
    }

    /**
     * Returns {@code mac} if it fits in 48 bits; thread-safe.
     *
     * @throws IllegalArgumentException naming the value otherwise
     */
    public static long check(long mac) {
        if ((mac & ~MASK) != 0) {
            throw new IllegalArgumentException("mac: 0x" + Long.toHexString(mac) + " (expected: 0..0xffffffffffff)");
        }
        return mac;
    }

    /** True if the I/G bit is set: a multicast or broadcast (group) address; thread-safe. */
    public static boolean isGroup(long mac) {
        return (mac & GROUP_BIT) != 0;
    }

    /** True for {@code ff:ff:ff:ff:ff:ff}; thread-safe. */
    public static boolean isBroadcast(long mac) {
        return mac == BROADCAST;
    }

    /** True for {@code 00:00:00:00:00:00}; thread-safe. */
    public static boolean isZero(long mac) {
        return mac == 0;
    }

    private static IllegalArgumentException invalid(String text) {
        return new IllegalArgumentException(
                "mac: \"" + text + "\" (expected: six hex octets separated by ':' or '-', e.g. 00:11:22:33:44:55)");
    }
}
