package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.internal.Checks;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Outer IPv6 header (RFC 8200): static accessors, validation that walks the common extension headers, and an
 * immutable, reusable template. Accessors take absolute indices and never move them. Thread-safe.
 *
 * <pre>
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                    Source Address (16)                        |
 * |                 Destination Address (16)                      |
 * </pre>
 */
public final class Ipv6Header {
    /** Fixed header length. */
    public static final int LENGTH = 40;
    /** Offset of the payload length. */
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    /** Offset of the next header. */
    public static final int NEXT_HEADER_OFFSET = 6;
    /** Offset of the hop limit. */
    public static final int HOP_LIMIT_OFFSET = 7;
    /** Offset of the source address. */
    public static final int SOURCE_OFFSET = 8;
    /** Offset of the destination address. */
    public static final int DESTINATION_OFFSET = 24;
    /** Address length. */
    public static final int ADDRESS_LENGTH = 16;

    private static final int HOP_BY_HOP = 0;
    private static final int ROUTING = 43;
    private static final int FRAGMENT = 44;
    private static final int DESTINATION_OPTIONS = 60;
    /** Bound on extension headers walked, so a hostile chain costs little. */
    private static final int MAX_EXTENSION_HEADERS = 8;

    private final byte[] source;
    private final byte[] destination;
    private final int nextHeader;
    private final int hopLimit;
    private final int firstWord;

    private Ipv6Header(Builder b) {
        this.source = b.source.clone();
        this.destination = b.destination.clone();
        this.nextHeader = b.nextHeader;
        this.hopLimit = b.hopLimit;
        this.firstWord = (6 << 28) | (b.trafficClass << 20) | b.flowLabel;
    }

    /** A builder; source, destination and next header are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The version nibble. */
    public static int version(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset) >>> 4;
    }

    /** The payload length field. */
    public static int payloadLength(ByteBuf buf, int offset) {
        return buf.getUnsignedShort(offset + PAYLOAD_LENGTH_OFFSET);
    }

    /** The next header field of the fixed header. */
    public static int nextHeader(ByteBuf buf, int offset) {
        return buf.getUnsignedByte(offset + NEXT_HEADER_OFFSET);
    }

    /** Reads the 16-byte address at {@code index} as an {@link InetAddress}; allocates, so tools only. */
    public static InetAddress address(ByteBuf buf, int index) {
        byte[] bytes = new byte[ADDRESS_LENGTH];
        buf.getBytes(index, bytes);
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // cannot happen for 16 bytes
        }
    }

    /**
     * Validates the IPv6 header at {@code offset} within {@code length} bytes and walks hop-by-hop, routing and
     * destination-options headers. Returns {@code (upperProtocol << 16) | headerLength} (≥ 0; see {@link
     * #protocolOf(int)}, {@link #headerLengthOf(int)}), or a negative {@link DropReason#code()}: {@code
     * OUTER_IPV6_MALFORMED} or {@code OUTER_IPV6_FRAGMENT}. Never throws.
     */
    public static int validate(ByteBuf buf, int offset, int length) {
        if (length < LENGTH || version(buf, offset) != 6) {
            return DropReason.OUTER_IPV6_MALFORMED.code();
        }
        int end = LENGTH + payloadLength(buf, offset);
        if (end > length) {
            return DropReason.OUTER_IPV6_MALFORMED.code();
        }
        int next = nextHeader(buf, offset);
        int headerLength = LENGTH;
        for (int i = 0; i < MAX_EXTENSION_HEADERS; i++) {
            if (next == FRAGMENT) {
                return DropReason.OUTER_IPV6_FRAGMENT.code();
            }
            if (next != HOP_BY_HOP && next != ROUTING && next != DESTINATION_OPTIONS) {
                return (next << 16) | headerLength;
            }
            if (headerLength + 2 > end) {
                return DropReason.OUTER_IPV6_MALFORMED.code();
            }
            int extLength = (buf.getUnsignedByte(offset + headerLength + 1) + 1) << 3;
            next = buf.getUnsignedByte(offset + headerLength);
            headerLength += extLength;
            if (headerLength > end) {
                return DropReason.OUTER_IPV6_MALFORMED.code();
            }
        }
        return DropReason.OUTER_IPV6_MALFORMED.code();
    }

    /** The upper-layer protocol from a non-negative {@link #validate} result. */
    public static int protocolOf(int validated) {
        return validated >>> 16;
    }

    /** The header length (fixed + extensions) from a non-negative {@link #validate} result. */
    public static int headerLengthOf(int validated) {
        return validated & 0xFFFF;
    }

    /** Adds the RFC 8200 §8.1 pseudo-header of this template for an upper-layer length to a checksum sum. */
    long pseudoHeaderSum(int upperLength) {
        long sum = 0;
        for (int i = 0; i < ADDRESS_LENGTH; i += 2) {
            sum += ((source[i] & 0xFF) << 8) | (source[i + 1] & 0xFF);
            sum += ((destination[i] & 0xFF) << 8) | (destination[i + 1] & 0xFF);
        }
        return sum + upperLength + nextHeader;
    }

    /** Writes this header for {@code payloadLength} bytes at {@code offset} (absolute); does not move indices. */
    public void set(ByteBuf buf, int offset, int payloadLength) {
        Checks.inRange("payloadLength", payloadLength, 0, 65535);
        buf.setInt(offset, firstWord);
        buf.setShort(offset + PAYLOAD_LENGTH_OFFSET, payloadLength);
        buf.setByte(offset + NEXT_HEADER_OFFSET, nextHeader);
        buf.setByte(offset + HOP_LIMIT_OFFSET, hopLimit);
        buf.setBytes(offset + SOURCE_OFFSET, source);
        buf.setBytes(offset + DESTINATION_OFFSET, destination);
    }

    /** Appends this header at {@code writerIndex} (moving it by 40); see {@link #set}. */
    public void write(ByteBuf out, int payloadLength) {
        int offset = out.writerIndex();
        out.ensureWritable(LENGTH);
        set(out, offset, payloadLength);
        out.writerIndex(offset + LENGTH);
    }

    /** The next header (upper-layer protocol) this template writes. */
    public int nextHeader() {
        return nextHeader;
    }

    /** Builder of an {@link Ipv6Header} template; not thread-safe. */
    public static final class Builder {
        private byte[] source;
        private byte[] destination;
        private int nextHeader = -1;
        private int hopLimit = 64;
        private int trafficClass;
        private int flowLabel;

        private Builder() {}

        /** Source address. */
        public Builder source(Inet6Address address) {
            this.source = address.getAddress();
            return this;
        }

        /** Destination address. */
        public Builder destination(Inet6Address address) {
            this.destination = address.getAddress();
            return this;
        }

        /** Next header / upper-layer protocol (17 UDP, 47 GRE). */
        public Builder nextHeader(int nextHeader) {
            Checks.inRange("nextHeader", nextHeader, 0, 255);
            this.nextHeader = nextHeader;
            return this;
        }

        /** Hop limit; default 64. */
        public Builder hopLimit(int hopLimit) {
            Checks.inRange("hopLimit", hopLimit, 0, 255);
            this.hopLimit = hopLimit;
            return this;
        }

        /** Traffic class; default 0. */
        public Builder trafficClass(int trafficClass) {
            Checks.inRange("trafficClass", trafficClass, 0, 255);
            this.trafficClass = trafficClass;
            return this;
        }

        /** Flow label; default 0. */
        public Builder flowLabel(int flowLabel) {
            Checks.inRange("flowLabel", flowLabel, 0, 1048575);
            this.flowLabel = flowLabel;
            return this;
        }

        /** An immutable template. */
        public Ipv6Header build() {
            if (source == null || destination == null || nextHeader < 0) {
                throw new IllegalStateException("source, destination and nextHeader are required");
            }
            return new Ipv6Header(this);
        }
    }
}
