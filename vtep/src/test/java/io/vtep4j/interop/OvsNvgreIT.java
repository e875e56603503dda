package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.FlowHash;
import java.net.InetAddress;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j's NVGRE (raw IP protocol 47) against Open vSwitch's userspace GRE port, over an IPv4 and an IPv6 underlay:
 * a host behind vtep4j (PcapPort on a veth) and OVS's own {@code br-int} address ping each other both ways over
 * VSID 0x123456; tshark, independent of both, checks every GRE key on the wire.
 *
 * <p>OVS side: {@code type=gre} ({@code ip6gre} over IPv6) {@code options:remote_ip=US options:in_key=flow
 * options:out_key=0x12345601} and an OpenFlow rule admitting only VSID 0x123456 from the tunnel
 * ({@code tun_id=0x12345600/0xffffff00}). OVS therefore sends VSID 0x123456 with FlowID 0x01 as configured, and
 * accepts vtep4j's per-flow FlowIDs (RFC 7637 §3.2: the FlowID carries per-flow entropy) only under that VSID; the
 * rule's packet counter proves OVS matched the VSID. vtep4j's FlowIDs are checked against the flow hash of the inner
 * frames captured on the wire.
 *
 * <p>With the plain OVS port, {@code type=gre options:key=0x12345601}, OVS matches the whole key, so vtep4j
 * sends the fixed FlowID 0x01 ({@code Vtep.Builder.nvgreFlowId}) and the same ping runs both ways over IPv4.
 */
class OvsNvgreIT {

    private static final int VSID = 0x123456;
    private static final int OVS_FLOW_ID = NvgreKeys.OVS_FLOW_ID;
    /** vtep4j built without {@code nvgreFlowId}: its FlowIDs vary per flow. */
    private static final int FLOW_ID_FROM_HASH = NvgreKeys.FLOW_ID_FROM_HASH;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(OvsOverlayLab.TOOLS);
    }

    @Test
    void pingsOvsBothWaysWithTheVsidAndFlowIdOnTheWire() throws Exception {
        pingsOvsBothWays("ovsgre", 2, false);
    }

    @Test
    void pingsOvsBothWaysOverAnIpv6Underlay() throws Exception {
        pingsOvsBothWays("ovsgre6", 4, true);
    }

    /**
     * The plain OVS port, {@code type=gre options:key=0x12345601}: OVS then sends and accepts only that
     * whole key, so vtep4j is built with {@code nvgreFlowId(0x01)} (VSID 0x123456, FlowID 0x01). h1 and br-int ping
     * each other both ways, and tshark sees key 0x12345601 on every GRE packet, from OVS and from vtep4j.
     */
    @Test
    void pingsOvsBothWaysWithTheExactFixedKeyRecipe() throws Exception {
        try (OvsOverlayLab net = OvsOverlayLab.create("ovsgrek", 5, "gre", "key=0x12345601")) {
            OvsWire wire = OvsWire.start(Namespace.SELF, "u-o1", "ip", "proto", "47");
            try {
                try (Vtep vtep = Vtep.builder()
                                .localAddress(net.ourUnderlay)
                                .encapsulation(Encapsulation.NVGRE)
                                .nvgreFlowId(OVS_FLOW_ID)
                                .build();
                        PcapPort port = PcapPort.open(vtep.segment(VSID).floodTo(net.ovsUnderlay), "pc-h1")) {
                    net.pingBothWaysAndLearn(vtep, port, VSID);
                } finally {
                    wire.close();
                }
                NvgreKeys.assertOnTheWire(wire, net, false, VSID, OVS_FLOW_ID);
            } finally {
                wire.delete();
            }
        }
    }

    private static void pingsOvsBothWays(String tag, int subnet, boolean ipv6) throws Exception {
        try (OvsOverlayLab net =
                OvsOverlayLab.create(tag, subnet, ipv6, ipv6 ? "ip6gre" : "gre", "in_key=flow", "out_key=0x12345601")) {
            net.ovs.ofctl(
                    "add-flow",
                    OvsPeer.BR_INT,
                    "priority=100,in_port=tun0,tun_id=0x12345600/0xffffff00," + "actions=NORMAL");
            net.ovs.ofctl("add-flow", OvsPeer.BR_INT, "priority=90,in_port=tun0,actions=drop");
            OvsWire wire = OvsWire.start(Namespace.SELF, "u-o1", ipv6 ? "ip6" : "ip", "proto", "47");
            try {
                try (Vtep vtep = Vtep.builder()
                                .localAddress(net.ourUnderlay)
                                .encapsulation(Encapsulation.NVGRE)
                                .build();
                        PcapPort port = PcapPort.open(vtep.segment(VSID).floodTo(net.ovsUnderlay), "pc-h1")) {
                    net.pingBothWaysAndLearn(vtep, port, VSID);
                    String flows = net.ovs.ofctl("dump-flows", OvsPeer.BR_INT);
                    assertTrue(
                            flows.matches("(?s).*n_packets=[1-9][0-9]*,.*tun_id=0x12345600/0xffffff00.*"),
                            () -> "OVS never matched VSID 0x123456: " + flows);
                } finally {
                    wire.close();
                }
                NvgreKeys.assertOnTheWire(wire, net, ipv6, VSID, FLOW_ID_FROM_HASH);
                assertOurFlowIdsFollowTheInnerFlowHash(wire, net, ipv6);
            } finally {
                wire.delete();
            }
        }
    }

    /**
     * vtep4j's FlowID is per flow (RFC 7637 §3.2): the low 8 bits of the key equal {@code FlowHash.flowId} of the
     * inner frame the packet carries, recomputed here from the captured bytes.
     */
    private static void assertOurFlowIdsFollowTheInnerFlowHash(OvsWire wire, OvsOverlayLab net, boolean ipv6)
            throws Exception {
        byte[] us = InetAddress.getByName(net.ourUnderlay).getAddress();
        int checked = 0;
        for (byte[] frame : wire.frames()) {
            ByteBuf eth = Unpooled.wrappedBuffer(frame);
            int gre;
            if (ipv6) {
                boolean ours = eth.getUnsignedShort(12) == 0x86DD
                        && eth.getUnsignedByte(14 + 6) == 47
                        && Arrays.equals(Arrays.copyOfRange(frame, 14 + 8, 14 + 24), us);
                if (!ours) {
                    continue;
                }
                gre = 14 + 40;
            } else {
                boolean ours = eth.getUnsignedShort(12) == 0x0800
                        && eth.getUnsignedByte(14 + 9) == 47
                        && Arrays.equals(Arrays.copyOfRange(frame, 14 + 12, 14 + 16), us);
                if (!ours) {
                    continue;
                }
                gre = 14 + (eth.getUnsignedByte(14) & 0x0F) * 4;
            }
            int flowId = eth.getUnsignedByte(gre + 7);
            ByteBuf inner = eth.slice(gre + 8, frame.length - gre - 8);
            assertEquals(
                    FlowHash.flowId(FlowHash.hash(inner)),
                    flowId,
                    () -> "FlowID of inner frame " + ByteBufUtil.hexDump(inner));
            checked++;
        }
        assertTrue(checked >= 3, "GRE packets from vtep4j checked: " + checked);
    }
}
