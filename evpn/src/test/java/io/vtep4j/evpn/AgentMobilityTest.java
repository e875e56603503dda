package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.LocalPort;
import io.vtep4j.learning.Location;
import io.vtep4j.testing.Frames;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** MAC mobility across BGP (RFC 7432 §7.7, §15) between our VTEP and another whose routes go into a fake gobgpd. */
class AgentMobilityTest {

    private static final long MAC = 0x0200_0000_0a01L;

    private final FakeRack rack = new FakeRack();
    private final List<String> duplicates = new CopyOnWriteArrayList<>();

    @AfterEach
    void down() {
        rack.close();
    }

    private void start(java.util.function.Consumer<EvpnAgent.Builder> options) {
        rack.bgp.start();
        rack.agent(b -> options.accept(b.listener(new EvpnListener() {
            @Override
            public void duplicateMac(int vni, long mac, Location where) {
                duplicates.add(where.toString());
            }
        })));
        rack.awaitConnected();
    }

    private void theyClaim(long sequence) {
        rack.bgp.receive(FakeRack.theirMac(MAC, sequence, false), FakeRack.THEM);
    }

    @Test
    void aHigherSequenceFromAnotherVtepWinsAndAMoveBackAdvertisesAboveIt() {
        start(b -> {});
        LocalPort port = rack.host("vm1", MAC);
        rack.awaitOurSequence(MAC, 0);

        theyClaim(1); // the host moved to them
        rack.awaitInstalledAtThem(MAC);
        rack.awaitOurSequence(MAC, -1);

        port.send(Frames.arpRequest(MAC, "10.50.0.1", "10.50.0.2")); // and back to us
        rack.awaitOurSequence(MAC, 2);
        assertEquals(port.id(), rack.at(MAC).portId());
        assertTrue(duplicates.isEmpty());
    }

    @Test
    void aLowerOrEqualSequenceFromAHigherAddressLoses() {
        start(b -> {});
        rack.host("vm1", MAC);
        rack.awaitOurSequence(MAC, 0);
        theyClaim(0); // equal sequence, and 127.0.0.9 > 127.0.0.1: ours stays (RFC 7432 §7.7 tie-break)
        rack.awaitStatus(s -> s.routesIn() == 1);
        assertFalse(rack.at(MAC).isRemote());
        assertEquals(0, rack.ourSequence(MAC));
    }

    @Test
    void localWinsWithinTheHoldAdvertisesAboveTheRemote() {
        start(b -> b.localHold(Duration.ofMinutes(1)));
        rack.host("vm1", MAC);
        rack.awaitOurSequence(MAC, 0);
        theyClaim(4);
        rack.awaitOurSequence(MAC, 5);
        assertFalse(rack.at(MAC).isRemote(), "the host stays at its port");
    }

    @Test
    void aMacBouncingBetweenVtepsIsFrozenAndNoLongerAdvertised() {
        start(b -> b.duplicateDetection(3, Duration.ofMinutes(3), Duration.ofMinutes(3)));
        LocalPort port = rack.host("vm1", MAC);
        rack.awaitOurSequence(MAC, 0);

        theyClaim(1); // move 1: to them
        rack.awaitInstalledAtThem(MAC);
        port.send(Frames.arpRequest(MAC, "10.50.0.1", "10.50.0.2")); // move 2: back here, sequence 2
        rack.awaitOurSequence(MAC, 2);
        theyClaim(3); // move 3: to them again, the third move within 3 minutes
        rack.awaitStatus(s -> s.duplicates() == 1);
        assertEquals(List.of(Location.remote(FakeRack.address(FakeRack.THEM)).toString()), duplicates);
        rack.awaitOurSequence(MAC, -1);

        // Frozen: the host sending here again is learned by the data plane but not advertised, and further routes
        // about it change nothing.
        port.send(Frames.arpRequest(MAC, "10.50.0.1", "10.50.0.2"));
        rack.awaitTable(() -> !rack.at(MAC).isRemote());
        theyClaim(7);
        rack.bgp.receive(FakeRack.theirMac(0x0200_0000_0b01L, 0, false), FakeRack.THEM); // a marker behind it
        rack.awaitInstalledAtThem(0x0200_0000_0b01L);
        assertFalse(rack.at(MAC).isRemote());
        assertEquals(-1, rack.ourSequence(MAC));
        assertEquals(1, rack.agent.status().duplicates());
        assertTrue(
                rack.agent.status().toString().contains("dup=1"),
                rack.agent.status().toString());
    }
}
