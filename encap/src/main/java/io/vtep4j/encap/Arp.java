package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;

/**
 * Static accessors for an ARP packet for IPv4 over Ethernet (RFC 826), the payload of an EtherType 0x0806 frame:
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    hardware type (1)          |    protocol type (0x0800)     |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  hlen (6)     |  plen (4)     |    operation (1 req, 2 reply) |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |  sender hardware address (6) ... sender protocol address (4)  |
 * |  target hardware address (6) ... target protocol address (4)  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * Offsets are relative to the start of the ARP packet; nothing here moves indices or allocates. Stateless,
 * thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc826">RFC 826</a>
 */
public final class Arp {

    /** Length of an ARP packet for IPv4 over Ethernet. */
    public static final int LENGTH = 28;

    public static final int HARDWARE_TYPE_OFFSET = 0;
    public static final int PROTOCOL_TYPE_OFFSET = 2;
    public static final int HARDWARE_LENGTH_OFFSET = 4;
    public static final int PROTOCOL_LENGTH_OFFSET = 5;
    public static final int OPERATION_OFFSET = 6;
    public static final int SENDER_MAC_OFFSET = 8;
    public static final int SENDER_IP_OFFSET = 14;
    public static final int TARGET_MAC_OFFSET = 18;
    public static final int TARGET_IP_OFFSET = 24;

    /** Hardware type Ethernet (RFC 826 ar$hrd). */
    public static final int HARDWARE_ETHERNET = 1;

    public static final int REQUEST = 1;
    public static final int REPLY = 2;

    /** hardware type, protocol type, hlen and plen of IPv4 over Ethernet, as one 48-bit word. */
    private static final long IPV4_OVER_ETHERNET = 0x0001_0800_0604L;

    private Arp() {}

    /**
     * The operation (1 request, 2 reply) of an ARP packet for IPv4 over Ethernet at {@code offset}, or -1 if the
     * packet is truncated (before {@code writerIndex}) or of another hardware or protocol.
     */
    public static int operation(ByteBuf buf, int offset) {
        if (offset + LENGTH > buf.writerIndex()) {
            return -1;
        }
        if (((long) buf.getInt(offset) << 16 | buf.getUnsignedShort(offset + HARDWARE_LENGTH_OFFSET))
                != IPV4_OVER_ETHERNET) {
            return -1;
        }
        return buf.getUnsignedShort(offset + OPERATION_OFFSET);
    }

    /** The sender's MAC (48 bits); the packet must have been checked with {@link #operation}. */
    public static long senderMac(ByteBuf buf, int offset) {
        return Ethernet.mac(buf, offset + SENDER_MAC_OFFSET);
    }

    /** The sender's IPv4 address as an unsigned 32-bit value. */
    public static long senderIp(ByteBuf buf, int offset) {
        return buf.getUnsignedInt(offset + SENDER_IP_OFFSET);
    }

    /** The target's IPv4 address as an unsigned 32-bit value. */
    public static long targetIp(ByteBuf buf, int offset) {
        return buf.getUnsignedInt(offset + TARGET_IP_OFFSET);
    }

    /**
     * True if {@code ip} may be bound to a host: not 0.0.0.0/8 (this network, the 0.0.0.0 of a probe), not loopback,
     * not multicast, not limited broadcast or reserved (224.0.0.0 and up).
     */
    public static boolean isHostAddress(long ip) {
        int first = (int) (ip >>> 24);
        return first != 0 && first != 127 && first < 224;
    }
}
