package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.MAC_B;
import static io.vtep4j.learning.Fixtures.PORT_1;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NeighborTableTest {

    /** 10.0.0.2 as the table's IPv4 key. */
    private static final long IP_2 = 0x0A00_0002L;

    private static final long IP_3 = 0x0A00_0003L;

    /** 2001:db8::2 as the table's IPv6 key. */
    private static final long V6_HI = 0x2001_0DB8_0000_0000L;

    private static final long V6_LO = 2;

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final ForwardingTable fdb = ForwardingTable.builder().ticker(clock).build();
    private final List<String> events = new ArrayList<>();
    private final NeighborTable neighbors = NeighborTable.builder(fdb)
            .ticker(clock)
            .listener(new NeighborListener() {
                @Override
                public void added(NeighborEntry entry) {
                    events.add("added " + entry);
                }

                @Override
                public void changed(NeighborEntry before, NeighborEntry after) {
                    events.add("changed " + before + " -> " + after);
                }

                @Override
                public void removed(NeighborEntry entry) {
                    events.add("removed " + entry);
                }
            })
            .build();

    @Test
    void aVniOutOfRangeIsRefusedNotTakenAsEveryVni() throws Exception {
        assertTrue(neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_1));
        InetAddress ip = InetAddress.getByName("10.0.0.2");
        for (int vni : new int[] {-1, 1 << 24}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> neighbors.clearVni(vni));
            assertEquals("vni: " + vni + " (expected: 0..16777215)", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> neighbors.entries(vni));
            assertThrows(IllegalArgumentException.class, () -> neighbors.snoop(vni, false, 0, IP_3, MAC_B, VTEP_1));
            assertThrows(IllegalArgumentException.class, () -> neighbors.get(vni, ip));
            assertThrows(IllegalArgumentException.class, () -> neighbors.remove(vni, ip));
        }
        assertEquals(1, neighbors.entries().size(), "nothing removed, nothing stored");
    }

    @Test
    void answersForABindingWhoseMacIsAtTheRemoteItWasSnoopedFrom() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertTrue(neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_1));
        assertEquals(MAC_A, neighbors.resolve(VNI, false, 0, IP_2));
        assertEquals(NeighborTable.UNKNOWN, neighbors.resolve(VNI, false, 0, IP_3));
        assertEquals(NeighborTable.UNKNOWN, neighbors.resolve(VNI + 1, false, 0, IP_2));
        assertEquals(List.of("added 10.0.0.2 lladdr 02:00:00:00:00:0a vni 5001 remote at dst 192.0.2.1"), events);
        NeighborCounters c = neighbors.counters();
        assertEquals(1, c.entries());
        assertEquals(1, c.snooped());
        assertEquals(1, c.answered());
    }

    @Test
    void getShowsOneBindingAndCountsNothing() throws Exception {
        java.net.InetAddress ip = java.net.InetAddress.getByName("10.0.0.2");
        assertNull(neighbors.get(VNI, ip));
        fdb.learn(VNI, MAC_A, PORT_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, PORT_1);
        NeighborEntry e = neighbors.get(VNI, ip);
        assertEquals(MAC_A, e.mac());
        assertEquals(NeighborEntry.Origin.LOCAL, e.origin());
        assertEquals(PORT_1, e.location());
        assertNull(neighbors.get(VNI + 1, ip));
        neighbors.add(VNI, ip, MAC_B);
        assertEquals(NeighborEntry.Origin.CONTROL, neighbors.get(VNI, ip).origin());
        NeighborCounters c = neighbors.counters();
        assertEquals(0, c.answered() + c.stale() + c.conflicts());
    }

    @Test
    void ipv6BindingsAreKeptApartFromIpv4() {
        fdb.learn(VNI, MAC_B, VTEP_2);
        neighbors.snoop(VNI, true, V6_HI, V6_LO, MAC_B, VTEP_2);
        assertEquals(MAC_B, neighbors.resolve(VNI, true, V6_HI, V6_LO));
        assertEquals(NeighborTable.UNKNOWN, neighbors.resolve(VNI, false, 0, V6_LO));
        assertEquals(
                "2001:db8:0:0:0:0:0:2", neighbors.entries().get(0).address().getHostAddress());
    }

    @Test
    void neverAnswersForAMacOnALocalPort() {
        fdb.learn(VNI, MAC_A, PORT_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, PORT_1);
        assertEquals(NeighborTable.LOCAL, neighbors.resolve(VNI, false, 0, IP_2));
        assertEquals(0, neighbors.counters().answered());
    }

    @Test
    void aBindingAgesWithItsMac() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_1);
        clock.advance(Duration.ofSeconds(301));
        fdb.expire();
        assertEquals(NeighborTable.STALE, neighbors.resolve(VNI, false, 0, IP_2));
        assertEquals(1, neighbors.counters().stale());
        assertEquals(1, neighbors.expire());
        assertEquals(0, neighbors.size());
        assertEquals(NeighborTable.UNKNOWN, neighbors.resolve(VNI, false, 0, IP_2));
        assertTrue(events.get(events.size() - 1).startsWith("removed 10.0.0.2"));
    }

    @Test
    void aBindingWhoseMacMovedIsNotAnsweredUntilConfirmedAgain() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_A, VTEP_2); // the host migrated behind another VTEP
        assertEquals(NeighborTable.CONFLICT, neighbors.resolve(VNI, false, 0, IP_2));
        assertEquals(1, neighbors.counters().conflicts());
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_2); // its gratuitous ARP
        assertEquals(MAC_A, neighbors.resolve(VNI, false, 0, IP_2));
        assertEquals(1, neighbors.counters().changed());
    }

    @Test
    void aBindingWhoseMacMovedToALocalPortIsAConflict() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_1);
        fdb.learn(VNI, MAC_A, PORT_1);
        assertEquals(NeighborTable.LOCAL, neighbors.resolve(VNI, false, 0, IP_2));
        assertEquals(1, neighbors.counters().conflicts());
    }

    @Test
    void theUnderlayCannotTakeAnAddressFromALiveLocalHost() {
        fdb.learn(VNI, MAC_A, PORT_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, PORT_1);
        fdb.learn(VNI, MAC_B, VTEP_1);
        assertFalse(neighbors.snoop(VNI, false, 0, IP_2, MAC_B, VTEP_1));
        assertEquals(MAC_A, neighbors.entries().get(0).mac());
        assertEquals(1, neighbors.counters().conflicts());
        // Once the local host is gone from the table, the address may move.
        fdb.flushLocation(PORT_1);
        assertTrue(neighbors.snoop(VNI, false, 0, IP_2, MAC_B, VTEP_1));
        assertEquals(MAC_B, neighbors.resolve(VNI, false, 0, IP_2));
    }

    @Test
    void controlPlaneBindingsFollowTheTableAndSnoopingCannotChangeThem() throws Exception {
        InetAddress ip = InetAddress.getByName("10.0.0.2");
        fdb.addControl(VNI, MAC_A, VTEP_1);
        assertTrue(neighbors.add(VNI, ip, MAC_A));
        assertEquals(MAC_A, neighbors.resolve(VNI, false, 0, IP_2));
        fdb.addControl(VNI, MAC_A, VTEP_2); // a newer route moved it: the binding follows the table
        assertEquals(MAC_A, neighbors.resolve(VNI, false, 0, IP_2));
        assertFalse(neighbors.snoop(VNI, false, 0, IP_2, MAC_B, VTEP_1));
        assertTrue(neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_2)); // confirms, changes nothing
        assertEquals(NeighborEntry.Origin.CONTROL, neighbors.entries().get(0).origin());
        assertNull(neighbors.entries().get(0).location());
        clock.advance(Duration.ofDays(1));
        assertEquals(0, neighbors.expire()); // never aged
        assertTrue(neighbors.remove(VNI, ip));
        assertFalse(neighbors.remove(VNI, ip));
        assertEquals(NeighborTable.UNKNOWN, neighbors.resolve(VNI, false, 0, IP_2));
    }

    @Test
    void boundedPerVniAndInTotal() {
        NeighborTable small =
                NeighborTable.builder(fdb).maxEntries(3).maxEntriesPerVni(2).build();
        assertTrue(small.snoop(1, false, 0, 1, MAC_A, VTEP_1));
        assertTrue(small.snoop(1, false, 0, 2, MAC_A, VTEP_1));
        assertFalse(small.snoop(1, false, 0, 3, MAC_A, VTEP_1)); // VNI full
        assertTrue(small.snoop(2, false, 0, 1, MAC_A, VTEP_1));
        assertFalse(small.snoop(3, false, 0, 1, MAC_A, VTEP_1)); // table full
        assertTrue(small.snoop(1, false, 0, 2, MAC_B, VTEP_1)); // changing a binding needs no room
        assertEquals(3, small.size());
        assertEquals(2, small.counters().tableFull());
        assertEquals(2, small.clearVni(1));
        assertTrue(small.snoop(3, false, 0, 1, MAC_A, VTEP_1)); // room again
    }

    @Test
    void groupAndZeroMacsAreNeverBound() {
        assertFalse(neighbors.snoop(VNI, false, 0, IP_2, MacAddress.BROADCAST, VTEP_1));
        assertFalse(neighbors.snoop(VNI, false, 0, IP_2, 0, VTEP_1));
        assertEquals(0, neighbors.size());
    }

    @Test
    void misuseFailsAtOnceNamingTheValue() throws Exception {
        InetAddress ip = InetAddress.getByName("10.0.0.2");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> neighbors.add(VNI, ip, MacAddress.BROADCAST));
        assertEquals("mac: ff:ff:ff:ff:ff:ff (expected: a unicast, non-zero MAC)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> neighbors.add(1 << 24, ip, MAC_A));
        e = assertThrows(
                IllegalArgumentException.class, () -> NeighborTable.builder(fdb).maxEntries(0));
        assertEquals("maxEntries: 0 (expected: >= 1)", e.getMessage());
    }

    @Test
    void listingShowsOneBindingPerLine() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        neighbors.snoop(VNI, false, 0, IP_2, MAC_A, VTEP_1);
        clock.advance(Duration.ofMillis(1500));
        String[] lines = neighbors.show().split("\n");
        assertEquals(2, lines.length);
        assertTrue(lines[0].startsWith("VNI"), lines[0]);
        assertEquals(
                "5001      10.0.0.2                                 02:00:00:00:00:0a remote   dst 192.0.2.1            "
                        + "1.500s",
                lines[1]);
    }
}
