package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.Ecn;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.internal.Checks;
import java.util.Locale;
import java.util.Objects;

/**
 * How the outer IP header's TOS (traffic class) and TTL (hop limit) are chosen per tunnel packet: fixed, or inherited
 * from the inner IPv4 / IPv6 header, as Linux's {@code ip link add ... type vxlan tos inherit ttl inherit}. Set per
 * VTEP ({@link Vtep.Builder#outerHeader}) and per segment ({@link Segment#outerHeader(OuterHeader)}).
 *
 * <ul>
 *   <li>TOS fixed (default, DSCP 0): the outer ECN field is Not-ECT, RFC 6040 §4.1's compatibility mode, the
 *       behaviour of a VTEP that knows nothing of ECN.</li>
 *   <li>TOS inherit: DSCP and ECN are copied from the inner header (RFC 6040 §4.1 normal mode: ECT and CE copied);
 *       an inner frame that is not IP gets the fixed DSCP.</li>
 *   <li>TTL fixed (default 64) or inherit: the inner TTL / hop limit (a non-IP frame, or an inner TTL of 0, gets the
 *       fixed one).</li>
 *   <li>DF ({@link Df}): set (default, RFC 7348 §4.3), unset, or inherited from the inner IPv4 header as Linux's
 *       {@code df inherit} does (inner IPv4: its DF bit; inner IPv6: set; anything else: unset). An IPv6 underlay has
 *       no DF bit: IPv6 routers never fragment, and vtep4j never fragments locally, whatever this says.</li>
 * </ul>
 *
 * <p>DF per packet (inherit, or a segment's DF other than the VTEP's) needs the raw send path of
 * {@link Vtep.Builder#sourcePortRange}: a kernel UDP socket sets DF per socket (IP_MTU_DISCOVER), and no control
 * message sets it per packet. Without that path the sockets carry the VTEP's DF ({@code inherit}: set).
 *
 * <p>Per-packet fields travel as IP_TOS / IP_TTL (IPV6_TCLASS / IPV6_HOPLIMIT) control messages of the direct I/O
 * path's sendmmsg; Netty's datagram path and the raw NVGRE transport send every packet with the VTEP's fixed values
 * ({@link Vtep.Builder#dscp}, {@link Vtep.Builder#ttl}), except for unicast on the raw send path of
 * {@link Vtep.Builder#sourcePortRange}, which always sends with sendmmsg and its control messages. Immutable,
 * thread-safe.
 *
 * <pre>{@code
 * Vtep.builder().outerHeader(OuterHeader.builder().inheritTos().inheritTtl().build())
 * }</pre>
 */
public final class OuterHeader {

    /** Fixed DSCP 0 and TTL 64: what a VTEP does unless told otherwise. */
    public static final OuterHeader FIXED = builder().build();

    /** The bit of {@link #fields} that asks for an outer IPv4 header without DF. */
    static final int NO_DF = 1 << 16;

    /** The outer IPv4 header's Don't Fragment bit. */
    public enum Df {
        /** DF on every packet: RFC 7348 §4.3, VTEPs MUST NOT fragment (default). */
        SET,
        /** DF never set: routers on the path may fragment the tunnel packets. */
        UNSET,
        /** DF as the inner IPv4 header has it; set for inner IPv6, unset for frames that are not IP. */
        INHERIT
    }

    private final boolean inheritTos;
    private final int dscp;
    private final boolean inheritTtl;
    private final int ttl;
    private final Df df;

    private OuterHeader(Builder b) {
        this.inheritTos = b.inheritTos;
        this.dscp = b.dscp;
        this.inheritTtl = b.inheritTtl;
        this.ttl = b.ttl;
        this.df = b.df;
    }

    /** A builder with the defaults: DSCP 0, TTL 64, nothing inherited. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether DSCP and ECN are copied from the inner header. */
    public boolean inheritsTos() {
        return inheritTos;
    }

    /** The fixed DSCP, 0..63 (also used for non-IP frames under {@link #inheritsTos()}). */
    public int dscp() {
        return dscp;
    }

    /** Whether the TTL / hop limit is copied from the inner header. */
    public boolean inheritsTtl() {
        return inheritTtl;
    }

    /** The fixed TTL / hop limit, 1..255. */
    public int ttl() {
        return ttl;
    }

    /** The DF rule. */
    public Df df() {
        return df;
    }

    /**
     * The outer fields of the inner frame at {@code frame}'s reader index: {@code tos << 8 | ttl}, with {@link #NO_DF}
     * when the outer IPv4 header should not carry DF. No allocation, no index moved.
     */
    int fields(ByteBuf frame) {
        int tos = dscp << 2;
        int hops = ttl;
        int noDf = df == Df.UNSET ? NO_DF : 0;
        if (df == Df.INHERIT) {
            noDf = innerDf(frame) ? 0 : NO_DF;
        }
        if (inheritTos || inheritTtl) {
            int l3 = Ethernet.payloadOffset(frame, frame.readerIndex());
            if (l3 >= 0) {
                int type = frame.getUnsignedShort(l3 - 2);
                int innerTos = -1;
                int innerTtl = 0;
                if (type == Ethernet.TYPE_IPV4 && l3 + 9 <= frame.writerIndex()) {
                    innerTos = frame.getUnsignedByte(l3 + 1);
                    innerTtl = frame.getUnsignedByte(l3 + 8);
                } else if (type == Ethernet.TYPE_IPV6 && l3 + 8 <= frame.writerIndex()) {
                    innerTos = (frame.getInt(l3) >>> 20) & 0xFF;
                    innerTtl = frame.getUnsignedByte(l3 + 7);
                }
                if (inheritTos && innerTos >= 0) {
                    // RFC 6040 §4.1 normal mode: the ECN field is copied with the DSCP.
                    tos = (innerTos & ~Ecn.MASK) | Ecn.encapsulate(innerTos);
                }
                if (inheritTtl && innerTtl > 0) {
                    hops = innerTtl;
                }
            }
        }
        return noDf | tos << 8 | hops;
    }

    /** Linux's {@code df inherit}: an inner IPv4 header's DF bit; true for inner IPv6, false for anything else. */
    private static boolean innerDf(ByteBuf frame) {
        int l3 = Ethernet.payloadOffset(frame, frame.readerIndex());
        if (l3 < 0) {
            return false;
        }
        int type = frame.getUnsignedShort(l3 - 2);
        if (type == Ethernet.TYPE_IPV4) {
            return l3 + 8 <= frame.writerIndex() && (frame.getUnsignedByte(l3 + 6) & 0x40) != 0;
        }
        return type == Ethernet.TYPE_IPV6;
    }

    /** Equal when every setting is. */
    @Override
    public boolean equals(Object o) {
        return o instanceof OuterHeader other
                && inheritTos == other.inheritTos
                && dscp == other.dscp
                && inheritTtl == other.inheritTtl
                && ttl == other.ttl
                && df == other.df;
    }

    @Override
    public int hashCode() {
        return Objects.hash(inheritTos, dscp, inheritTtl, ttl, df);
    }

    /** As the gateway's flags read: {@code tos inherit ttl 64}, then {@code df unset} unless DF is the default. */
    @Override
    public String toString() {
        return "tos " + (inheritTos ? "inherit" : "dscp " + dscp) + " ttl " + (inheritTtl ? "inherit" : ttl)
                + (df == Df.SET ? "" : " df " + df.name().toLowerCase(Locale.ROOT));
    }

    /** Builds an {@link OuterHeader}; each setter validates at once. Not thread-safe. */
    public static final class Builder {
        private boolean inheritTos;
        private int dscp;
        private boolean inheritTtl;
        private int ttl = 64;
        private Df df = Df.SET;

        private Builder() {}

        /** The outer IPv4 DF rule (default {@link Df#SET}); see {@link OuterHeader} for what needs the raw path. */
        public Builder df(Df df) {
            this.df = Objects.requireNonNull(df, "df");
            return this;
        }

        /** A fixed DSCP, 0..63 (default 0); turns TOS inheritance off. */
        public Builder dscp(int dscp) {
            this.dscp = Checks.inRange("dscp", dscp, 0, 63);
            this.inheritTos = false;
            return this;
        }

        /** Copy DSCP and ECN from the inner IPv4 / IPv6 header (RFC 6040 normal mode). */
        public Builder inheritTos() {
            this.inheritTos = true;
            return this;
        }

        /** A fixed TTL / hop limit, 1..255 (default 64); turns TTL inheritance off. */
        public Builder ttl(int ttl) {
            this.ttl = Checks.inRange("ttl", ttl, 1, 255);
            this.inheritTtl = false;
            return this;
        }

        /** Copy the TTL / hop limit from the inner IPv4 / IPv6 header. */
        public Builder inheritTtl() {
            this.inheritTtl = true;
            return this;
        }

        /** The immutable settings. */
        public OuterHeader build() {
            return new OuterHeader(this);
        }
    }
}
