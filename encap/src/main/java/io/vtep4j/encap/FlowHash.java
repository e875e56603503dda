package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;

/**
 * The inner-flow entropy hash: one 32-bit value per flow, from the inner MACs, EtherType and, when present, the
 * IPv4/IPv6 addresses and TCP/UDP/SCTP ports. It drives the VXLAN / GRE-in-UDP UDP source port (RFC 7348 §5,
 * RFC 8086 §3) and the NVGRE FlowID (RFC 7637 §3.2). Stateless, thread-safe, allocation-free; never moves indices.
 */
public final class FlowHash {
    /** RFC 7348 §5 / RFC 6335: the dynamic port range, recommended for the entropy source port. */
    public static final int DEFAULT_SOURCE_PORT_MIN = 49152;
    /** Top of the dynamic port range. */
    public static final int DEFAULT_SOURCE_PORT_MAX = 65535;

    private static final long SEED = 0x9747b28c_5bd1e995L;
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
    private static final long TYPE_MASK = 0xFFFFL;
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_SCTP = 132;
    /** Unchecked native reads are possible here (unaligned loads allowed): direct buffers skip the accessor checks. */
    private static final boolean RAW = PlatformDependent.hasUnsafe() && PlatformDependent.isUnaligned();

    private FlowHash() {}

    /**
     * Hashes the frame between {@code readerIndex} and {@code writerIndex}. Reads only; never moves indices or
     * takes ownership. A truncated frame hashes whatever complete fields it has. The value depends on the bytes only,
     * not on the kind of buffer.
     */
    public static int hash(ByteBuf frame) {
        int offset = frame.readerIndex();
        int end = frame.writerIndex();
        // A live direct buffer is read through its address: every read below stays inside readerIndex..writerIndex
        // (each is guarded by a length check), so the per-call bounds and reference-count checks of the ByteBuf
        // accessors (five or six calls) are done once here instead. 0: read through the accessors.
        long address = RAW && frame.hasMemoryAddress() && frame.refCnt() > 0 ? frame.memoryAddress() : 0;
        if (end - offset < Ethernet.HEADER_LENGTH) {
            return end - offset >= 4 ? finish(SEED + int32(frame, address, offset) * K_DST_MAC) : finish(SEED);
        }
        // Few, wide reads (every ByteBuf accessor pays its own bounds and accessibility checks), each flow word
        // multiplied by its own odd constant and summed: the multiplies are independent, so they overlap in the
        // CPU instead of forming one long dependency chain; a single 64-bit finaliser then does the avalanche.
        long macs = int64(frame, address, offset); // destination MAC, first 2 bytes of the source MAC
        long sourceAndType = int64(frame, address, offset + 6); // source MAC, EtherType (or the TPID of a tag)
        int l3 = offset + Ethernet.HEADER_LENGTH;
        int type = (int) (sourceAndType & TYPE_MASK);
        if (Ethernet.isVlanTpid(type)) {
            // Tagged (rare): the EtherType that counts is the one after the tags (the VLAN id is not flow data).
            l3 = Ethernet.payloadOffset(frame, offset);
            type = l3 < 0 ? -1 : frame.getUnsignedShort(l3 - 2);
        }
        long h = SEED + macs * K_DST_MAC + ((sourceAndType & ~TYPE_MASK) | (type & TYPE_MASK)) * K_SRC_MAC;
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
        long word1 = int64(frame, address, l3 + 8); // TTL, protocol, checksum, source address (TTL/checksum unused)
        int ihl = (int) (word0 >>> 54) & 0x3C;
        int protocol = (int) (word1 >>> 48) & 0xFF;
        // Ports only from unfragmented packets: later fragments have none, so a flow must not depend on them.
        boolean hasPorts =
                (word0 & 0x3FFF) == 0 && isPortProtocol(protocol) && ihl >= IPV4_MIN_HEADER && l3 + ihl + 4 <= end;
        int destination;
        int ports = 0;
        if (hasPorts && ihl == IPV4_MIN_HEADER) {
            long tail = int64(frame, address, l3 + 16); // common case, no options: destination address + both ports
            destination = (int) (tail >>> 32);
            ports = (int) tail;
        } else {
            destination = int32(frame, address, l3 + 16);
            if (hasPorts) {
                ports = int32(frame, address, l3 + ihl);
            }
        }
        long addresses = (word1 << 32) | (destination & LOW_32);
        return addresses * K_ADDR_0 + (((long) protocol << 32) | (ports & LOW_32)) * K_L4;
    }

    /** The IPv6 part of the sum: addresses, next header, flow label and, for TCP/UDP/SCTP, the ports. */
    private static long ipv6(ByteBuf frame, long address, int l3, int end) {
        long word0 = int64(frame, address, l3); // version, class, flow label, payload length, next, hops
        int next = (int) (word0 >>> 8) & 0xFF;
        long flowLabel = (word0 >>> 32) & 0xFFFFF;
        int ports = isPortProtocol(next) && l3 + IPV6_HEADER + 4 <= end ? int32(frame, address, l3 + IPV6_HEADER) : 0;
        return int64(frame, address, l3 + 8) * K_ADDR_0
                + int64(frame, address, l3 + 16) * K_ADDR_1
                + int64(frame, address, l3 + 24) * K_ADDR_2
                + int64(frame, address, l3 + 32) * K_ADDR_3
                + ((flowLabel << 40 | (long) next << 32) | (ports & LOW_32)) * K_L4;
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
        return protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP;
    }

    /** The big-endian long at {@code index}: through {@code address} when non-zero (unchecked), else the accessor. */
    private static long int64(ByteBuf frame, long address, int index) {
        if (address == 0) {
            return frame.getLong(index);
        }
        long v = PlatformDependent.getLong(address + index);
        return PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? v : Long.reverseBytes(v);
    }

    /** The big-endian int at {@code index}, like {@link #int64}. */
    private static int int32(ByteBuf frame, long address, int index) {
        if (address == 0) {
            return frame.getInt(index);
        }
        int v = PlatformDependent.getInt(address + index);
        return PlatformDependent.BIG_ENDIAN_NATIVE_ORDER ? v : Integer.reverseBytes(v);
    }

    // The sum's high half folded into its low half, one odd multiply (a bijection that carries every low bit into
    // the high half), and the high half folded back: one multiply instead of fmix64's two. Enough avalanche for
    // the users of the value (the top bits pick the source port, all four bytes the FlowID); the spread over ports and
    // FlowIDs of neighbouring flows is tested.
    private static int finish(long h) {
        h ^= h >>> 32;
        h *= 0xFF51AFD7ED558CCDL;
        return (int) (h >>> 32) ^ (int) (h >>> 11);
    }
}
