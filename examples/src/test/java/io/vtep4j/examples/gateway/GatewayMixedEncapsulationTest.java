package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.micrometer.VtepMetrics;
import io.vtep4j.testing.Frames;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code --flood VNI=vxlan:ADDR,gre-udp:ADDR}: the gateway opens both underlays, floods each target in its own
 * encapsulation, and its table dump, status line and metrics name the encapsulation. In-process, no root: a fake
 * trunk, a VXLAN peer on 127.0.0.2 and a GRE-in-UDP peer on 127.0.0.3 (its standard port 4754).
 */
class GatewayMixedEncapsulationTest {
    private static final int VNI = 10100;
    private static final long HOST = MacAddress.parse("02:00:00:00:01:00");
    private static final long PEER_X = MacAddress.parse("02:00:00:00:99:02");

    @Test
    void prefixesPickTheEncapsulationAndUnprefixedTargetsTakeEncap() {
        GatewayOptions options = options("10.99.0.2,nvgre:10.99.0.3,gre-udp:fd00::4");
        options.encap = "vxlan";
        GatewayConfig config = options.toConfig();
        assertEquals(List.of(Encapsulation.VXLAN, Encapsulation.NVGRE, Encapsulation.GRE_UDP), config.encapsulations);
        List<FloodTarget> targets = config.flood.get(VNI);
        assertEquals(Encapsulation.VXLAN, targets.get(0).encapsulation());
        assertEquals(Encapsulation.NVGRE, targets.get(1).encapsulation());
        assertEquals(Encapsulation.GRE_UDP, targets.get(2).encapsulation());
        assertEquals("fd00:0:0:0:0:0:0:4", targets.get(2).address().getHostAddress());
        String described = config.describe();
        assertTrue(described.contains("[vxlan:10.99.0.2, nvgre:10.99.0.3, gre-udp:fd00:0:0:0:0:0:0:4]"), described);

        GatewayOptions nvgreDefault = options("10.99.0.2,VXLAN:10.99.0.3");
        nvgreDefault.encap = "nvgre";
        nvgreDefault.dstPort = null;
        GatewayConfig second = nvgreDefault.toConfig();
        assertEquals(List.of(Encapsulation.NVGRE, Encapsulation.VXLAN), second.encapsulations);
        assertEquals(Encapsulation.NVGRE, second.flood.get(VNI).get(0).encapsulation());
    }

    @Test
    void floodsEachTargetInItsEncapsulationAndReportsIt() throws Exception {
        int vxlanPort;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0))) {
            vxlanPort = probe.getLocalPort();
        }
        BlockingQueue<ByteBuf> atX = new LinkedBlockingQueue<>();
        BlockingQueue<ByteBuf> atY = new LinkedBlockingQueue<>();
        GatewayTest.FakeTrunk[] trunk = new GatewayTest.FakeTrunk[1];
        GatewayOptions options = options("127.0.0.2,gre-udp:127.0.0.3");
        options.dstPort = Integer.toString(vxlanPort);
        try (Vtep x = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(vxlanPort)
                        .eventLoops(1)
                        .build();
                Vtep y = Vtep.builder()
                        .localAddress("127.0.0.3")
                        .encapsulation(Encapsulation.GRE_UDP)
                        .eventLoops(1)
                        .build()) {
            LocalPort portX = x.segment(VNI).floodTo("127.0.0.1").attach("x", atX::add);
            y.segment(VNI).floodTo("127.0.0.1").attach("y", atY::add);
            Gateway gateway = Gateway.start(options.toConfig(), sink -> trunk[0] = new GatewayTest.FakeTrunk(sink));
            try (VtepMetrics metrics = new VtepMetrics(gateway.vtep())) {
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                metrics.bindTo(registry);
                gateway.statusLine(); // the baseline of the next line's rates

                // A broadcast from the trunk reaches both peers, each over its own encapsulation.
                trunk[0].inject(Ethernet.pushVlanTag(Frames.frame(Frames.BROADCAST, HOST), 100));
                release(atX.poll(3, TimeUnit.SECONDS), "VXLAN peer");
                release(atY.poll(3, TimeUnit.SECONDS), "GRE-in-UDP peer");
                // X answers; the gateway learns it on VXLAN and the table dump says so.
                portX.send(Frames.frame(HOST, PEER_X));
                ByteBuf reply = trunk[0].transmitted.poll(3, TimeUnit.SECONDS);
                release(reply, "reply on the trunk");

                String fdb = gateway.fdbTable();
                assertTrue(fdb.contains("dst 127.0.0.2 vxlan"), fdb);
                String line = gateway.statusLine();
                assertTrue(line.contains("| vxlan in ") && line.contains(", gre-udp in "), line);
                assertEquals(
                        1.0,
                        registry.get("vtep4j.encap.tx.packets")
                                .tag("encap", "gre-udp")
                                .functionCounter()
                                .count());
                assertEquals(
                        1.0,
                        registry.get("vtep4j.encap.rx.packets")
                                .tag("encap", "vxlan")
                                .functionCounter()
                                .count());
                assertEquals(
                        Map.of(
                                InetAddress.getByName("127.0.0.2"), Encapsulation.VXLAN,
                                InetAddress.getByName("127.0.0.3"), Encapsulation.GRE_UDP),
                        gateway.vtep().segment(VNI).flooding().remoteEncapsulations());
            } finally {
                gateway.close();
            }
        } finally {
            atX.forEach(ByteBuf::release);
            atY.forEach(ByteBuf::release);
        }
    }

    private static void release(ByteBuf frame, String what) {
        assertNotNull(frame, what + ": nothing arrived");
        frame.release();
    }

    private static GatewayOptions options(String targets) {
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.vlans.add("100:" + VNI);
        options.flood.add(VNI + "=" + targets);
        return options;
    }
}
