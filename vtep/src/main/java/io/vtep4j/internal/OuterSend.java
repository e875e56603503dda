package io.vtep4j.internal;

/**
 * How a UDP underlay builds the outer headers it sends, beyond TOS and TTL: the source-port range of the raw send path
 * ({@link RawSourcePorts}), the sockets' DF rule and a zero UDP checksum over IPv6. Immutable, thread-safe.
 *
 * @param sourcePortMin first source port of the raw send path, or 0 when it is off
 * @param sourcePortMax last source port of the raw send path (at least {@code sourcePortMin}), or 0 when it is off
 * @param dontFragment DF on what is sent without a per-packet rule (IP_PMTUDISC_DO; else IP_PMTUDISC_DONT), IPv4
 * @param zeroChecksum6 send IPv6 UDP with a zero checksum (UDP_NO_CHECK6_TX, RFC 6935 / RFC 6936)
 */
public record OuterSend(int sourcePortMin, int sourcePortMax, boolean dontFragment, boolean zeroChecksum6) {

    /** The bit of a packet's outer fields ({@code tos << 8 | ttl}) that asks for an IPv4 header without DF. */
    public static final int NO_DF = 1 << 16;

    /** Every packet from the bound port (or the socket pool), DF set, IPv6 checksums computed. */
    public static final OuterSend DEFAULT = new OuterSend(0, 0, true, false);

    /** Whether the raw send path with its own source ports was asked for. */
    public boolean sourcePortRange() {
        return sourcePortMin > 0;
    }
}
