package io.vtep4j.learning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class LocationTest {

    @Test
    void remoteHasAddressAndTransportAndEqualsByValue() throws Exception {
        final Location a = Location.remote(InetAddress.getByName("192.0.2.1"), 1);
        assertTrue(a.isRemote());
        assertEquals(InetAddress.getByName("192.0.2.1"), a.address());
        assertEquals(1, a.transport());
        assertEquals(-1, a.portId());
        assertEquals(a, Location.remote(InetAddress.getByName("192.0.2.1"), 1));
        assertEquals(
                a.hashCode(),
                Location.remote(InetAddress.getByName("192.0.2.1"), 1).hashCode());
        // The same address over another underlay is another location: a MAC there is answered on that underlay.
        assertNotEquals(a, Location.remote(InetAddress.getByName("192.0.2.1")));
        assertEquals("dst 192.0.2.1 transport 1", a.toString());
        assertEquals(0, Location.remote(InetAddress.getByName("192.0.2.1")).transport());
        assertEquals(
                "dst 192.0.2.1",
                Location.remote(InetAddress.getByName("192.0.2.1")).toString());
    }

    @Test
    void localPortHasIdAndNameAndNoAddress() {
        final Location p = Location.localPort(7, "tap7");
        assertFalse(p.isRemote());
        assertNull(p.address());
        assertEquals(-1, p.transport());
        assertEquals(7, p.portId());
        assertEquals("tap7", p.name());
        assertEquals(p, Location.localPort(7, "tap7"));
        assertNotEquals(p, Location.localPort(8, "tap7"));
        assertEquals("port 7 tap7", p.toString());
    }

    @Test
    void rejectsMulticastRemotesNegativePortsAndLargeTransports() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Location.remote(InetAddress.getByName("239.1.1.1")));
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Location.localPort(-1, "x"));
        assertEquals("portId: -1 (expected: >= 0)", e.getMessage());
        final IllegalArgumentException t = assertThrows(
                IllegalArgumentException.class, () -> Location.remote(InetAddress.getByName("192.0.2.1"), 256));
        assertEquals("transport: 256 (expected: 0..255)", t.getMessage());
    }
}
