package io.vtep4j.internal.mmsg;

/**
 * The native structures {@code recvmmsg(2)} / {@code sendmmsg(2)} read and write, as named offsets and lengths for
 * Linux on a 64-bit little-endian CPU (LP64: pointers and {@code size_t} are 8 bytes, structures are 8-aligned).
 * Each offset is derived from the field before it, so the layout reads like the C declaration.
 *
 * <pre>
 * struct mmsghdr {                     struct msghdr {
 *     struct msghdr msg_hdr;   0 .. 55     void         *msg_name;        0
 *     unsigned int  msg_len;  56           socklen_t     msg_namelen;     8  (+4 padding)
 * };                          (64)         struct iovec *msg_iov;        16
 *                                          size_t        msg_iovlen;     24
 * struct iovec {                           void         *msg_control;    32
 *     void  *iov_base;         0           size_t        msg_controllen; 40
 *     size_t iov_len;          8           int           msg_flags;      48  (+4 padding)
 * };                          (16)     };                               (56)
 *
 * struct cmsghdr {                     struct sockaddr_in6 {            struct sockaddr_in {
 *     size_t cmsg_len;         0           sa_family_t sin6_family;  0      sa_family_t sin_family;  0
 *     int    cmsg_level;       8           in_port_t   sin6_port;    2      in_port_t   sin_port;    2
 *     int    cmsg_type;       12           uint32_t    sin6_flowinfo;4      struct in_addr sin_addr; 4
 *     unsigned char data[];   16           struct in6_addr sin6_addr;8      (8 bytes zero)
 * };                                       uint32_t    sin6_scope_id;24 };                        (16)
 *                                      };                          (28)
 * struct in_pktinfo {                  struct in6_pktinfo {
 *     int ipi_ifindex;         0           struct in6_addr ipi6_addr;    0
 *     struct in_addr ipi_spec_dst; 4       int ipi6_ifindex;            16
 *     struct in_addr ipi_addr; 8       };                               (20)
 * };                          (12)
 * </pre>
 *
 * Families and lengths are in host order (little-endian here), ports and addresses in network order. Constants
 * only; never instantiated.
 */
final class MmsgLayout {

    /** A pointer or {@code size_t}. */
    static final int WORD = 8;

    // ---- struct msghdr, struct mmsghdr
    static final int MSG_NAME_OFFSET = 0;
    static final int MSG_NAMELEN_OFFSET = MSG_NAME_OFFSET + WORD;
    /** After the 4-byte {@code msg_namelen} and 4 bytes of padding. */
    static final int MSG_IOV_OFFSET = MSG_NAMELEN_OFFSET + WORD;

    static final int MSG_IOVLEN_OFFSET = MSG_IOV_OFFSET + WORD;
    static final int MSG_CONTROL_OFFSET = MSG_IOVLEN_OFFSET + WORD;
    static final int MSG_CONTROLLEN_OFFSET = MSG_CONTROL_OFFSET + WORD;
    static final int MSG_FLAGS_OFFSET = MSG_CONTROLLEN_OFFSET + WORD;
    /** {@code sizeof(struct msghdr)}: the 4-byte {@code msg_flags} padded to the structure's alignment. */
    static final int MSGHDR_LENGTH = MSG_FLAGS_OFFSET + WORD;
    /** {@code mmsghdr.msg_len}: bytes received or sent for this message. */
    static final int MSG_LEN_OFFSET = MSGHDR_LENGTH;
    /** {@code sizeof(struct mmsghdr)}. */
    static final int MMSGHDR_LENGTH = MSG_LEN_OFFSET + WORD;

    // ---- struct iovec
    static final int IOV_BASE_OFFSET = 0;
    static final int IOV_LEN_OFFSET = IOV_BASE_OFFSET + WORD;
    static final int IOVEC_LENGTH = IOV_LEN_OFFSET + WORD;

    // ---- struct cmsghdr
    static final int CMSG_LEN_OFFSET = 0;
    static final int CMSG_LEVEL_OFFSET = CMSG_LEN_OFFSET + WORD;
    static final int CMSG_TYPE_OFFSET = CMSG_LEVEL_OFFSET + Integer.BYTES;
    /** {@code CMSG_DATA}: where the payload of a control message starts. */
    static final int CMSG_DATA_OFFSET = CMSG_TYPE_OFFSET + Integer.BYTES;

    // ---- struct sockaddr_in, struct sockaddr_in6
    static final int SA_FAMILY_OFFSET = 0;
    static final int SIN_PORT_OFFSET = SA_FAMILY_OFFSET + Short.BYTES;
    static final int SIN_ADDR_OFFSET = SIN_PORT_OFFSET + Short.BYTES;
    /** {@code sin_zero}: 8 bytes of padding up to the size of the generic {@code struct sockaddr}. */
    static final int SIN_ZERO_OFFSET = SIN_ADDR_OFFSET + Integer.BYTES;

    static final int SOCKADDR_IN_LENGTH = SIN_ZERO_OFFSET + 8;
    static final int SIN6_FLOWINFO_OFFSET = SIN_PORT_OFFSET + Short.BYTES;
    static final int SIN6_ADDR_OFFSET = SIN6_FLOWINFO_OFFSET + Integer.BYTES;
    static final int SIN6_SCOPE_ID_OFFSET = SIN6_ADDR_OFFSET + 16;
    static final int SOCKADDR_IN6_LENGTH = SIN6_SCOPE_ID_OFFSET + Integer.BYTES;
    /** Room per address in a vector: the larger {@code sockaddr_in6}, rounded up to 8. */
    static final int SOCKADDR_SLOT_LENGTH = align(SOCKADDR_IN6_LENGTH);

    // ---- struct in_pktinfo, struct in6_pktinfo (IP_PKTINFO / IPV6_PKTINFO control messages)
    static final int IPI_IFINDEX_OFFSET = 0;
    static final int IPI_SPEC_DST_OFFSET = IPI_IFINDEX_OFFSET + Integer.BYTES;
    /** The destination address of the IP header. */
    static final int IPI_ADDR_OFFSET = IPI_SPEC_DST_OFFSET + Integer.BYTES;

    static final int IN_PKTINFO_LENGTH = IPI_ADDR_OFFSET + Integer.BYTES;
    /** The destination address of the IPv6 header. */
    static final int IPI6_ADDR_OFFSET = 0;

    static final int IPI6_IFINDEX_OFFSET = IPI6_ADDR_OFFSET + 16;
    static final int IN6_PKTINFO_LENGTH = IPI6_IFINDEX_OFFSET + Integer.BYTES;

    // ---- constants of <linux/socket.h>, <linux/in.h>, <linux/in6.h>, <linux/udp.h>
    static final int AF_INET = 2;
    static final int AF_INET6 = 10;
    /** {@code SOL_IP} (IPPROTO_IP). */
    static final int SOL_IP = 0;
    /** {@code IP_PKTINFO}: as a socket option, asks for an {@code in_pktinfo} with every datagram. */
    static final int IP_PKTINFO = 8;
    /** {@code SOL_IPV6} (IPPROTO_IPV6). */
    static final int SOL_IPV6 = 41;
    /** {@code IPV6_RECVPKTINFO}: the socket option asking for {@code in6_pktinfo} control messages. */
    static final int IPV6_RECVPKTINFO = 49;
    /** {@code IPV6_PKTINFO}: the type of those control messages. */
    static final int IPV6_PKTINFO = 50;
    /** {@code SOL_UDP} (IPPROTO_UDP). */
    static final int SOL_UDP = 17;
    /** {@code UDP_SEGMENT}: the GSO segment size of one message, a {@code uint16_t}. */
    static final int UDP_SEGMENT = 103;
    /**
     * {@code UDP_GRO}: as a socket option, lets the kernel coalesce same-flow datagrams into one message; as a
     * received control message, the segment size of a coalesced message (an int).
     */
    static final int UDP_GRO = 104;
    /** {@code IP_TOS}: as a control message on send, the TOS byte of this datagram (an int). */
    static final int IP_TOS = 1;
    /** {@code IP_TTL}: as a control message on send, the TTL of this datagram (an int). */
    static final int IP_TTL = 2;
    /** {@code IPV6_HOPLIMIT}: as a control message on send, the hop limit of this datagram (an int). */
    static final int IPV6_HOPLIMIT = 52;
    /** {@code IPV6_TCLASS}: as a control message on send, the traffic class of this datagram (an int). */
    static final int IPV6_TCLASS = 67;
    /** {@code IP_TOS}: as a received control message (IP_RECVTOS on), the datagram's TOS byte (one byte). */
    static final int IP_RECVTOS_CMSG = IP_TOS;
    /** {@code IPV6_TCLASS}: as a received control message (IPV6_RECVTCLASS on), the traffic class (an int). */
    static final int IPV6_TCLASS_CMSG = IPV6_TCLASS;
    /** {@code SOL_SOCKET}. */
    static final int SOL_SOCKET = 1;
    /**
     * {@code SO_RXQ_OVFL}: as a socket option, asks for the socket's drop counter with each datagram; as a control
     * message, that counter (a {@code uint32_t} running count) as it stood when the datagram was queued.
     */
    static final int SO_RXQ_OVFL = 40;
    /** {@code MSG_TRUNC} in {@code msg_flags}: the datagram was longer than the buffer. */
    static final int MSG_TRUNC = 0x20;
    /** {@code MSG_CTRUNC} in {@code msg_flags}: control messages did not fit the control buffer. */
    static final int MSG_CTRUNC = 0x08;
    /** {@code MSG_DONTWAIT}. */
    static final int MSG_DONTWAIT = 0x40;

    /** {@code CMSG_SPACE} of a {@code UDP_SEGMENT} control message. */
    static final int UDP_SEGMENT_CMSG_SPACE = cmsgSpace(Short.BYTES);
    /** {@code CMSG_SPACE} of the per-datagram outer header: a TOS / traffic class and a TTL / hop limit, ints. */
    static final int OUTER_HEADER_CMSG_SPACE = 2 * cmsgSpace(Integer.BYTES);
    /** Control buffer per sent message: a GSO segment size and the outer header fields. */
    static final int SEND_CONTROL_LENGTH = cmsgSpace(Short.BYTES) + OUTER_HEADER_CMSG_SPACE;
    /** Control buffer per received datagram for the {@code SO_RXQ_OVFL} drop counter. */
    static final int RXQ_OVFL_CONTROL_LENGTH = cmsgSpace(Integer.BYTES);
    /** Control buffer per received datagram: one {@code in6_pktinfo} (the larger) with room to spare. */
    static final int PKTINFO_CONTROL_LENGTH = 2 * cmsgSpace(IN6_PKTINFO_LENGTH);
    /**
     * Control buffer per received datagram: the packet info and the outer TOS / traffic class (an IPv6 socket that
     * also receives IPv4 may report both IP_TOS and IPV6_TCLASS), with room to spare.
     */
    static final int RECEIVE_CONTROL_LENGTH = PKTINFO_CONTROL_LENGTH + 2 * cmsgSpace(Integer.BYTES);
    /** Control buffer per received message for the {@code UDP_GRO} segment size, on a socket with GRO on. */
    static final int GRO_CONTROL_LENGTH = cmsgSpace(Integer.BYTES);

    private MmsgLayout() {}

    /** {@code CMSG_ALIGN}: rounds up to the 8-byte alignment of control messages (and of structures here). */
    static int align(int length) {
        return (length + WORD - 1) & -WORD;
    }

    /** {@code CMSG_LEN}: the {@code cmsg_len} of a control message carrying {@code dataLength} bytes. */
    static int cmsgLen(int dataLength) {
        return CMSG_DATA_OFFSET + dataLength;
    }

    /** {@code CMSG_SPACE}: the room a control message carrying {@code dataLength} bytes takes in a buffer. */
    static int cmsgSpace(int dataLength) {
        return CMSG_DATA_OFFSET + align(dataLength);
    }
}
