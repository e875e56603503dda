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
    void remoteHasAddressAndEncapsulationAndEqualsByValue() throws Exception {
        final Location a = Location.remote(InetAddress.getByName("192.0.2.1"), Encapsulation.NVGRE);
        assertTrue(a.isRemote());
        assertEquals(InetAddress.getByName("192.0.2.1"), a.address());
        assertEquals(Encapsulation.NVGRE, a.encapsulation());
        assertEquals(-1, a.portId());
        assertEquals(a, Location.remote(InetAddress.getByName("192.0.2.1"), Encapsulation.NVGRE));
        assertEquals(
                a.hashCode(),
                Location.remote(InetAddress.getByName("192.0.2.1"), Encapsulation.NVGRE)
                        .hashCode());
        assertNotEquals(a, Location.remote(InetAddress.getByName("192.0.2.1"), Encapsulation.VXLAN));
        assertEquals("dst 192.0.2.1 nvgre", a.toString());
    }

    @Test
    void localPortHasIdAndNameAndNoAddress() {
        final Location p = Location.localPort(7, "tap7");
        assertFalse(p.isRemote());
        assertNull(p.address());
        assertNull(p.encapsulation());
        assertEquals(7, p.portId());
        assertEquals("tap7", p.name());
        assertEquals(p, Location.localPort(7, "tap7"));
        assertNotEquals(p, Location.localPort(8, "tap7"));
        assertEquals("port 7 tap7", p.toString());
    }

    @Test
    void rejectsMulticastRemotesAndNegativePorts() throws Exception {
        assertThrows(
                IllegalArgumentException.class,
                () -> Location.remote(InetAddress.getByName("239.1.1.1"), Encapsulation.VXLAN));
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Location.localPort(-1, "x"));
        assertEquals("portId: -1 (expected: >= 0)", e.getMessage());
    }
}
