package io.vtep4j.evpn;

import java.util.Objects;

/**
 * A BGP route target in the two-octet-AS form {@code ASN:NN} (RFC 4360 §4, type 0x00 subtype 0x02), as FRR derives
 * one automatically for a VNI ({@code ASN:VNI}). Immutable value, thread-safe.
 *
 * @param asn the two-octet AS number, 0..65535
 * @param value the local administrator, 0..4294967295 (held as int bits)
 */
public record RouteTarget(int asn, long value) {

    /** The largest AS number of the two-octet form. */
    public static final int MAX_ASN = 0xFFFF;
    /** The largest local administrator of the two-octet form. */
    public static final long MAX_VALUE = 0xFFFF_FFFFL;

    /**
     * Checks the ranges.
     *
     * @throws IllegalArgumentException for an AS or value out of range
     */
    public RouteTarget {
        if (asn < 0 || asn > MAX_ASN) {
            throw new IllegalArgumentException("route target asn: " + asn + " (expected: 0.." + MAX_ASN
                    + "; four-octet AS numbers are not supported)");
        }
        if (value < 0 || value > MAX_VALUE) {
            throw new IllegalArgumentException("route target value: " + value + " (expected: 0.." + MAX_VALUE + ")");
        }
    }

    /** The automatic route target of {@code vni} under {@code asn}: {@code asn:vni}. */
    public static RouteTarget auto(int asn, int vni) {
        return new RouteTarget(asn, vni);
    }

    /**
     * Parses {@code ASN:NN}, e.g. {@code 65000:5000}.
     *
     * @throws IllegalArgumentException if the text is not two decimal numbers in range separated by a colon
     */
    public static RouteTarget parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("route target: '" + text + "' (expected: ASN:NN, e.g. 65000:5000)");
        }
        try {
            return new RouteTarget(
                    Integer.parseInt(text.substring(0, colon)), Long.parseLong(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("route target: '" + text + "' (expected: ASN:NN, e.g. 65000:5000)", e);
        }
    }

    /** {@code ASN:NN}. */
    @Override
    public String toString() {
        return asn + ":" + value;
    }
}
