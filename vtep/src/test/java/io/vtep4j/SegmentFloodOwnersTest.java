package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Flood targets held by owners: a control plane and manual configuration never remove each other's targets. */
class SegmentFloodOwnersTest {

    private final Vtep vtep = Vtep.builder()
            .localAddress("127.0.0.1")
            .port(io.vtep4j.testing.Ports.freeUdp())
            .build();
    private final Segment segment = vtep.segment(5001);

    @AfterEach
    void close() {
        vtep.close();
    }

    private List<InetAddress> remotes() {
        return segment.flooding().remotes();
    }

    @Test
    void aTargetStaysWhileAnyOwnerHoldsIt() throws Exception {
        InetAddress two = InetAddress.getByName("127.0.0.2");
        InetAddress three = InetAddress.getByName("127.0.0.3");
        segment.floodTo(two).floodTo(two, "evpn");
        segment.stopFloodingTo(two, "evpn");
        assertEquals(List.of(two), remotes(), "manual configuration still holds it");

        segment.floodTo(three, "evpn");
        segment.stopFloodingTo(three);
        assertEquals(List.of(two, three), remotes(), "a manual removal does not take EVPN's target");
        segment.stopFloodingTo(three, "evpn");
        segment.stopFloodingTo(two);
        assertEquals(List.of(), remotes());
    }

    @Test
    void aGroupHasNoOwners() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> segment.floodTo(InetAddress.getByName("239.1.1.1"), "evpn"));
        assertEquals(true, e.getMessage().contains("a group has no owners"), e.getMessage());
    }
}
