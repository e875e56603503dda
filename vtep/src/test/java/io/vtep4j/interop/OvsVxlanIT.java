package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j's VXLAN against Open vSwitch's userspace VXLAN port ({@code type=vxlan options:key=5000}, UDP 4789): a host
 * behind vtep4j (PcapPort on a veth) and OVS's own {@code br-int} address ping each other both ways; tshark checks
 * that every VXLAN packet on the wire, both directions, carries VNI 5000 with the I flag (RFC 7348 §5).
 */
class OvsVxlanIT {

    private static final int VNI = 5000;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated(OvsOverlayLab.TOOLS);
    }

    @Test
    void pingsOvsBothWaysWithVni5000OnTheWire() throws Exception {
        try (OvsOverlayLab net = OvsOverlayLab.create("ovsvx", 3, "vxlan", "key=" + VNI)) {
            OvsWire wire = OvsWire.start(Namespace.SELF, "u-o1", "udp", "port", "4789");
            try {
                try (Vtep vtep = Vtep.builder().localAddress(net.ourUnderlay).build();
                        PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(net.ovsUnderlay), "pc-h1")) {
                    net.pingBothWaysAndLearn(vtep, port, VNI);
                } finally {
                    wire.close();
                }
                List<String[]> rows = wire.fields("vxlan", "ip.src", "vxlan.vni", "vxlan.flag_i", "udp.dstport");
                int fromOvs = 0;
                int fromUs = 0;
                for (String[] row : rows) {
                    String packet = String.join(" ", row);
                    assertEquals(Integer.toString(VNI), row[1], () -> "VNI of " + packet);
                    assertTrue(row[2].equals("1") || row[2].equalsIgnoreCase("true"), () -> "I flag in " + packet);
                    assertEquals("4789", row[3], () -> "destination port of " + packet);
                    if (row[0].equals(net.ovsUnderlay)) {
                        fromOvs++;
                    } else {
                        assertEquals(net.ourUnderlay, row[0], packet);
                        fromUs++;
                    }
                }
                int ovsCount = fromOvs;
                int usCount = fromUs;
                assertTrue(
                        fromOvs >= 3 && fromUs >= 3,
                        () -> "VXLAN from OVS: " + ovsCount + ", from vtep4j: "
                                + usCount + "; tcpdump: " + wire.stderr() + "; all: "
                                + wire
                                        .fields(null, "frame.number", "ip.src", "ip.dst", "udp.dstport", "_ws.col.Info")
                                        .stream()
                                        .map(r -> String.join(" ", r))
                                        .toList());
            } finally {
                wire.delete();
            }
        }
    }
}
