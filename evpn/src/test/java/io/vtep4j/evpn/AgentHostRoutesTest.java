package io.vtep4j.evpn;

import static io.vtep4j.evpn.FakeRack.VNI;
import static io.vtep4j.evpn.FakeRack.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.learning.NeighborEntry;
import io.vtep4j.testing.Frames;
import java.net.InetAddress;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Host addresses through BGP, against the stand-in gobgpd: a binding ARP suppression snoops on a local port goes out
 * as a type-2 route with MAC and IP next to the MAC's own route, and follows the binding; another VTEP's type-2
 * route with MAC and IP becomes a neighbour binding that ARP suppression answers from, and goes with the route.
 */
class AgentHostRoutesTest {

    private static final long MAC_A = 0x0200_0000_0101L;
    private static final long MAC_B = 0x0200_0000_0102L;
    private static final long MAC_X = 0x0200_0000_0901L;
    private static final long MAC_Y = 0x0200_0000_0902L;
    private static final InetAddress IP_1 = FakeRack.address("10.50.0.1");
    private static final InetAddress IP_9 = FakeRack.address("10.50.0.9");

    private final FakeRack rack = new FakeRack();
    private final LinkedBlockingQueue<ByteBuf> asked = new LinkedBlockingQueue<>();

    @BeforeEach
    void up() {
        rack.vtepOptions = v -> v.suppressNeighbors(true).neighborListener(rack.agent.neighborListener());
        rack.bgp.start();
        rack.agent(b -> {});
        rack.awaitConnected();
    }

    @AfterEach
    void down() {
        try {
            rack.close();
        } finally {
            asked.forEach(ByteBuf::release);
        }
    }

    /** Our type-2 routes in the fake's table: {@code "MAC IP seq N"}, IP {@code -} for a MAC-only route. */
    private Set<String> ours() {
        Set<String> out = new TreeSet<>();
        for (Path p : rack.bgp.local()) {
            if (RouteCodec.decode(p) instanceof EvpnRoute.MacIp m) {
                out.add(MacAddress.toString(m.mac()) + " " + (m.ip() == null ? "-" : m.ip().getHostAddress()) + " seq "
                        + m.sequence());
            }
        }
        return out;
    }

    private void awaitOurs(String... expected) {
        Set<String> want = new TreeSet<>(Set.of(expected));
        Await.until(
                WAIT,
                () -> ours().equals(want),
                () -> ours() + "\n" + rack.vtep.neighborTable().show());
    }

    /** A local port that has announced {@code ip} as {@code mac} (an ARP request from it). */
    private LocalPort host(String name, long mac, String ip) {
        LocalPort port = rack.vtep.segment(VNI).attach(name, asked::add);
        port.send(Frames.arpRequest(mac, ip, "10.50.0.254"));
        return port;
    }

    private static Path theirs(long mac, InetAddress ip, long sequence, boolean withdraw) {
        InetAddress them = FakeRack.address(FakeRack.THEM);
        return RouteCodec.macIp(VNI, RouteCodec.rd(them, VNI), FakeRack.RT, them, mac, ip, sequence, withdraw);
    }

    private NeighborEntry binding(InetAddress ip) {
        return rack.vtep.neighborTable().get(VNI, ip);
    }

    private boolean boundFromBgp(InetAddress ip, long mac) {
        NeighborEntry e = binding(ip);
        return e != null && e.mac() == mac && e.origin() == NeighborEntry.Origin.CONTROL;
    }

    @Test
    void aLocalBindingIsAdvertisedWithItsMacAndFollowsTheBinding() {
        LocalPort vm1 = host("vm1", MAC_A, "10.50.0.1");
        awaitOurs("02:00:00:00:01:01 - seq 0", "02:00:00:00:01:01 10.50.0.1 seq 0");

        // The binding goes (its MAC stays): only the route with the address is withdrawn.
        assertTrue(rack.vtep.segment(VNI).removeNeighbor(IP_1));
        awaitOurs("02:00:00:00:01:01 - seq 0");
        vm1.send(Frames.arpRequest(MAC_A, "10.50.0.1", "10.50.0.254"));
        awaitOurs("02:00:00:00:01:01 - seq 0", "02:00:00:00:01:01 10.50.0.1 seq 0");

        // The address moves to another local host: withdrawn for the old MAC, advertised for the new one.
        LocalPort vm2 = host("vm2", MAC_B, "10.50.0.1");
        awaitOurs("02:00:00:00:01:01 - seq 0", "02:00:00:00:01:02 - seq 0", "02:00:00:00:01:02 10.50.0.1 seq 0");

        // Its port detaches: the MAC and its address are withdrawn together.
        vm2.close();
        awaitOurs("02:00:00:00:01:01 - seq 0");

        // Suppression off: the segment's addresses are no longer advertised; on again, they are.
        vm1.send(Frames.arpRequest(MAC_A, "10.50.0.1", "10.50.0.254"));
        awaitOurs("02:00:00:00:01:01 - seq 0", "02:00:00:00:01:01 10.50.0.1 seq 0");
        rack.vtep.segment(VNI).suppressNeighbors(false);
        awaitOurs("02:00:00:00:01:01 - seq 0");
        rack.vtep.segment(VNI).suppressNeighbors(true);
        awaitOurs("02:00:00:00:01:01 - seq 0", "02:00:00:00:01:01 10.50.0.1 seq 0");

        // A clean stop withdraws everything (the type 3 included).
        rack.agent.close();
        assertEquals(java.util.List.of(), rack.bgp.local());
    }

    @Test
    void aHostThatMovedHereIsAdvertisedAboveTheRemoteSequenceWithItsAddress() {
        rack.bgp.receive(theirs(MAC_X, IP_9, 2, false), FakeRack.THEM);
        rack.bgp.receive(theirs(MAC_X, null, 2, false), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> boundFromBgp(IP_9, MAC_X),
                () -> rack.vtep.neighborTable().show());

        // The host shows up on our port: its MAC is advertised above the remote number, and the binding from BGP
        // goes. Snooping never overwrites a binding from BGP, so whether this first announcement already binds the
        // address here depends on which comes first; the host's next one does.
        LocalPort vm9 = host("vm9", MAC_X, "10.50.0.9");
        Await.until(
                WAIT,
                () -> ours().contains("02:00:00:00:09:01 - seq 3") && !boundFromBgp(IP_9, MAC_X),
                () -> ours() + "\n" + rack.vtep.neighborTable().show());
        vm9.send(Frames.arpRequest(MAC_X, "10.50.0.9", "10.50.0.254"));
        awaitOurs("02:00:00:00:09:01 - seq 3", "02:00:00:00:09:01 10.50.0.9 seq 3");
    }

    @Test
    void aRemoteMacAndIpRouteIsABindingArpSuppressionAnswersFrom() throws Exception {
        rack.bgp.receive(theirs(MAC_X, null, 0, false), FakeRack.THEM);
        rack.bgp.receive(theirs(MAC_X, IP_9, 0, false), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> rack.installedAtThem(MAC_X) && boundFromBgp(IP_9, MAC_X),
                () -> rack.vtep.neighborTable().show()
                        + rack.vtep.forwardingTable().show());

        LocalPort asker = rack.vtep.segment(VNI).attach("asker", asked::add);
        asker.send(Frames.arpRequest(MAC_A, "10.50.0.1", "10.50.0.9"));
        ByteBuf reply = asked.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(reply, "answered by ARP suppression");
        try {
            assertTrue(Frames.isArpReplyTo(reply, MAC_A), () -> io.netty.buffer.ByteBufUtil.hexDump(reply));
            assertEquals(MAC_X, Frames.source(reply));
        } finally {
            reply.release();
        }

        // The route with the address is withdrawn, the MAC-only one stays: the binding goes, the MAC stays.
        rack.bgp.receive(theirs(MAC_X, IP_9, 0, true), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> binding(IP_9) == null,
                () -> rack.vtep.neighborTable().show());
        assertTrue(rack.installedAtThem(MAC_X));
    }

    @Test
    void theLatestClaimHoldsAnAddressAndALocalHostKeepsItsOwn() {
        rack.bgp.receive(theirs(MAC_X, IP_9, 0, false), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> boundFromBgp(IP_9, MAC_X),
                () -> rack.vtep.neighborTable().show());
        rack.bgp.receive(theirs(MAC_Y, IP_9, 0, false), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> boundFromBgp(IP_9, MAC_Y),
                () -> rack.vtep.neighborTable().show());
        rack.bgp.receive(theirs(MAC_Y, IP_9, 0, true), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> boundFromBgp(IP_9, MAC_X),
                () -> rack.vtep.neighborTable().show());

        // A remote route claims a local host's address: the local binding stays.
        host("vm1", MAC_A, "10.50.0.1");
        awaitOurs("02:00:00:00:01:01 - seq 0", "02:00:00:00:01:01 10.50.0.1 seq 0");
        rack.bgp.receive(theirs(MAC_Y, IP_1, 0, false), FakeRack.THEM);
        // Routes are taken in order: once this later one is bound, the claim on 10.50.0.1 has been decided.
        InetAddress sentinel = FakeRack.address("10.50.0.77");
        rack.bgp.receive(theirs(MAC_Y, sentinel, 0, false), FakeRack.THEM);
        Await.until(
                WAIT,
                () -> boundFromBgp(sentinel, MAC_Y),
                () -> rack.vtep.neighborTable().show());
        NeighborEntry own = binding(IP_1);
        assertEquals(MAC_A, own.mac(), own::toString);
        assertEquals(NeighborEntry.Origin.LOCAL, own.origin(), own::toString);
        assertEquals(1, rack.agent.loop.hostBindingsRefused(), rack.agent.status()::toString);
    }
}
