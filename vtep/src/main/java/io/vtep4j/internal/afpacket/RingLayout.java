package io.vtep4j.internal.afpacket;

/**
 * The memory layout of a {@code TPACKET_V3} receive ring ({@code <linux/if_packet.h>}), as offsets in bytes. The ring
 * is {@code block_nr} blocks of {@code block_size} bytes; each block starts with a {@code tpacket_block_desc} and
 * holds frames, each a {@code tpacket3_hdr}, a {@code sockaddr_ll} and the frame from {@code tp_mac} on, chained by
 * {@code tp_next_offset}. Host byte order (little-endian on the CPUs this runs on).
 */
final class RingLayout {

    // struct tpacket_block_desc { u32 version; u32 offset_to_priv; struct tpacket_hdr_v1 hdr; }
    static final int BLOCK_STATUS = 8;
    static final int BLOCK_NUM_PKTS = 12;
    static final int BLOCK_OFFSET_TO_FIRST_PKT = 16;
    static final int BLOCK_LEN = 20;
    static final int BLOCK_SEQ_NUM = 24;
    /** sizeof(struct tpacket_block_desc), aligned as the kernel places the first frame. */
    static final int BLOCK_HEADER_LENGTH = 48;

    // struct tpacket3_hdr
    static final int TP_NEXT_OFFSET = 0;
    static final int TP_SNAPLEN = 12;
    static final int TP_LEN = 16;
    static final int TP_STATUS = 20;
    static final int TP_MAC = 24;
    static final int TP_VLAN_TCI = 32;
    static final int TP_VLAN_TPID = 36;
    /** TPACKET_ALIGN(sizeof(struct tpacket3_hdr)): where the sockaddr_ll follows. */
    static final int TP_HEADER_LENGTH = 48;
    /** sockaddr_ll.sll_pkttype, from the frame header. */
    static final int SLL_PKTTYPE = TP_HEADER_LENGTH + 10;

    // tp_status / block_status bits
    static final int TP_STATUS_KERNEL = 0;
    static final int TP_STATUS_USER = 1;
    static final int TP_STATUS_COPY = 1 << 1;
    static final int TP_STATUS_VLAN_VALID = 1 << 4;
    static final int TP_STATUS_BLK_TMO = 1 << 5;
    static final int TP_STATUS_VLAN_TPID_VALID = 1 << 6;

    /** sll_pkttype of a frame this host sent. */
    static final int PACKET_OUTGOING = 4;

    static final int TPID_8021Q = 0x8100;
    static final int TPID_8021AD = 0x88A8;

    private RingLayout() {}
}
