package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.internal.raw.RawIpSocket;
import io.vtep4j.interop.InnerFrames;
import io.vtep4j.testing.Ports;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@link Vtep.Builder#sourcePortRange}: the checks, and what leaves over loopback. With CAP_NET_RAW the source port of
 * each packet lies in the range, is the same for every packet of a flow and differs across flows; without it the VTEP
 * falls back to the bound port (and says so in one warning).
 */
class SourcePortRangeTest {

    private static final int VNI = 5082;
    private static final int FLOWS = 64;
    private static final int PACKETS_PER_FLOW = 3;

    @Test
    void rejectsBadRangesNamingTheValueAndTheRule() {
        VtepBuilderTest.rejects(b -> b.sourcePortRange(0, 10), "sourcePortRange min: 0 (expected: 1..65535)");
        VtepBuilderTest.rejects(
                b -> b.sourcePortRange(65536, 65536), "sourcePortRange min: 65536 (expected: 1..65535)");
        VtepBuilderTest.rejects(b -> b.sourcePortRange(100, 99), "sourcePortRange max: 99 (expected: 100..65535)");
        VtepBuilderTest.rejects(b -> b.sourcePortRange(1, 65536), "sourcePortRange max: 65536 (expected: 1..65535)");
    }

    @Test
    void udpGsoExcludesTheRangeAndTheIpv6ZeroChecksum() {
        Vtep.Builder range =
                Vtep.builder().localAddress("127.0.0.1").udpGso(true).sourcePortRange(49152, 65535);
        IllegalStateException e = assertThrows(IllegalStateException.class, range::build);
        assertEquals(
                "sourcePortRange: 49152-65535 with udpGso true (expected: one of them; the range sends over raw"
                        + " sockets, GSO needs UDP ones)",
                e.getMessage());
        Vtep.Builder zero = Vtep.builder().localAddress("::1").udpGso(true).udp6ZeroChecksumTx(true);
        e = assertThrows(IllegalStateException.class, zero::build);
        assertTrue(e.getMessage().startsWith("udp6ZeroChecksumTx: true with udpGso true (expected:"), e.getMessage());
    }

    @Test
    void eachFlowLeavesFromOnePortOfTheRange() throws Exception {
        boolean raw = rawSocketsAllowed();
        int port = Ports.freeUdp();
        try (DatagramSocket peer = new DatagramSocket(new InetSocketAddress("127.0.0.2", port));
                Vtep v = Vtep.builder()
                        .localAddress("127.0.0.1")
                        .port(port)
                        .sourcePortRange(40000, 40255)
                        .build()) {
            peer.setSoTimeout(10_000);
            LocalPort local = v.segment(VNI).floodTo("127.0.0.2").attach(frame -> frame.release());
            for (int round = 0; round < PACKETS_PER_FLOW; round++) {
                for (int flow = 0; flow < FLOWS; flow++) {
                    local.send(InnerFrames.udpFrame(1000 + flow));
                }
            }
            Map<Integer, Set<Integer>> portsByFlow = new HashMap<>();
            byte[] buf = new byte[2048];
            for (int i = 0; i < FLOWS * PACKETS_PER_FLOW; i++) {
                DatagramPacket p = new DatagramPacket(buf, buf.length);
                peer.receive(p);
                // VXLAN 8 + Ethernet 14 + IPv4 20 + UDP source port 2: the inner destination port names the flow.
                int flow = ((buf[44] & 0xFF) << 8 | (buf[45] & 0xFF)) - 1000;
                portsByFlow.computeIfAbsent(flow, f -> new HashSet<>()).add(p.getPort());
            }
            assertEquals(FLOWS, portsByFlow.size());
            Set<Integer> all = new HashSet<>();
            portsByFlow.forEach((flow, ports) -> {
                assertEquals(1, ports.size(), () -> "flow " + flow + " left from " + ports);
                all.addAll(ports);
            });
            if (raw) {
                all.forEach(p -> assertTrue(p >= 40000 && p <= 40255, () -> "source port " + p + " outside the range"));
                assertTrue(all.size() > FLOWS / 2, () -> FLOWS + " flows over " + all.size() + " ports: " + all);
            } else {
                assertEquals(Set.of(port), all, "no CAP_NET_RAW: the bound port");
            }
        }
    }

    /** Whether this process may open a raw UDP socket (root, or CAP_NET_RAW). */
    static boolean rawSocketsAllowed() {
        try (RawIpSocket s = RawIpSocket.open(InetAddress.getLoopbackAddress(), 17)) {
            return s.fd() >= 0;
        } catch (IOException e) {
            return false;
        }
    }
}
