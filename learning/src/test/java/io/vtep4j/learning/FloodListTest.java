package io.vtep4j.learning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class FloodListTest {

    private static InetAddress ip(String text) throws Exception {
        return InetAddress.getByName(text);
    }

    @Test
    void holdsAtMostItsBoundOfRemotes() throws Exception {
        FloodList list = new FloodList();
        for (int i = 0; i < FloodList.MAX_REMOTES; i++) {
            assertTrue(list.addRemote(InetAddress.getByAddress(new byte[] {10, 1, (byte) (i >> 8), (byte) i}), 0));
        }
        InetAddress extra = InetAddress.getByName("10.2.0.1");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> list.addRemote(extra, 0));
        assertEquals("flood list: 10.2.0.1 would be remote 4097 (expected: at most 4096)", e.getMessage());
        assertEquals(FloodList.MAX_REMOTES, list.remotes().length);
        assertFalse(list.addRemote(InetAddress.getByName("10.1.0.0"), 0), "one already there is not another");
        assertTrue(list.addRemote(InetAddress.getByName("10.1.0.0"), 1), "nor is a move to another transport");
    }

    @Test
    void startsEmptyWithEveryFloodSwitchOn() {
        final FloodList list = new FloodList();
        assertTrue(list.isEmpty());
        assertNull(list.group());
        assertEquals(0, list.remotes().length);
        assertTrue(list.floodBroadcast());
        assertTrue(list.floodMulticast());
        assertTrue(list.floodUnknownUnicast());
    }

    @Test
    void holdsAnIpv4OrIpv6MulticastGroup() throws Exception {
        final FloodList list = new FloodList().group(ip("239.1.1.1"));
        assertEquals(ip("239.1.1.1"), list.group());
        list.group(ip("ff05::1:3"));
        assertEquals(ip("ff05::1:3"), list.group());
        assertFalse(list.isEmpty());
        list.group(null);
        assertTrue(list.isEmpty());
    }

    @Test
    void rejectsAUnicastAddressAsGroupNamingIt() throws Exception {
        final IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new FloodList().group(ip("192.0.2.1")));
        assertEquals("group: 192.0.2.1 (expected: an IPv4 or IPv6 multicast address)", e.getMessage());
    }

    @Test
    void headEndReplicationSetAddsAndRemovesRemotesWithoutDuplicates() throws Exception {
        final FloodList list = new FloodList();
        assertTrue(list.addRemote(ip("192.0.2.1")));
        assertTrue(list.addRemote(ip("2001:db8::2")));
        assertFalse(list.addRemote(ip("192.0.2.1")));
        assertArrayEquals(new InetAddress[] {ip("192.0.2.1"), ip("2001:db8::2")}, list.remotes());
        assertTrue(list.removeRemote(ip("192.0.2.1")));
        assertFalse(list.removeRemote(ip("192.0.2.1")));
        assertArrayEquals(new InetAddress[] {ip("2001:db8::2")}, list.remotes());
    }

    @Test
    void groupAndHeadEndReplicationCanBeUsedTogether() throws Exception {
        final FloodList list = new FloodList().group(ip("239.1.1.1"));
        list.addRemote(ip("192.0.2.1"));
        assertEquals(ip("239.1.1.1"), list.group());
        assertEquals(1, list.remotes().length);
    }

    @Test
    void rejectsMulticastOrWildcardRemotes() {
        assertThrows(IllegalArgumentException.class, () -> new FloodList().addRemote(ip("239.1.1.1")));
        assertThrows(IllegalArgumentException.class, () -> new FloodList().addRemote(ip("0.0.0.0")));
    }

    @Test
    void remotesIsASnapshotThatLaterChangesLeaveUntouched() throws Exception {
        final FloodList list = new FloodList();
        list.addRemote(ip("192.0.2.1"));
        final InetAddress[] before = list.remotes();
        assertSame(before, list.remotes(), "no allocation between changes");
        list.addRemote(ip("192.0.2.2"));
        list.removeRemote(ip("192.0.2.1"));
        assertArrayEquals(new InetAddress[] {ip("192.0.2.1")}, before);
    }

    @Test
    void replaceSwapsTheWholeSetAtOnce() throws Exception {
        final FloodList list = new FloodList();
        list.addRemote(ip("192.0.2.1"));
        list.replaceRemotes(List.of(ip("192.0.2.7"), ip("192.0.2.8"), ip("192.0.2.7")));
        assertArrayEquals(new InetAddress[] {ip("192.0.2.7"), ip("192.0.2.8")}, list.remotes());
    }

    @Test
    void floodSwitchesDecidePerKindOfDestination() {
        final FloodList list = new FloodList();
        final long unicast = MacAddress.parse("02:00:00:00:00:01");
        final long multicast = MacAddress.parse("01:00:5e:01:02:03");
        assertTrue(list.floods(unicast) && list.floods(multicast) && list.floods(MacAddress.BROADCAST));
        list.floodUnknownUnicast(false);
        assertFalse(list.floods(unicast));
        assertTrue(list.floods(multicast));
        list.floodMulticast(false);
        assertFalse(list.floods(multicast));
        assertTrue(list.floods(MacAddress.BROADCAST), "broadcast has its own switch");
        list.floodBroadcast(false);
        assertFalse(list.floods(MacAddress.BROADCAST));
    }

    @Test
    void readersSeeConsistentSnapshotsWhileAWriterChangesTheSet() throws Exception {
        final FloodList list = new FloodList();
        final InetAddress a = ip("192.0.2.1");
        final InetAddress b = ip("192.0.2.2");
        list.addRemote(a);
        final Thread writer = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                list.addRemote(b);
                list.removeRemote(b);
            }
        });
        writer.start();
        long reads = 0;
        while (writer.isAlive() && reads < 50_000_000L) {
            final InetAddress[] snapshot = list.remotes();
            assertTrue(snapshot.length == 1 || snapshot.length == 2);
            assertSame(a, snapshot[0]);
            reads++;
        }
        writer.join(10_000);
        assertFalse(writer.isAlive());
        assertArrayEquals(new InetAddress[] {a}, list.remotes());
    }

    @Test
    void eachRemoteCarriesItsTransportAndMovesWhenAddedWithAnother() throws Exception {
        FloodList list = new FloodList();
        InetAddress x = InetAddress.getByName("192.0.2.2");
        InetAddress y = InetAddress.getByName("192.0.2.3");
        assertTrue(list.addRemote(x));
        assertTrue(list.addRemote(y, 1));
        assertFalse(list.addRemote(y, 1));
        assertArrayEquals(new Location[] {Location.remote(x, 0), Location.remote(y, 1)}, list.targets());
        assertEquals(1, list.transportOf(y));
        assertTrue(list.addRemote(x, 2), "same address, another transport: moved");
        assertArrayEquals(new Location[] {Location.remote(x, 2), Location.remote(y, 1)}, list.targets());
        assertArrayEquals(new InetAddress[] {x, y}, list.remotes());
        assertTrue(list.removeRemote(x));
        assertArrayEquals(new Location[] {Location.remote(y, 1)}, list.targets());
        assertEquals(-1, list.transportOf(x));
        assertThrows(IllegalArgumentException.class, () -> list.addRemote(x, Location.MAX_TRANSPORT + 1));
    }

    @Test
    void groupsArePerTransportAndGroupIsTransportZero() throws Exception {
        FloodList list = new FloodList();
        InetAddress g1 = InetAddress.getByName("239.1.1.1");
        InetAddress g2 = InetAddress.getByName("239.1.1.2");
        list.group(1, g2);
        assertNull(list.group());
        assertFalse(list.isEmpty());
        list.group(g1);
        assertSame(g1, list.group(0));
        assertArrayEquals(new InetAddress[] {g1, g2}, list.groups());
        list.group(1, null);
        assertArrayEquals(new InetAddress[] {g1}, list.groups());
        list.group(null);
        assertTrue(list.isEmpty());
        assertEquals(0, list.groups().length);
        assertThrows(IllegalArgumentException.class, () -> list.group(1, InetAddress.getByName("192.0.2.1")));
    }
}
