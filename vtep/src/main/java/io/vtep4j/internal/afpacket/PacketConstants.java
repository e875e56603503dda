package io.vtep4j.internal.afpacket;

/**
 * The constants of the packet socket ({@code <linux/if_packet.h>}, {@code <linux/if_ether.h>}); the calls that take
 * them, and the socket-wide ones, are {@link io.vtep4j.internal.libc.LibC}'s.
 */
final class PacketConstants {

    static final int AF_PACKET = 17;
    /** {@code <linux/if_ether.h>}: every protocol, in network byte order as {@code socket(2)} wants it. */
    static final int ETH_P_ALL_BE = 0x0300;

    static final int SOL_PACKET = 263;
    static final int PACKET_ADD_MEMBERSHIP = 1;
    static final int PACKET_RX_RING = 5;
    static final int PACKET_STATISTICS = 6;
    static final int PACKET_VERSION = 10;
    static final int PACKET_QDISC_BYPASS = 20;
    static final int PACKET_IGNORE_OUTGOING = 23;
    static final int TPACKET_V3 = 2;
    static final int PACKET_MR_PROMISC = 1;

    private PacketConstants() {}
}
