package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** Blank text would resolve to loopback: refused, naming the value. */
    @Test
    void aBlankAddressIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> segment.floodTo(""));
        assertEquals("address: \"\" (expected: an IP address)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> segment.allowRemotes("127.0.0.2", " "));
        assertEquals("remote: \" \" (expected: an IP address)", e.getMessage());
        assertEquals(List.of(), remotes());
        assertEquals(java.util.Set.of(), segment.allowedRemotes(), "the allow-list unchanged: any remote");
    }

    /**
     * A full flood list refuses a remote, and the remote is then owned by no one: removing it later does not touch
     * the list, and a free place takes it again.
     */
    @Test
    void aRemoteTheFullListRefusedIsNotOwned() throws Exception {
        for (int i = 0; i < io.vtep4j.learning.FloodList.MAX_REMOTES; i++) {
            segment.floodTo(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i}), "evpn");
        }
        InetAddress extra = InetAddress.getByName("10.2.0.1");
        assertThrows(IllegalStateException.class, () -> segment.floodTo(extra, "evpn"));
        segment.stopFloodingTo(InetAddress.getByName("10.1.0.0"), "evpn");
        segment.floodTo(extra);
        assertTrue(remotes().contains(extra), "a free place takes it");
        segment.stopFloodingTo(extra);
        assertFalse(remotes().contains(extra), "held by no other owner: the refused one never owned it");
        assertEquals(io.vtep4j.learning.FloodList.MAX_REMOTES - 1, remotes().size());
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
