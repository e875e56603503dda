package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.Locale;

/** What every NVGRE packet between vtep4j and Open vSwitch must carry, checked on a tshark capture of their link. */
final class NvgreKeys {

    /** Open vSwitch's FlowID: its GRE port is configured with a fixed key whose low byte is 0x01. */
    static final int OVS_FLOW_ID = 0x01;
    /** vtep4j's FlowID is not fixed: it follows the inner flow hash, so any value is accepted from vtep4j. */
    static final int FLOW_ID_FROM_HASH = -1;

    private NvgreKeys() {}

    /**
     * Every GRE packet on the wire carries {@code vsid} and protocol TEB; Open vSwitch's carry {@link #OVS_FLOW_ID};
     * vtep4j's carry {@code ourFlowId} unless it is {@link #FLOW_ID_FROM_HASH}, and DF over IPv4 (RFC 7348 §4.3, kept
     * for NVGRE: no fragmentation; IPv6 routers never fragment); no packet comes from a third address; at least 3 go
     * each way.
     */
    static void assertOnTheWire(OvsWire wire, OvsOverlayLab net, boolean ipv6, int vsid, int ourFlowId)
            throws Exception {
        List<String[]> rows = wire.fields("gre", ipv6 ? "ipv6.src" : "ip.src", "gre.key", "gre.proto", "ip.flags.df");
        InetAddress ovs = InetAddress.getByName(net.ovsUnderlay);
        InetAddress us = InetAddress.getByName(net.ourUnderlay);
        int fromOvs = 0;
        int fromUs = 0;
        for (String[] row : rows) {
            String packet = String.join(" ", row);
            long key = Long.decode(row[1]);
            assertEquals(vsid, key >>> 8, () -> "VSID of " + packet);
            assertEquals("0x6558", row[2].toLowerCase(Locale.ROOT), () -> "GRE protocol TEB in " + packet);
            InetAddress source = InetAddress.getByName(row[0]);
            if (source.equals(ovs)) {
                assertEquals(OVS_FLOW_ID, key & 0xFF, () -> "OVS FlowID in " + packet);
                fromOvs++;
            } else {
                assertEquals(us, source, packet);
                if (ourFlowId != FLOW_ID_FROM_HASH) {
                    assertEquals(ourFlowId, key & 0xFF, () -> "vtep4j's fixed FlowID in " + packet);
                }
                assertTrue(ipv6 || row[3].equals("1") || row[3].equalsIgnoreCase("true"), () -> "DF in " + packet);
                fromUs++;
            }
        }
        assertTrue(fromOvs >= 3 && fromUs >= 3, "GRE packets from OVS: " + fromOvs + ", from vtep4j: " + fromUs);
    }
}
