package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every setter rejects a bad value at once, naming the value and the rule. */
class VtepBuilderTest {

    static void rejects(Consumer<Vtep.Builder> setter, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> setter.accept(Vtep.builder()));
        assertEquals(message, e.getMessage());
    }

    @Test
    void rejectsOutOfRangeValuesWithTheValueAndTheRule() {
        rejects(b -> b.port(0), "port: 0 (expected: 1..65535)");
        rejects(b -> b.port(65536), "port: 65536 (expected: 1..65535)");
        rejects(b -> b.ttl(0), "ttl: 0 (expected: 1..255)");
        rejects(b -> b.ttl(256), "ttl: 256 (expected: 1..255)");
        rejects(b -> b.dscp(64), "dscp: 64 (expected: 0..63)");
        rejects(b -> b.mtu(575), "mtu: 575 (expected: 576..65535)");
        rejects(b -> b.eventLoops(0), "eventLoops: 0 (expected: 1..256)");
        rejects(b -> b.readBatch(0), "readBatch: 0 (expected: 1..1024)");
        rejects(b -> b.busyPoll(10_001), "busyPoll: 10001 (expected: 0..10000)");
        rejects(b -> b.busyPoll(-1), "busyPoll: -1 (expected: 0..10000)");
        rejects(b -> b.nvgreFlowId(256), "nvgreFlowId: 256 (expected: 0..255)");
        rejects(b -> b.nvgreFlowId(-1), "nvgreFlowId: -1 (expected: 0..255)");
        rejects(b -> b.sourcePorts(65), "sourcePorts: 65 (expected: 0..64)");
        rejects(b -> b.maxMacs(0), "maxMacs: 0 (expected: >= 1)");
        rejects(b -> b.maxMacsPerVni(-1), "maxMacsPerVni: -1 (expected: >= 1)");
        rejects(b -> b.ageing(Duration.ZERO), "ageing: PT0S (expected: PT0.001S .. PT240H)");
        rejects(b -> b.ageing(Duration.ofNanos(1)), "ageing: PT0.000000001S (expected: PT0.001S .. PT240H)");
        rejects(b -> b.localHold(Duration.ofSeconds(-1)), "localHold: PT-1S (expected: PT0S .. PT240H)");
        rejects(b -> b.maxRemoteLocations(0), "maxRemoteLocations: 0 (expected: 1..16128)");
        rejects(b -> b.sweepInterval(Duration.ZERO), "sweepInterval: PT0S (expected: 1 ms..1 h)");
        rejects(b -> b.localAddress(""), "localAddress: \"\" (expected: an IP address)");
        rejects(b -> b.localAddress(" "), "localAddress: \" \" (expected: an IP address)");
        rejects(
                b -> b.localAddress("0.0.0.0"),
                "localAddress: 0.0.0.0 (expected: a unicast address of this host, not wildcard or multicast)");
        rejects(
                b -> b.localAddress("239.1.1.1"),
                "localAddress: 239.1.1.1 (expected: a unicast address of this host, not wildcard or multicast)");
        rejects(b -> b.localAddress("127.0.0.1").localAddress("127.0.0.1"), "localAddress: 127.0.0.1 (already added)");
        rejects(b -> b.multicastInterface(" "), "multicastInterface: \" \" (expected: an interface name)");
    }

    @Test
    void directIoIsAutomaticTakesGroWhenForcedAndFollowsItsSystemProperty() {
        try (Vtep forced = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .directIo(true)
                .udpGro(true)
                .build()) {
            assertEquals(true, forced.directIo(), "direct I/O splits GRO messages itself");
        }
        // Automatic unless the property says otherwise: on with epoll (the test JVM's transport), offloads or not.
        boolean expected = !"false".equals(System.getProperty(Vtep.Builder.DIRECT_IO_PROPERTY));
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            assertEquals(expected, vtep.directIo());
        }
        try (Vtep gro = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .udpGro(true)
                .build()) {
            assertEquals(expected, gro.directIo(), "GRO works on either path");
        }
        try (Vtep gso = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .udpGso(true)
                .build()) {
            assertEquals(expected, gso.directIo(), "GSO works on either path");
        }
        try (Vtep nvgreOverUdpOnly = Vtep.builder()
                .localAddress("127.0.0.1")
                .encapsulation(Encapsulation.GRE_UDP)
                .port(Ports.freeUdp())
                .directIo(true)
                .build()) {
            assertTrue(nvgreOverUdpOnly.directIo(), "GRE-in-UDP runs over UDP sockets too");
        }
    }

    @Test
    void buildWithoutAnAddressFails() {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> Vtep.builder().build());
        assertEquals("localAddress: none (expected: at least one, e.g. localAddress(\"127.0.0.1\"))", e.getMessage());
    }

    @Test
    void segmentsCheckTheVniAndReservedVsids() {
        int port = Ports.freeUdp();
        try (Vtep vxlan = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep gre = Vtep.builder()
                        .localAddress("127.0.0.2")
                        .port(port)
                        .encapsulation(Encapsulation.GRE_UDP)
                        .build()) {
            assertEquals(0, vxlan.segment(0).vni());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vxlan.segment(1 << 24));
            assertEquals("vni: 16777216 (expected: 0..16777215)", e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> gre.segment(5));
            assertEquals(
                    "vsid: 5 (expected: 4096..16777214; RFC 7637 §3.2 reserves 0..4095 and 16777215)", e.getMessage());
            e = assertThrows(
                    IllegalArgumentException.class, () -> vxlan.segment(7).floodTo("::1"));
            assertEquals(
                    "address: 0:0:0:0:0:0:0:1 (expected: the family of a local address, [/127.0.0.1])", e.getMessage());
            IllegalStateException noInterface = assertThrows(
                    IllegalStateException.class, () -> vxlan.segment(7).floodTo("239.1.1.1"));
            assertEquals(
                    "multicastInterface: not set (expected: Vtep.builder().multicastInterface(name) before "
                            + "flooding to group 239.1.1.1)",
                    noInterface.getMessage());
        }
    }

    @Test
    void defaultPortFollowsTheEncapsulation() {
        try (Vtep gre = Vtep.builder()
                .localAddress("127.0.0.7")
                .encapsulation(Encapsulation.GRE_UDP)
                .build()) {
            assertEquals(4754, gre.boundAddresses().get(0).getPort());
        }
    }
}
