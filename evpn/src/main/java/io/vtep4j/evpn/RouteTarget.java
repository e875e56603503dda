package io.vtep4j.evpn;

import java.util.Objects;

/**
 * A BGP route target extended community (RFC 4360 §4, RFC 5668), sub-type 0x02, in one of its three forms:
 * two-octet AS {@code 65000:5000} (AS 16 bits, value 32 bits; the form FRR derives for a VNI), four-octet AS
 * {@code 4200000000:100} (AS 32 bits, value 16 bits) and IPv4 address {@code 192.0.2.1:100} (value 16 bits).
 * Immutable value, thread-safe.
 *
 * @param type the form, which fixes the two fields' widths
 * @param administrator the AS number, or the IPv4 address as an unsigned 32-bit number
 * @param assigned the local administrator (the number after the colon)
 */
public record RouteTarget(Type type, long administrator, long assigned) {

    /** The largest two-octet AS number. */
    public static final int MAX_ASN = 0xFFFF;
    /** The largest four-octet AS number (RFC 6793). */
    public static final long MAX_ASN4 = 0xFFFF_FFFFL;
    /** The largest local administrator of the two-octet-AS form. */
    public static final long MAX_VALUE = 0xFFFF_FFFFL;
    /** The largest local administrator of the four-octet-AS and IPv4 forms. */
    public static final int MAX_SHORT_VALUE = 0xFFFF;

    /** The three forms: the extended community's type (high octet; RFC 4360 §4, RFC 5668 §2). */
    public enum Type {
        /** Type 0x00: two-octet AS : four-octet value. */
        TWO_OCTET_AS,
        /** Type 0x01: IPv4 address : two-octet value. */
        IPV4_ADDRESS,
        /** Type 0x02: four-octet AS : two-octet value. */
        FOUR_OCTET_AS
    }

    /**
     * Checks the ranges of the form.
     *
     * @throws IllegalArgumentException for a field out of its form's range
     */
    public RouteTarget {
        Objects.requireNonNull(type, "type");
        long maxAdmin = type == Type.TWO_OCTET_AS ? MAX_ASN : MAX_ASN4;
        long maxValue = type == Type.TWO_OCTET_AS ? MAX_VALUE : MAX_SHORT_VALUE;
        if (administrator < 0 || administrator > maxAdmin) {
            throw new IllegalArgumentException(
                    "route target " + type + " administrator: " + administrator + " (expected: 0.." + maxAdmin + ")");
        }
        if (assigned < 0 || assigned > maxValue) {
            throw new IllegalArgumentException(
                    "route target " + type + " value: " + assigned + " (expected: 0.." + maxValue + ")");
        }
    }

    /** The two-octet-AS form {@code asn:value}. */
    public RouteTarget(int asn, long value) {
        this(Type.TWO_OCTET_AS, asn, value);
    }

    /**
     * The automatic route target of {@code vni} under {@code asn}, as FRR derives it: the two-octet form
     * {@code (asn & 0xFFFF):vni}, so that a four-octet AS gives the same target as FRR's {@code advertise-all-vni}.
     */
    public static RouteTarget auto(long asn, int vni) {
        return new RouteTarget(Type.TWO_OCTET_AS, asn & 0xFFFF, vni);
    }

    /**
     * Parses {@code ASN:NN} (two-octet form when ASN fits 16 bits, else four-octet), {@code ASNL:NN} (four-octet
     * form for any ASN), {@code X.Y:NN} (four-octet form, the AS in RFC 5396 asdot: {@code 64086.59904:100} is
     * {@code 4200000000:100}) or {@code A.B.C.D:NN} (IPv4 form).
     *
     * @throws IllegalArgumentException if the text is none of these, or a field is out of its form's range
     */
    public static RouteTarget parse(String text) {
        Objects.requireNonNull(text, "text");
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':') != colon) {
            throw syntax(text, null);
        }
        String admin = text.substring(0, colon);
        try {
            long value = Long.parseLong(text.substring(colon + 1));
            int dot = admin.indexOf('.');
            if (dot >= 0 && admin.indexOf('.', dot + 1) < 0) {
                return new RouteTarget(Type.FOUR_OCTET_AS, asdot(admin, dot, text), value);
            }
            if (dot >= 0) {
                return new RouteTarget(Type.IPV4_ADDRESS, ipv4(admin, text), value);
            }
            if (admin.endsWith("L")) {
                return new RouteTarget(
                        Type.FOUR_OCTET_AS, Long.parseLong(admin.substring(0, admin.length() - 1)), value);
            }
            long asn = Long.parseLong(admin);
            return new RouteTarget(asn > MAX_ASN ? Type.FOUR_OCTET_AS : Type.TWO_OCTET_AS, asn, value);
        } catch (NumberFormatException e) {
            throw syntax(text, e);
        }
    }

    /** RFC 5396 asdot {@code X.Y} = X * 65536 + Y, each half 0..65535 (how gobgp and FRR print a four-octet AS). */
    private static long asdot(String admin, int dot, String text) {
        String high = admin.substring(0, dot);
        String low = admin.substring(dot + 1);
        if (high.isEmpty() || low.isEmpty() || high.length() > 5 || low.length() > 5) {
            throw syntax(text, null);
        }
        long x = Long.parseLong(high);
        long y = Long.parseLong(low);
        if (x < 0 || x > MAX_ASN || y < 0 || y > MAX_ASN) {
            throw syntax(text, null);
        }
        return x << 16 | y;
    }

    private static long ipv4(String dotted, String text) {
        String[] parts = dotted.split("\\.", -1);
        if (parts.length != 4) {
            throw syntax(text, null);
        }
        long out = 0;
        for (String p : parts) {
            int octet = Integer.parseInt(p);
            if (octet < 0 || octet > 255 || p.isEmpty() || p.length() > 3) {
                throw syntax(text, null);
            }
            out = out << 8 | octet;
        }
        return out;
    }

    private static IllegalArgumentException syntax(String text, Throwable cause) {
        return new IllegalArgumentException(
                "route target: '" + text + "' (expected: ASN:NN, ASNL:NN, X.Y:NN or A.B.C.D:NN, e.g. 65000:5000)",
                cause);
    }

    /** The administrator of the IPv4 form as dotted text. */
    String address() {
        return (administrator >>> 24) + "." + (administrator >>> 16 & 0xFF) + "." + (administrator >>> 8 & 0xFF) + "."
                + (administrator & 0xFF);
    }

    /** {@code ASN:NN}, {@code ASNL:NN} (a four-octet-form target whose AS would fit two octets) or {@code A.B.C.D:NN}. */
    @Override
    public String toString() {
        return switch (type) {
            case TWO_OCTET_AS -> administrator + ":" + assigned;
            case FOUR_OCTET_AS -> administrator + (administrator > MAX_ASN ? "" : "L") + ":" + assigned;
            case IPV4_ADDRESS -> address() + ":" + assigned;
        };
    }
}
