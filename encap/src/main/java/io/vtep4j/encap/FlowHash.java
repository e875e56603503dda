package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

/**
 * The inner-flow entropy hash: one 32-bit value per flow, from the inner MACs, EtherType and, when present, the
 * IPv4/IPv6 addresses and TCP/UDP/SCTP ports. It drives the VXLAN / GRE-in-UDP UDP source port (RFC 7348 §5,
 * RFC 8086 §3) and the NVGRE FlowID (RFC 7637 §3.2). Stateless, thread-safe, allocation-free; never moves indices.
 *
 * <p>The value is defined on little-endian 64-bit words of the frame (whatever the platform), so that the common
 * frame is hashed straight from memory: each flow word, with the bytes that are not flow data masked off, times its
 * own odd constant, summed, then one finaliser.
 */
public final class FlowHash {
    /** RFC 7348 §5 / RFC 6335: the dynamic port range, recommended for the entropy source port. */
    public static final int DEFAULT_SOURCE_PORT_MIN = 49152;
    /** Top of the dynamic port range. */
    public static final int DEFAULT_SOURCE_PORT_MAX = 65535;

    // Odd 64-bit multipliers (from SplitMix64 / MurmurHash3 / xxHash): one per hashed word. An odd multiplier is a
    // bijection mod 2^64, so a change confined to one word always changes the sum fed to the finaliser.
    private static final long K_DST_MAC = 0x9E3779B97F4A7C15L;
    private static final long K_SRC_MAC = 0xC2B2AE3D27D4EB4FL;
    private static final long K_ADDR_0 = 0x165667B19E3779F9L;
    private static final long K_ADDR_1 = 0xBF58476D1CE4E5B9L;
    private static final long K_ADDR_2 = 0x94D049BB133111EBL;
    private static final long K_ADDR_3 = 0x85EBCA77C2B2AE63L;
    private static final long K_L4 = 0xD6E8FEB86659FD93L;
    private static final long LOW_32 = 0xFFFF_FFFFL;
    private static final long LOW_48 = 0xFFFF_FFFF_FFFFL;
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_SCTP = 132;
    /** Indexed by IP protocol / next header: true for those whose first 4 bytes are the ports. Never written after. */
    private static final boolean[] PORT_PROTOCOL = new boolean[256];
    /** The IPv4 EtherType as it sits in the top 16 bits of the little-endian word at offset 6. */
    private static final long IPV4_LE = 0x0008;
    /** Word at the IPv4 header: version/IHL (byte 0) and the MF flag + fragment offset (bytes 6-7). */
    private static final long IPV4_PLAIN_MASK = 0xFF3F_0000_0000_00FFL;
    /** Version 4, IHL 5 (no options), not a fragment. */
    private static final long IPV4_PLAIN = 0x45;
    /** Fragment bits alone (MF and offset), in the word at the IPv4 header. */
    private static final long IPV4_FRAGMENT_MASK = 0xFF3F_0000_0000_0000L;
    /** Word at IPv4 header + 8: protocol (byte 1) and source address (bytes 4-7); TTL and checksum are not flow data. */
    private static final long IPV4_PROTOCOL_AND_SOURCE = 0xFFFF_FFFF_0000_FF00L;
    /** Bytes that hold the whole flow of an untagged, option-less IPv4 TCP/UDP/SCTP frame: up to the ports. */
    private static final int FAST_LENGTH = Ethernet.HEADER_LENGTH + IPV4_MIN_HEADER + 4;
    /** Unchecked native reads are possible here (unaligned loads allowed): direct buffers skip the accessor checks. */
    private static final boolean RAW = PlatformDependent.hasUnsafe() && PlatformDependent.isUnaligned();

    static {
        PORT_PROTOCOL[PROTO_TCP] = true;
        PORT_PROTOCOL[PROTO_UDP] = true;
        PORT_PROTOCOL[PROTO_SCTP] = true;
    }

    private FlowHash() {}

    /**
     * Hashes the frame between {@code readerIndex} and {@code writerIndex}. Reads only; never moves indices or
     * takes ownership. A truncated frame hashes whatever complete fields it has. The value depends on the bytes only,
     * not on the kind of buffer.
     */
    public static int hash(ByteBuf frame) {
        int offset = frame.readerIndex();
        int end = frame.writerIndex();
        if (RAW && end - offset >= FAST_LENGTH && frame.hasMemoryAddress()) {
            // The common frame (untagged IPv4, no options, not a fragment, TCP/UDP/SCTP): five loads at fixed offsets
            // from the address, all inside the length checked once above (memoryAddress() checks the buffer is live).
            long p = frame.memoryAddress() + offset;
            long sourceAndType = raw64(p + 6);
            long ip = raw64(p + 14);
            long protocolAndSource = raw64(p + 22);
            if ((((sourceAndType >>> 48) ^ IPV4_LE) | ((ip & IPV4_PLAIN_MASK) ^ IPV4_PLAIN)) == 0
                    && PORT_PROTOCOL[(int) (protocolAndSource >>> 8) & 0xFF]) {
                return finish(raw64(p) * K_DST_MAC
                        + sourceAndType * K_SRC_MAC
                        + (protocolAndSource & IPV4_PROTOCOL_AND_SOURCE) * K_ADDR_0
                        + raw64(p + 30) * K_L4);
            }
        }
        return general(frame, offset, end);
    }

    /** Any frame in any buffer; gives the same value as the fast path of {@link #hash} where that one applies. */
    private static int general(ByteBuf frame, int offset, int end) {
        // A live direct buffer is read through its address (each read below is guarded by a length check); 0: read
        // through the accessors.
        long address = RAW && frame.hasMemoryAddress() ? frame.memoryAddress() : 0;
        if (end - offset < Ethernet.HEADER_LENGTH) {
            return end - offset >= 4 ? finish((int32(frame, address, offset) & LOW_32) * K_DST_MAC) : finish(0);
        }
        long sourceAndType = int64(frame, address, offset + 6); // source MAC, EtherType (or the TPID of a tag)
        int l3 = offset + Ethernet.HEADER_LENGTH;
        int type = Character.reverseBytes((char) (sourceAndType >>> 48));
        if (Ethernet.isVlanTpid(type)) {
            // Tagged: the EtherType that counts is the one after the tags (the VLAN id is not flow data).
            l3 = Ethernet.payloadOffset(frame, offset);
            type = l3 < 0 ? 0xFFFF : frame.getUnsignedShort(l3 - 2);
            sourceAndType = (sourceAndType & LOW_48) | (long) Character.reverseBytes((char) type) << 48;
        }
        long h = int64(frame, address, offset) * K_DST_MAC + sourceAndType * K_SRC_MAC;
        if (type == Ethernet.TYPE_IPV4 && l3 + IPV4_MIN_HEADER <= end) {
            h += ipv4(frame, address, l3, end);
        } else if (type == Ethernet.TYPE_IPV6 && l3 + IPV6_HEADER <= end) {
            h += ipv6(frame, address, l3, end);
        }
        return finish(h);
    }

    /** The IPv4 part of the sum: addresses, protocol and, for unfragmented TCP/UDP/SCTP, the ports. */
    private static long ipv4(ByteBuf frame, long address, int l3, int end) {
        long word0 = int64(frame, address, l3); // version/IHL, TOS, length, id, flags/fragment offset
        long word1 = int64(frame, address, l3 + 8); // TTL, protocol, checksum, source address
        int ihl = ((int) word0 & 0x0F) << 2;
        // Ports only from unfragmented packets: later fragments have none, so a flow must not depend on them.
        boolean hasPorts = (word0 & IPV4_FRAGMENT_MASK) == 0
                && isPortProtocol((int) (word1 >>> 8) & 0xFF)
                && ihl >= IPV4_MIN_HEADER
                && l3 + ihl + 4 <= end;
        long addressAndPorts; // destination address, then the ports (0 if none)
        if (hasPorts && ihl == IPV4_MIN_HEADER) {
            addressAndPorts = int64(frame, address, l3 + 16);
        } else {
            addressAndPorts = int32(frame, address, l3 + 16) & LOW_32;
            if (hasPorts) {
                addressAndPorts |= (long) int32(frame, address, l3 + ihl) << 32;
            }
        }
        return (word1 & IPV4_PROTOCOL_AND_SOURCE) * K_ADDR_0 + addressAndPorts * K_L4;
    }

    /** The IPv6 part of the sum: addresses, next header, flow label and, for TCP/UDP/SCTP, the ports. */
    private static long ipv6(ByteBuf frame, long address, int l3, int end) {
        long word0 = int64(frame, address, l3); // version, class, flow label, payload length, next, hops
        int next = (int) (word0 >>> 48) & 0xFF;
        // flow label (20 bits) in bits 0-3 and 8-23, next header in bits 24-31, ports above
        long labelAndNext = ((word0 & 0xFFFF_0F00L) >>> 8) | ((word0 >>> 24) & 0xFF00_0000L);
        long ports = isPortProtocol(next) && l3 + IPV6_HEADER + 4 <= end
                ? (long) int32(frame, address, l3 + IPV6_HEADER) << 32
                : 0;
        return int64(frame, address, l3 + 8) * K_ADDR_0
                + int64(frame, address, l3 + 16) * K_ADDR_1
                + int64(frame, address, l3 + 24) * K_ADDR_2
                + int64(frame, address, l3 + 32) * K_ADDR_3
                + (labelAndNext | ports) * K_L4;
    }

    /**
     * Maps {@code hash} onto {@code min..max} (inclusive) evenly, for the UDP source port.
     *
     * @throws IllegalArgumentException unless {@code 0 <= min <= max <= 65535}
     */
    public static int sourcePort(int hash, int min, int max) {
        if (min < 0 || max > 0xFFFF || min > max) {
            throw new IllegalArgumentException(
                    "source port range: " + min + ".." + max + " (expected: 0 <= min <= max <= 65535)");
        }
        // Multiply-shift on the unsigned hash: uniform for any range size, no division.
        return min + (int) (((hash & 0xFFFF_FFFFL) * (max - min + 1)) >>> 32);
    }

    /** {@link #sourcePort(int, int, int)} over the default range 49152..65535. */
    public static int sourcePort(int hash) {
        return DEFAULT_SOURCE_PORT_MIN
                + (int) (((hash & 0xFFFF_FFFFL) * (DEFAULT_SOURCE_PORT_MAX - DEFAULT_SOURCE_PORT_MIN + 1)) >>> 32);
    }

    /** An 8-bit NVGRE FlowID (0..255) from {@code hash}. */
    public static int flowId(int hash) {
        return (hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xFF;
    }

    private static boolean isPortProtocol(int protocol) {
        return PORT_PROTOCOL[protocol & 0xFF];
    }

    /** The little-endian long at native address {@code at} (unchecked). */
    private static long raw64(long at) {
        long v = PlatformDependent.getLong(at);
        return PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? Long.reverseBytes(v) : v;
    }

    /** The little-endian long at {@code index}: through {@code address} when non-zero (unchecked), else the accessor. */
    private static long int64(ByteBuf frame, long address, int index) {
        return address == 0 ? frame.getLongLE(index) : raw64(address + index);
    }

    /** The little-endian int at {@code index}, like {@link #int64}. */
    private static int int32(ByteBuf frame, long address, int index) {
        if (address == 0) {
            return frame.getIntLE(index);
        }
        int v = PlatformDependent.getInt(address + index);
        return PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? Integer.reverseBytes(v) : v;
    }

    // The sum's high half folded into its low half, one odd multiply (a bijection that carries every low bit into
    // the high half), and the high half kept: the top bits of the value, which pick the source port, depend on every
    // bit of the sum; the FlowID folds all four bytes. The spread over ports and FlowIDs of neighbouring flows is
    // tested.
    private static int finish(long h) {
        return (int) (((h ^ (h >>> 32)) * 0xFF51AFD7ED558CCDL) >>> 32);
    }
}
