package io.vtep4j.evpn;

import static io.vtep4j.evpn.FakeRack.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.LocalPort;
import io.vtep4j.interop.Await;
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
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 0, () -> rack.bgp.local().toString());

        theyClaim(1); // the host moved to them
        Await.until(
                WAIT,
                () -> rack.installedAtThem(MAC),
                () -> rack.vtep.forwardingTable().show());
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == -1, () -> rack.bgp.local().toString());

        port.send(Frames.arpRequest(MAC, "10.50.0.1", "10.50.0.2")); // and back to us
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 2, () -> rack.bgp.local().toString());
        assertEquals(port.id(), rack.at(MAC).portId());
        assertTrue(duplicates.isEmpty());
    }

    @Test
    void aLowerOrEqualSequenceFromAHigherAddressLoses() {
        start(b -> {});
        rack.host("vm1", MAC);
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 0, () -> rack.bgp.local().toString());
        theyClaim(0); // equal sequence, and 127.0.0.9 > 127.0.0.1: ours stays (RFC 7432 §7.7 tie-break)
        Await.until(
                WAIT,
                () -> rack.agent.status().routesIn() == 1,
                () -> rack.agent.status().toString());
        assertFalse(rack.at(MAC).isRemote());
        assertEquals(0, rack.ourSequence(MAC));
    }

    @Test
    void localWinsWithinTheHoldAdvertisesAboveTheRemote() {
        start(b -> b.localHold(Duration.ofMinutes(1)));
        rack.host("vm1", MAC);
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 0, () -> rack.bgp.local().toString());
        theyClaim(4);
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 5, () -> rack.bgp.local().toString());
        assertFalse(rack.at(MAC).isRemote(), "the host stays at its port");
    }

    @Test
    void aMacBouncingBetweenVtepsIsFrozenAndNoLongerAdvertised() {
        start(b -> b.duplicateDetection(3, Duration.ofMinutes(3), Duration.ofMinutes(3)));
        LocalPort port = rack.host("vm1", MAC);
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 0, () -> rack.bgp.local().toString());

        theyClaim(1); // move 1: to them
        Await.until(
                WAIT,
                () -> rack.installedAtThem(MAC),
                () -> rack.vtep.forwardingTable().show());
        port.send(Frames.arpRequest(MAC, "10.50.0.1", "10.50.0.2")); // move 2: back here, sequence 2
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == 2, () -> rack.bgp.local().toString());
        theyClaim(3); // move 3: to them again, the third move within 3 minutes
        Await.until(
                WAIT,
                () -> rack.agent.status().duplicates() == 1,
                () -> rack.agent.status().toString());
        assertEquals(List.of(Location.remote(FakeRack.address(FakeRack.THEM)).toString()), duplicates);
        Await.until(
                WAIT, () -> rack.ourSequence(MAC) == -1, () -> rack.bgp.local().toString());

        // Frozen: the host sending here again is learned by the data plane but not advertised, and further routes
        // about it change nothing.
        port.send(Frames.arpRequest(MAC, "10.50.0.1", "10.50.0.2"));
        Await.until(
                WAIT,
                () -> !rack.at(MAC).isRemote(),
                () -> rack.vtep.forwardingTable().show());
        theyClaim(7);
        rack.bgp.receive(FakeRack.theirMac(0x0200_0000_0b01L, 0, false), FakeRack.THEM); // a marker behind it
        Await.until(
                WAIT,
                () -> rack.installedAtThem(0x0200_0000_0b01L),
                () -> rack.vtep.forwardingTable().show());
        assertFalse(rack.at(MAC).isRemote());
        assertEquals(-1, rack.ourSequence(MAC));
        assertEquals(1, rack.agent.status().duplicates());
        assertTrue(
                rack.agent.status().toString().contains("dup=1"),
                rack.agent.status().toString());
    }
}
