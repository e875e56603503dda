package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bound of the remote route table ({@link EvpnAgent.Builder#maxRemoteRoutes}) as a peer's routes reach it. */
class AgentRemoteBoundTest {

    private static final long MAC_A = 0x0200_0000_0b01L;
    private static final long MAC_B = 0x0200_0000_0b02L;
    private static final long MAC_C = 0x0200_0000_0b03L;
    private static final long MAC_D = 0x0200_0000_0b04L;

    private final FakeRack rack = new FakeRack();

    @AfterEach
    void down() {
        rack.close();
    }

    @Test
    void aNewRouteBeyondTheBoundIsRefusedAndCountedWhileHeldRoutesStillChange() {
        rack.bgp.start();
        rack.agent(b -> b.maxRemoteRoutes(2));
        rack.awaitConnected();
        // MAC_B is also on a local port: the peer's route for it holds a place but loses to ours (equal sequence,
        // and our address is the lower one).
        rack.host("vm1", MAC_B);
        rack.awaitOurSequence(MAC_B, 0);
        rack.theyAdvertise(MAC_A);
        rack.theyAdvertise(MAC_B);
        rack.awaitInstalledAtThem(MAC_A);
        rack.awaitStatus(s -> s.routesIn() == 2);

        rack.theyAdvertise(MAC_C); // a third destination: over the bound
        rack.awaitStatus(s -> s.refused() == 1);
        assertNull(rack.at(MAC_C), "a refused route is not installed");
        assertEquals(2, rack.agent.status().routesIn());
        assertTrue(rack.agent.status().toString().contains("refused=1"), rack.agent.status()::toString);

        // An update of a held route applies at the bound: a higher sequence moves MAC_B to the peer.
        rack.bgp.receive(FakeRack.theirMac(MAC_B, 1, false), FakeRack.THEM);
        rack.awaitInstalledAtThem(MAC_B);
        rack.awaitOurSequence(MAC_B, -1);

        // A withdrawal of a held route applies, and frees a place for the next new destination.
        rack.bgp.receive(FakeRack.theirMac(MAC_A, 0, true), FakeRack.THEM);
        rack.awaitTable(() -> rack.at(MAC_A) == null);
        rack.theyAdvertise(MAC_D);
        rack.awaitInstalledAtThem(MAC_D);
        assertFalse(rack.installedAtThem(MAC_C), "refused earlier, and no re-sync took it since");
        assertEquals(1, rack.agent.status().refused());
        assertEquals(2, rack.agent.status().routesIn());
    }
}
