package io.vtep4j.encap;

/**
 * Every reason the product drops a packet, as one enum a caller can count by.
 *
 * <p>Each reason has a stable kebab-case {@link #label()} (for logs, JSON and metrics) and a stable negative
 * {@link #code()}, which is what the allocation-free decoders return in place of a VNI. Codes never change once
 * published; new reasons get new codes. Immutable, thread-safe.
 */
public enum DropReason {
    // ---- VXLAN (RFC 7348) ----
    /** Fewer than 8 bytes where a VXLAN header was expected. */
    VXLAN_TRUNCATED(-1, "vxlan-truncated"),
    /** RFC 7348 §5: the I flag MUST be 1. */
    VXLAN_I_FLAG_NOT_SET(-2, "vxlan-i-flag-not-set"),
    /** Reserved VXLAN bits set; only dropped by a strict profile (the RFC says ignore them, Linux drops). */
    VXLAN_RESERVED_BITS_SET(-3, "vxlan-reserved-bits-set"),
    /** A VXLAN-GPE header (P bit set, or UDP 4790): recognised, not supported, never misread as VXLAN. */
    VXLAN_GPE_UNSUPPORTED(-4, "vxlan-gpe-unsupported"),

    // ---- inner frame (all encapsulations) ----
    /** The decapsulated frame is shorter than an Ethernet header (or than its VLAN tag needs). */
    INNER_FRAME_TOO_SHORT(-10, "inner-frame-too-short"),
    /** RFC 7348 §6.1 (SHOULD) / RFC 7637 §3.2 (MUST): the decapsulated frame carries an 802.1Q/802.1ad tag. */
    INNER_VLAN_TAGGED(-11, "inner-vlan-tagged"),

    // ---- GRE / NVGRE (RFC 2784, RFC 2890, RFC 7637) and GRE-in-UDP (RFC 8086) ----
    /** Fewer bytes than the GRE header its flags announce. */
    GRE_TRUNCATED(-20, "gre-truncated"),
    /** RFC 7637 §3.2: C and S MUST be zero for NVGRE. */
    GRE_CHECKSUM_OR_SEQUENCE_PRESENT(-21, "gre-checksum-or-sequence-present"),
    /** RFC 2784 §2.3.1 / RFC 7637: version MUST be 0. */
    GRE_VERSION_NOT_ZERO(-22, "gre-version-not-zero"),
    /** RFC 7637 §3.2: the K bit MUST be 1 (the key carries VSID and FlowID). */
    GRE_KEY_MISSING(-23, "gre-key-missing"),
    /** RFC 7637 §3.2: protocol type MUST be 0x6558 (Transparent Ethernet Bridging). GRE that is not NVGRE. */
    GRE_PROTOCOL_NOT_TEB(-24, "gre-protocol-not-teb"),
    /** RFC 2784 §2.3: a receiver MUST discard a packet with bits 1-5 other than K and S set (routing, recursion). */
    GRE_RESERVED_BITS_SET(-25, "gre-reserved-bits-set"),
    /** RFC 7637 §3.2: VSIDs 0..0xFFF are reserved, 0xFFFFFF is for vendor use; dropped by default policy. */
    NVGRE_RESERVED_VSID(-26, "nvgre-reserved-vsid"),

    // ---- outer headers ----
    /** Outer IPv4 header malformed (version, IHL, total length, header checksum). */
    OUTER_IPV4_MALFORMED(-40, "outer-ipv4-malformed"),
    /** Outer IPv6 header malformed (version, payload length, extension header chain). */
    OUTER_IPV6_MALFORMED(-41, "outer-ipv6-malformed"),
    /** Outer UDP header malformed (truncated, length field inconsistent). */
    OUTER_UDP_MALFORMED(-42, "outer-udp-malformed"),
    /** An outer IPv4 fragment: RFC 7348 §4.3, tunnel packets are not reassembled. */
    OUTER_IPV4_FRAGMENT(-43, "outer-ipv4-fragment"),
    /** An outer IPv6 packet with a Fragment extension header: not reassembled either. */
    OUTER_IPV6_FRAGMENT(-44, "outer-ipv6-fragment"),
    /**
     * Addressed to neither a local address of this VTEP nor a group it joined (a socket bound to the wildcard address
     * to receive groups also sees the host's other addresses).
     */
    WRONG_DESTINATION(-45, "wrong-destination"),

    // ---- engine ----
    /** No segment is configured for the packet's VNI/VSID. */
    UNKNOWN_VNI(-60, "unknown-vni"),
    /** The outer source is not on the segment's allow-list of remote VTEPs (RFC 7348 §7). */
    REMOTE_NOT_ALLOWED(-61, "remote-not-allowed"),
    /** The encapsulated packet would exceed the underlay MTU; VTEPs MUST NOT fragment (RFC 7348 §4.3). */
    MTU_EXCEEDED(-62, "mtu-exceeded"),
    /** A frame from a local port is shorter than an Ethernet header. */
    LOCAL_FRAME_TOO_SHORT(-63, "local-frame-too-short"),
    /** A tagged frame on a gateway trunk whose VLAN maps to no segment. */
    UNMAPPED_VLAN(-64, "unmapped-vlan"),
    /** The underlay write failed. */
    SEND_FAILED(-65, "send-failed"),
    /** A flood had nowhere to go (no other local port, empty flood list); counted, not an error. */
    NO_FLOOD_TARGETS(-66, "no-flood-targets"),
    /**
     * The outer source address is one of this VTEP's own local addresses: its own flood looped back (a flood list or
     * multicast group that reaches itself) or a spoofed packet. Never learned: our own MACs must not become remote.
     */
    SOURCE_IS_LOCAL(-67, "source-is-local"),
    /**
     * An IEEE 802.1D / 802.1Q reserved link-local destination, 01:80:C2:00:00:00..0F (STP, PAUSE, LACP, EAPOL, LLDP):
     * a bridge consumes these and never relays them, so by default neither does a segment.
     */
    LINK_LOCAL_FRAME(-68, "link-local-frame"),
    /** A broadcast, multicast or unknown-unicast frame from a local port above the segment's flood limit. */
    FLOOD_LIMITED(-69, "flood-limited"),
    /** An unexpected failure inside the engine (a bug, or an Error): whatever packet was in hand was dropped. */
    INTERNAL_ERROR(-70, "internal-error"),
    /**
     * A send from a thread outside the underlay's event loops found that loop's hand-over queue full (direct I/O: a
     * bounded number of frames may wait for the loop at once): the application sends faster than the loop drains.
     */
    SEND_QUEUE_FULL(-71, "send-queue-full"),
    /**
     * Tunnel packets the kernel dropped at an underlay socket before the engine read them, mostly because its receive
     * buffer was full (the socket's drop counter, {@code sk_drops}: read through {@code SO_RXQ_OVFL} on the direct
     * I/O path, {@code SO_MEMINFO} on the Netty epoll path).
     */
    UNDERLAY_RECEIVE_OVERFLOW(-72, "underlay-receive-overflow"),
    /**
     * Frames lost on a local port's or trunk's receive side before the engine saw them: an {@code AF_PACKET} ring or
     * socket overrun ({@code PACKET_STATISTICS}), libpcap's drop count, an XDP ring that was full.
     */
    PORT_RECEIVE_OVERFLOW(-73, "port-receive-overflow"),
    /** Frames the engine delivered to a local port or trunk that it failed to transmit on its interface. */
    PORT_SEND_FAILED(-74, "port-send-failed"),
    /**
     * A frame too big for the tunnel (counted as {@code MTU_EXCEEDED}) was due an ICMP "fragmentation needed" or
     * ICMPv6 "packet too big" answer, but the answer's rate limit was reached: the answer was not sent.
     */
    PMTU_ANSWER_RATE_LIMITED(-80, "pmtu-answer-rate-limited"),
    /**
     * RFC 6040 §4.2: the outer header says congestion experienced (CE) but the inner IPv4 / IPv6 packet is not
     * ECN-capable (Not-ECT), so the congestion mark cannot be passed on: the decapsulator MUST drop the packet.
     */
    ECN_CE_NOT_ECT(-81, "ecn-ce-not-ect"),

    // ---- outer headers read by the AF_XDP underlay (the kernel checks these on the socket path) ----
    /** An outer Ethernet frame too short for Ethernet + IPv4 + UDP, or not carrying IPv4. */
    OUTER_ETHERNET_MALFORMED(-82, "outer-ethernet-malformed"),
    /**
     * An outer source address no host sends from (0/8, 127/8, multicast, reserved 240/4, broadcast) or this VTEP's
     * own address: RFC 1122 §3.2.1.3; Linux drops these as martians.
     */
    OUTER_SOURCE_INVALID(-83, "outer-source-invalid"),
    /** An outer IPv4 header whose checksum does not add up (RFC 791 §3.1). */
    OUTER_IPV4_CHECKSUM_BAD(-84, "outer-ipv4-checksum-bad"),
    /** An outer UDP datagram with a non-zero checksum that does not add up (RFC 768). */
    OUTER_UDP_CHECKSUM_BAD(-85, "outer-udp-checksum-bad"),

    // ---- between encapsulations (one segment over several underlays) ----
    /**
     * A frame that arrived 802.1Q/802.1ad-tagged over VXLAN and would cross into NVGRE or GRE-in-UDP: RFC 7637 §3.2
     * forbids an inner tag there, and stripping it would merge the sender's VLANs into one VSID, so it is not sent
     * on that side (local ports still receive it).
     */
    CROSSING_TAGGED_FRAME(-95, "crossing-tagged-frame");

    /** Index: {@code -code()}; sized by the largest code in use. */
    private static final DropReason[] BY_CODE = byCode();
    /** The largest {@code -code()} of any reason. */
    private static final int MAX_ABS_CODE = BY_CODE.length - 1;

    private static DropReason[] byCode() {
        int max = 0;
        for (DropReason reason : values()) {
            max = Math.max(max, -reason.code);
        }
        DropReason[] byCode = new DropReason[max + 1];
        for (DropReason reason : values()) {
            if (reason.code >= 0 || byCode[-reason.code] != null) {
                throw new IllegalStateException(reason + ": code " + reason.code + " (expected: negative and unique)");
            }
            byCode[-reason.code] = reason;
        }
        return byCode;
    }

    private final int code;
    private final String label;

    DropReason(int code, String label) {
        this.code = code;
        this.label = label;
    }

    /** The stable negative code returned by allocation-free decoders. */
    public int code() {
        return code;
    }

    /** The stable kebab-case name, e.g. {@code "vxlan-i-flag-not-set"}. */
    public String label() {
        return label;
    }

    /**
     * The reason with this code.
     *
     * @throws IllegalArgumentException if no reason has that code
     */
    public static DropReason fromCode(int code) {
        DropReason reason = fromCodeOrNull(code);
        if (reason == null) {
            throw new IllegalArgumentException("code: " + code + " (expected: the code() of a DropReason)");
        }
        return reason;
    }

    /** The reason with this code, or null if {@code code} is not a drop-reason code (e.g. a VNI). */
    public static DropReason fromCodeOrNull(int code) {
        return code < 0 && code >= -MAX_ABS_CODE ? BY_CODE[-code] : null;
    }

    /** The reason with this code, or null; for {@code long} results such as {@link NvgreCodec#decapsulate}. */
    public static DropReason fromCodeOrNull(long code) {
        return code < 0 && code >= -MAX_ABS_CODE ? BY_CODE[(int) -code] : null;
    }
}
