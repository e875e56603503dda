package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.testing.FuzzBuffers;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Fuzzes the gateway's trunk side: each input is one frame arriving on a fake trunk of a gateway that maps VLAN 100
 * and 200 and untagged frames to three VNIs, flooding to a peer VTEP on 127.0.0.2. Input: {@code [options][lead]
 * [frame...]}. Invariants: nothing throws; every frame is accounted for exactly once, either entering the segment of
 * the VNI its tag maps to (VID 0 and untagged: the untagged VNI) or counted as a drop; no other segment sees it; the
 * frame is released (leak detector).
 */
class GatewayTrunkFuzzTest {
    static final Map<Integer, Integer> VNI_BY_VLAN = Map.of(100, 10100, 200, 10200, 0, 10300);

    static Vtep peer;
    static Gateway gateway;
    static GatewayTest.FakeTrunk trunk;

    @BeforeAll
    static void start() throws IOException {
        int udpPort;
        peer = GatewayTest.loopbackPeer();
        udpPort = peer.boundAddresses().get(0).getPort();
        for (int vni : VNI_BY_VLAN.values()) {
            peer.segment(vni).attach("peer-" + vni, ByteBuf::release);
        }
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.dstPort = String.valueOf(udpPort);
        options.vlans.add("100:10100");
        options.vlans.add("200:10200");
        options.untagged = "10300";
        for (int vni : VNI_BY_VLAN.values()) {
            options.flood.add(vni + "=127.0.0.2");
        }
        gateway = Gateway.start(options.toConfig(), sink -> trunk = new GatewayTest.FakeTrunk(sink));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        peer.close();
    }

    @FuzzTest(maxDuration = "10m")
    void fromTrunk(byte[] input) {
        if (input.length < 2) {
            return;
        }
        byte[] frame = Arrays.copyOfRange(input, 2, input.length);
        ByteBuf buf = FuzzBuffers.wrap((input[0] & 0xFF) % 4, input[1] & 0x0F, frame); // a trunk's frames are writable
        Integer expected = expectedVni(buf);
        Map<String, Long> before = counts();
        trunk.inject(buf);
        Map<String, Long> after = counts();
        Map<String, Long> changed = new TreeMap<>();
        after.forEach((k, v) -> {
            if (v - before.get(k) != 0) {
                changed.put(k, v - before.get(k));
            }
        });
        Map<String, Long> entered = new TreeMap<>(changed);
        entered.keySet().removeIf(k -> k.startsWith("drop "));
        if (expected != null) {
            // A drop may follow (MTU, no flood target), but the frame entered its VLAN's segment and no other.
            assertEquals(
                    Map.of("vni " + expected, 1L), entered, () -> "trunk frame for VNI " + expected + ": " + changed);
        } else {
            assertEquals(Map.of(), entered, () -> "an unmapped or runt frame entered a segment: " + changed);
            assertEquals(
                    1L, changed.values().stream().mapToLong(Long::longValue).sum(), changed::toString);
        }
        FuzzBuffers.countInput();
    }

    /** The VNI this frame should enter, from its outer tag (none or VID 0: the untagged VNI); null if unmapped. */
    private static Integer expectedVni(ByteBuf frame) {
        if (frame.readableBytes() < Ethernet.HEADER_LENGTH) {
            return null;
        }
        int vlan = Ethernet.vlanId(frame, frame.readerIndex());
        return VNI_BY_VLAN.get(Math.max(vlan, 0));
    }

    /** Frames each segment took from its port, and every drop the gateway or its VTEP counted for trunk frames. */
    private static Map<String, Long> counts() {
        Map<String, Long> out = new TreeMap<>();
        for (int vni : VNI_BY_VLAN.values()) {
            out.put("vni " + vni, gateway.vtep().stats().segment(vni).framesFromPorts());
        }
        for (DropReason reason : DropReason.values()) {
            long n = gateway.gatewayDrops().getOrDefault(reason, 0L);
            long m = gateway.vtep().stats().drops().getOrDefault(reason, 0L);
            out.put("drop " + reason.label(), n + m);
        }
        return out;
    }
}
