package io.vtep4j.examples.pcap;

/**
 * The capture link types the dissector understands, by libpcap DLT value, and where the network layer starts in
 * each. Immutable.
 */
enum LinkType {
    /** DLT_EN10MB: Ethernet II, possibly VLAN-tagged. */
    ETHERNET(1, "Ethernet"),
    /** DLT_LINUX_SLL: Linux cooked capture v1 (16-byte header, protocol at offset 14). */
    LINUX_SLL(113, "Linux cooked v1"),
    /** DLT_LINUX_SLL2: Linux cooked capture v2 (20-byte header, protocol at offset 0). */
    LINUX_SLL2(276, "Linux cooked v2"),
    /** DLT_RAW (12 on Linux, 14 on OpenBSD) and LINKTYPE_RAW (101): bare IPv4 or IPv6. */
    RAW(12, "raw IP"),
    /** DLT_IPV4: bare IPv4. */
    IPV4(228, "raw IPv4"),
    /** DLT_IPV6: bare IPv6. */
    IPV6(229, "raw IPv6");

    private final int dlt;
    private final String description;

    LinkType(int dlt, String description) {
        this.dlt = dlt;
        this.description = description;
    }

    /** The libpcap DLT value. */
    int dlt() {
        return dlt;
    }

    /** Human-readable name. */
    String description() {
        return description;
    }

    /** The link type for a DLT value, or null if the dissector does not support it. */
    static LinkType of(int dlt) {
        switch (dlt) {
            case 1:
                return ETHERNET;
            case 113:
                return LINUX_SLL;
            case 276:
                return LINUX_SLL2;
            case 12:
            case 14:
            case 101:
                return RAW;
            case 228:
                return IPV4;
            case 229:
                return IPV6;
            default:
                return null;
        }
    }
}
