package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.Vtep;
import io.vtep4j.testing.Closing;
import io.vtep4j.testing.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The builder's and the agent's checks of their arguments and of the order of calls. */
class EvpnAgentApiTest {

    private static final RouteTarget RT = new RouteTarget(65000, 100);

    private static void assertMessage(IllegalArgumentException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t"})
    void aBlankVtepAddressIsRefusedRatherThanTakenForLoopback(String blank) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> EvpnAgent.builder().vtepAddress(blank));
        assertEquals("vtepAddress: \"" + blank + "\" (expected: an IP address)", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::", "239.1.1.1", "ff02::1"})
    void wildcardAndMulticastAreNoVtepAddress(String address) {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> EvpnAgent.builder().vtepAddress(address));
        assertMessage(e, "vtepAddress: \"" + address + "\"", "not wildcard or multicast");
    }

    @Test
    void aUnicastVtepAddressIsTaken() {
        EvpnAgent.Builder b = EvpnAgent.builder().vtepAddress("10.0.0.1");
        assertEquals(FakeRack.address("10.0.0.1"), b.vtepAddress);
        b.vtepAddress("fd00::1");
        assertEquals(FakeRack.address("fd00::1"), b.vtepAddress);
        b.vtepAddress("127.0.0.2"); // VTEPs on one host
        assertEquals(FakeRack.address("127.0.0.2"), b.vtepAddress);
    }

    @Test
    void aBlankGobgpHostIsRefusedAtOnce() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> EvpnAgent.builder().gobgp("", 50051));
        assertEquals("gobgp host: \"\" (expected: a host name or address)", e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class, () -> EvpnAgent.builder().gobgp("  ", 50051));
        assertMessage(e, "gobgp host: \"  \"");
        e = assertThrows(
                IllegalArgumentException.class, () -> EvpnAgent.builder().gobgp("[]:50051"));
        assertMessage(e, "gobgp host: \"\"");
        assertEquals("::1", EvpnAgent.builder().gobgp("[::1]:50051").host);
    }

    @Test
    void maxRemoteRoutesHasADefaultAndARange() {
        assertEquals(1 << 20, EvpnAgent.builder().maxRemoteRoutes);
        for (int bad : new int[] {0, -1, (1 << 24) + 1, Integer.MAX_VALUE}) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> EvpnAgent.builder().maxRemoteRoutes(bad));
            assertEquals("maxRemoteRoutes: " + bad + " (expected: 1..16777216)", e.getMessage());
        }
        assertEquals(1, EvpnAgent.builder().maxRemoteRoutes(1).maxRemoteRoutes);
        assertEquals(1 << 24, EvpnAgent.builder().maxRemoteRoutes(1 << 24).maxRemoteRoutes);
    }

    @Test
    void aVniGivenAgainIsRefusedAndKeepsItsExplicitRouteTarget() {
        EvpnAgent.Builder b = EvpnAgent.builder().vni(100, RT);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.vni(100));
        assertEquals("vni: 100 already given with route target " + RT + " (expected: each VNI once)", e.getMessage());
        assertEquals(RT, b.vnis.get(100));

        b.vni(200);
        e = assertThrows(IllegalArgumentException.class, () -> b.vni(200, new RouteTarget(65000, 7)));
        assertEquals("vni: 200 already given (expected: each VNI once)", e.getMessage());
        assertEquals(null, b.vnis.get(200));
        assertEquals(2, b.vnis.size());
    }

    @Test
    void startAfterCloseFailsAndLeavesTheVtepAsItWas() {
        EvpnAgent agent = EvpnAgent.builder().gobgp("127.0.0.1", 50051).vni(100).build();
        Vtep vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .eventLoops(1)
                .build();
        try {
            agent.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> agent.start(vtep));
            assertEquals("EVPN agent: closed (expected: start before close)", e.getMessage());
            assertTrue(vtep.segments().isEmpty(), () -> "segments touched: " + vtep.segments());
            assertEquals(EvpnStatus.State.CLOSED, agent.status().state());
        } finally {
            Closing.all(agent, vtep);
        }
    }
}
