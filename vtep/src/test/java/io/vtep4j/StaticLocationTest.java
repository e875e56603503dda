package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vtep4j.learning.Location;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/**
 * The VTEP's forwarding table refuses, as the location of a static or control entry, a remote it cannot send to,
 * naming the location and the rule; what it can send to is added.
 */
class StaticLocationTest {
    static final int VNI = 7;
    static final long MAC = 0x02_00_00_00_00_42L;

    @Test
    void aRemoteTheVtepCannotSendToIsRefused() throws Exception {
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            vtep.segment(VNI);
            var table = vtep.forwardingTable();
            IllegalArgumentException own = assertThrows(
                    IllegalArgumentException.class,
                    () -> table.addStatic(VNI, MAC, Location.remote(InetAddress.getByName("127.0.0.1"))));
            assertEquals(
                    "where: 127.0.0.1 (expected: a remote VTEP, not one of this VTEP's own addresses)",
                    own.getMessage());
            IllegalArgumentException transport = assertThrows(
                    IllegalArgumentException.class,
                    () -> table.addControl(VNI, MAC, Location.remote(InetAddress.getByName("127.0.0.2"), 1)));
            assertEquals(
                    "where: 127.0.0.2 over transport 1 (expected: a transport 0..0, of [VXLAN])",
                    transport.getMessage());
            IllegalArgumentException family = assertThrows(
                    IllegalArgumentException.class,
                    () -> table.addStatic(VNI, MAC, Location.remote(InetAddress.getByName("fd00::2"))));
            assertEquals(
                    "where: fd00:0:0:0:0:0:0:2 (expected: an address of the family of a local address, [127.0.0.1])",
                    family.getMessage());
            assertNull(table.lookup(VNI, MAC), "nothing added");

            Location peer = Location.remote(InetAddress.getByName("127.0.0.2"));
            table.addStatic(VNI, MAC, peer);
            assertEquals(peer, table.lookup(VNI, MAC));
        }
    }
}
