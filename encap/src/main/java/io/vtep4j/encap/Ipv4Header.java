package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.internal.Checks;
import java.net.Inet4Address;

/**
 * Outer IPv4 header (RFC 791): static accessors, validation and an immutable, reusable template that writes a
 * header with a correct checksum. Accessors take absolute indices and never move them. Thread-safe.
 *
 * <pre>
 * |Version|  IHL  |    DSCP/ECN   |          Total Length         |
 * |         Identification        |Flags|     Fragment Offset     |
 * |  Time to Live |    Protocol   |        Header Checksum        |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * </pre>
 */
public final class Ipv4Header {
    /** Header length without options. */
    public static final int MIN_LENGTH = 20;
    /** Offset of the total length. */
    public static final int TOTAL_LENGTH_OFFSET = 2;
    /** Offset of the identification. */
    public static final int IDENTIFICATION_OFFSET = 4;
    /** Offset of flags and fragment offset. */
    public static final int FRAGMENT_OFFSET = 6;
    /** Offset of the TTL. */
    public static final int TTL_OFFSET = 8;
    /** Offset of the protocol. */
    public static final int PROTOCOL_OFFSET = 9;
    /** Offset of the header checksum. */
    public static final int CHECKSUM_OFFSET = 10;
    /** Offset of the source address. */
    public static final int SOURCE_OFFSET = 12;
    /** Offset of the destination address. */
    public static final int DESTINATION_OFFSET = 16;
    /** Don't Fragment flag in the flags/fragment word. */
    public static final int DF_FLAG = 0x4000;
    /** More Fragments flag. */
    public static final int MF_FLAG = 0x2000;
    /** Fragment offset mask. */
    public static final int FRAGMENT_OFFSET_MASK = 0x1FFF;
    /** IP protocol number of UDP. */
    public static final int PROTOCOL_UDP = 17;
    /** IP protocol number of TCP. */
    public static final int PROTOCOL_TCP = 6;
    /** Largest total length: the 16-bit field. */
    public static final int MAX_TOTAL_LENGTH = 0xFFFF;

    private final int tos;
    private final int ttl;
    private final int protocol;
    private final boolean dontFragment;
    private final int source;
    private final int destination;
    /** Checksum sum of every field except total length and identification, precomputed once. */
    private final long partialSum;

    private Ipv4Header(Builder b) {
        this.tos = b.tos;
        this.ttl = b.ttl;
        this.protocol = b.protocol;
        this.dontFragment = b.dontFragment;
        this.source = b.source;
        this.destination = b.destination;
        this.partialSum = (0x4500L | tos)
                + ((dontFragment ? DF_FLAG : 0))
                + ((ttl << 8) | protocol)
                + (source >>> 16)
                + (source & 0xFFFF)
                + (destination >>> 16)
                + (destination & 0xFFFF);
    }

    /** A builder; source, destination and protocol are required. */
    public static Builder builder() {
        return new Builder();
    }

    // ---- static accessors ----

    /** The version nibble. */
    public static int version(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset) >>> 4;
    }

    /** The header length in bytes (IHL × 4). */
    public static int headerLength(ByteBuf buf, int offset) {
        return (buf.getUnsignedByte(offset) & 0x0F) << 2;
    }

    /** The total length field. */
    public static int totalLength(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + TOTAL_LENGTH_OFFSET);
    }

    /** The protocol field. */
    public static int protocol(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset + PROTOCOL_OFFSET);
    }

    /** The source address as a big-endian int. */
    public static int source(ByteBuf buf, int offset) {
        return buf.getInt(offset + SOURCE_OFFSET);
    }

    /** The destination address as a big-endian int. */
    public static int destination(ByteBuf buf, int offset) {
        return buf.getInt(offset + DESTINATION_OFFSET);
    }

    /** True if the header at {@code offset} is a fragment (MF set or a non-zero fragment offset). */
    public static boolean isFragment(ByteBuf buf, int offset) {
        return (buf.getUnsignedShort(offset + FRAGMENT_OFFSET) & (MF_FLAG | FRAGMENT_OFFSET_MASK)) != 0;
    }

    /**
     * Validates the IPv4 header at {@code offset} within {@code length} available bytes: returns the header
     * length, or a negative {@link DropReason#code()} ({@code OUTER_IPV4_MALFORMED} for version, IHL, total length
     * or, when {@code verifyChecksum}, checksum; {@code OUTER_IPV4_FRAGMENT} for a fragment). Never throws.
     */
    public static int validate(ByteBuf buf, int offset, int length, boolean verifyChecksum) {
        if (length < MIN_LENGTH || version(buf, offset) != 4) {
            return DropReason.OUTER_IPV4_MALFORMED.code();
        }
        int headerLength = headerLength(buf, offset);
        int total = totalLength(buf, offset);
        if (headerLength < MIN_LENGTH || headerLength > length || total < headerLength || total > length) {
            return DropReason.OUTER_IPV4_MALFORMED.code();
        }
        if (verifyChecksum && InternetChecksum.of(buf, offset, headerLength) != 0) {
            return DropReason.OUTER_IPV4_MALFORMED.code();
        }
        if (isFragment(buf, offset)) {
            // RFC 7348 §4.3: tunnel packets are not fragmented; we do not reassemble.
            return DropReason.OUTER_IPV4_FRAGMENT.code();
        }
        return headerLength;
    }

    /** Converts an {@link Inet4Address} to the big-endian int the accessors use. */
    public static int toInt(Inet4Address address) {
        byte[] b = address.getAddress();
        return ((b[0] & 0xFF) << 24) | ((b[1] & 0xFF) << 16) | ((b[2] & 0xFF) << 8) | (b[3] & 0xFF);
    }

    /** Dotted-quad text of a big-endian int address. */
    public static String toString(int address) {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    // ---- template ----

    /**
     * Writes this header for {@code payloadLength} bytes of payload at {@code offset} (absolute), checksum
     * included; does not move indices and does not allocate.
     *
     * @throws IllegalArgumentException if the total length would exceed 65535
     */
    public void set(ByteBuf buf, int offset, int payloadLength, int identification) {
        int total = MIN_LENGTH + Checks.inRange("payloadLength", payloadLength, 0, MAX_TOTAL_LENGTH - MIN_LENGTH);
        int id = identification & 0xFFFF;
        buf.setShort(offset, 0x4500 | tos);
        buf.setShort(offset + TOTAL_LENGTH_OFFSET, total);
        buf.setShort(offset + IDENTIFICATION_OFFSET, id);
        buf.setShort(offset + FRAGMENT_OFFSET, dontFragment ? DF_FLAG : 0);
        buf.setByte(offset + TTL_OFFSET, ttl);
        buf.setByte(offset + PROTOCOL_OFFSET, protocol);
        buf.setInt(offset + SOURCE_OFFSET, source);
        buf.setInt(offset + DESTINATION_OFFSET, destination);
        buf.setShort(offset + CHECKSUM_OFFSET, InternetChecksum.finish(partialSum + total + id));
    }

    /** Appends this header at {@code writerIndex} (moving it by 20); see {@link #set}. */
    public void write(ByteBuf out, int payloadLength, int identification) {
        int offset = out.writerIndex();
        out.ensureWritable(MIN_LENGTH);
        set(out, offset, payloadLength, identification);
        out.writerIndex(offset + MIN_LENGTH);
    }

    /** The source address. */
    public int source() {
        return source;
    }

    /** The destination address. */
    public int destination() {
        return destination;
    }

    /** The protocol number. */
    public int protocol() {
        return protocol;
    }

    @Override
    public String toString() {
        return "Ipv4Header(" + toString(source) + " > " + toString(destination) + ", proto " + protocol + ", ttl " + ttl
                + (dontFragment ? ", DF" : "") + ")";
    }

    /** Builder of an {@link Ipv4Header} template; not thread-safe. */
    public static final class Builder {
        private int tos;
        private int ttl = 64;
        private int protocol = -1;
        private boolean dontFragment = true;
        private int source;
        private int destination;
        private boolean sourceSet;
        private boolean destinationSet;

        private Builder() {}

        /** Source address. */
        public Builder source(Inet4Address address) {
            return source(toInt(address));
        }

        /** Source address as a big-endian int. */
        public Builder source(int address) {
            this.source = address;
            this.sourceSet = true;
            return this;
        }

        /** Destination address. */
        public Builder destination(Inet4Address address) {
            return destination(toInt(address));
        }

        /** Destination address as a big-endian int. */
        public Builder destination(int address) {
            this.destination = address;
            this.destinationSet = true;
            return this;
        }

        /** IP protocol number (17 UDP, 47 GRE). */
        public Builder protocol(int protocol) {
            Checks.inRange("protocol", protocol, 0, 255);
            this.protocol = protocol;
            return this;
        }

        /** Time to live; default 64. */
        public Builder ttl(int ttl) {
            Checks.inRange("ttl", ttl, 0, 255);
            this.ttl = ttl;
            return this;
        }

        /** DSCP/ECN byte; default 0. */
        public Builder tos(int tos) {
            Checks.inRange("tos", tos, 0, 255);
            this.tos = tos;
            return this;
        }

        /** Set DF; default true (RFC 7348 §4.3: VTEPs MUST NOT fragment). */
        public Builder dontFragment(boolean dontFragment) {
            this.dontFragment = dontFragment;
            return this;
        }

        /** An immutable template. */
        public Ipv4Header build() {
            if (!sourceSet || !destinationSet || protocol < 0) {
                throw new IllegalStateException("source, destination and protocol are required (source set: "
                        + sourceSet + ", destination set: " + destinationSet + ", protocol: " + protocol + ")");
            }
            return new Ipv4Header(this);
        }
    }
}
