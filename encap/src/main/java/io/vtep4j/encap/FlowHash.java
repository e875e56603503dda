package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

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

    private static final int SEED = 0x9747b28c;
    private static final int IPV4_MIN_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int PROTO_TCP = 6;
    private static final int PROTO_UDP = 17;
    private static final int PROTO_SCTP = 132;

    private FlowHash() {
    }

    /**
     * Hashes the frame between {@code readerIndex} and {@code writerIndex}. Reads only; never moves indices or
     * takes ownership. A truncated frame hashes whatever complete fields it has.
     */
    public static int hash(ByteBuf frame) {
        int offset = frame.readerIndex();
        int end = frame.writerIndex();
        if (end - offset < Ethernet.HEADER_LENGTH) {
            return end - offset >= 4 ? finish(mix(SEED, frame.getInt(offset))) : finish(SEED);
        }
        // Few, wide reads: every ByteBuf accessor pays its own bounds and accessibility checks.
        long macs = frame.getLong(offset);
        int h = SEED;
        h = mix(h, (int) (macs >>> 32));
        h = mix(h, (int) macs);
        h = mix(h, frame.getInt(offset + 8));
        int l3 = Ethernet.payloadOffset(frame, offset);
        int type = l3 < 0 ? -1 : frame.getUnsignedShort(l3 - 2);
        h = mix(h, type);
        if (type == Ethernet.TYPE_IPV4 && l3 + IPV4_MIN_HEADER <= end) {
            long word0 = frame.getLong(l3);       // version/IHL, TOS, length, id, flags/fragment offset
            long word1 = frame.getLong(l3 + 8);   // TTL, protocol, checksum, source address
            int ihl = (int) (word0 >>> 54) & 0x3C;
            int protocol = (int) (word1 >>> 48) & 0xFF;
            h = mix(h, protocol);
            h = mix(h, (int) word1);
            h = mix(h, frame.getInt(l3 + 16));
            // Ports only from unfragmented packets: later fragments have none, so a flow must not depend on them.
            boolean notFragment = (word0 & 0x3FFF) == 0;
            if (notFragment && isPortProtocol(protocol) && ihl >= IPV4_MIN_HEADER && l3 + ihl + 4 <= end) {
                h = mix(h, frame.getInt(l3 + ihl));
            }
        } else if (type == Ethernet.TYPE_IPV6 && l3 + IPV6_HEADER <= end) {
            long word0 = frame.getLong(l3);       // version, class, flow label, payload length, next, hops
            int next = (int) (word0 >>> 8) & 0xFF;
            h = mix(h, next);
            h = mix(h, (int) (word0 >>> 32) & 0xFFFFF); // flow label
            for (int i = 8; i < IPV6_HEADER; i += 8) {
                long address = frame.getLong(l3 + i);
                h = mix(h, (int) (address >>> 32));
                h = mix(h, (int) address);
            }
            if (isPortProtocol(next) && l3 + IPV6_HEADER + 4 <= end) {
                h = mix(h, frame.getInt(l3 + IPV6_HEADER));
            }
        }
        return finish(h);
    }

    /**
     * Maps {@code hash} onto {@code min..max} (inclusive) evenly, for the UDP source port.
     *
     * @throws IllegalArgumentException unless {@code 0 <= min <= max <= 65535}
     */
    public static int sourcePort(int hash, int min, int max) {
        if (min < 0 || max > 0xFFFF || min > max) {
            throw new IllegalArgumentException("source port range: " + min + ".." + max
                    + " (expected: 0 <= min <= max <= 65535)");
        }
        // Multiply-shift on the unsigned hash: uniform for any range size, no division.
        return min + (int) (((hash & 0xFFFF_FFFFL) * (max - min + 1)) >>> 32);
    }

    /** {@link #sourcePort(int, int, int)} over the default range 49152..65535. */
    public static int sourcePort(int hash) {
        return DEFAULT_SOURCE_PORT_MIN + (int) (((hash & 0xFFFF_FFFFL)
                * (DEFAULT_SOURCE_PORT_MAX - DEFAULT_SOURCE_PORT_MIN + 1)) >>> 32);
    }

    /** An 8-bit NVGRE FlowID (0..255) from {@code hash}. */
    public static int flowId(int hash) {
        return (hash ^ (hash >>> 8) ^ (hash >>> 16) ^ (hash >>> 24)) & 0xFF;
    }

    private static boolean isPortProtocol(int protocol) {
        return protocol == PROTO_TCP || protocol == PROTO_UDP || protocol == PROTO_SCTP;
    }

    // MurmurHash3 (x86_32) block mixing and finaliser: good avalanche at a few cycles per word.
    private static int mix(int h, int k) {
        k *= 0xcc9e2d51;
        k = Integer.rotateLeft(k, 15);
        k *= 0x1b873593;
        h ^= k;
        h = Integer.rotateLeft(h, 13);
        return h * 5 + 0xe6546b64;
    }

    private static int finish(int h) {
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return h;
    }
}
