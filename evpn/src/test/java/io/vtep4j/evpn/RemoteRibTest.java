package io.vtep4j.evpn;

import static io.vtep4j.evpn.RouteCodecTest.address;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.evpn.RemoteRib.MacKey;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RemoteRibTest {

    private static final RouteTarget RT = new RouteTarget(65000, 100);
    private static final long MAC = 0x0200_0000_0001L;
    private static final MacKey KEY = new MacKey(100, MAC);

    private final RemoteRib rib = new RemoteRib(Map.of(RT, 100), EvpnAgent.Builder.DEFAULT_MAX_REMOTE_ROUTES);

    private static EvpnRoute.MacIp mac(String vtep, long seq) {
        return new EvpnRoute.MacIp("2:" + vtep + ":100:0:mac", Set.of(RT), address(vtep), MAC, seq);
    }

    @Test
    void theHighestSequenceNumberWinsAndTiesGoToTheLowestAddress() {
        RemoteRib.Touched t = new RemoteRib.Touched();
        rib.put(mac("10.0.0.9", 1), 1, t);
        rib.put(mac("10.0.0.5", 1), 1, t);
        assertEquals(address("10.0.0.5"), rib.winner(KEY).nextHop()); // RFC 7432 §7.7 tie: lowest address
        rib.put(mac("10.0.0.9", 2), 1, t);
        assertEquals(address("10.0.0.9"), rib.winner(KEY).nextHop());
        assertEquals(2, rib.highestSequence(KEY));
    }

    @Test
    void aWithdrawAndAnAddInOneBatchTouchTheMacOnceWithTheNetResult() {
        rib.put(mac("10.0.0.5", 0), 1, new RemoteRib.Touched());
        RemoteRib.Touched batch = new RemoteRib.Touched();
        rib.remove(mac("10.0.0.5", 0).key(), batch);
        rib.put(mac("10.0.0.6", 1), 1, batch);
        assertEquals(Set.of(KEY), batch.macs);
        assertEquals(address("10.0.0.6"), rib.winner(KEY).nextHop());
    }

    @Test
    void routesOfOtherTargetsAreNotImported() {
        RemoteRib.Touched t = new RemoteRib.Touched();
        EvpnRoute.MacIp other =
                new EvpnRoute.MacIp("2:x", Set.of(new RouteTarget(65000, 200)), address("10.0.0.5"), MAC, 0);
        assertEquals(RemoteRib.Put.IGNORED, rib.put(other, 1, t));
        assertTrue(t.isEmpty());
        assertEquals(0, rib.size());
    }

    @Test
    void typeThreeRoutesMakeTheFloodTargetsAndStaleGenerationsAreSwept() {
        RemoteRib.Touched t = new RemoteRib.Touched();
        rib.put(new EvpnRoute.Imet("3:a", Set.of(RT), address("10.0.0.5"), address("10.0.0.5")), 1, t);
        rib.put(new EvpnRoute.Imet("3:b", Set.of(RT), address("10.0.0.6"), address("10.0.0.6")), 2, t);
        assertEquals(Set.of(address("10.0.0.5"), address("10.0.0.6")), rib.floodTargets(100));
        assertEquals(1, rib.removeOlderThan(2, t));
        assertEquals(Set.of(address("10.0.0.6")), rib.floodTargets(100));
        assertNull(rib.winner(KEY));
    }

    @Test
    void aNewDestinationBeyondTheBoundIsRefusedAndCountedWhileHeldOnesStillChange() {
        RemoteRib small = new RemoteRib(Map.of(RT, 100), 2);
        RemoteRib.Touched t = new RemoteRib.Touched();
        assertEquals(RemoteRib.Put.HELD, small.put(mac("10.0.0.5", 1), 1, t));
        assertEquals(RemoteRib.Put.HELD, small.put(mac("10.0.0.6", 1), 1, t));

        RemoteRib.Touched full = new RemoteRib.Touched();
        EvpnRoute.MacIp third = mac("10.0.0.4", 9); // would win the MAC if it were taken
        assertEquals(RemoteRib.Put.REFUSED, small.put(third, 1, full));
        assertTrue(full.isEmpty(), "a refused route touches nothing");
        assertEquals(2, small.size());
        assertEquals(1, small.refused());
        assertEquals(address("10.0.0.5"), small.winner(KEY).nextHop());
        assertEquals(2, small.routes(KEY).size());

        // A route imported by no segment is ignored, not refused, also when the table is full.
        EvpnRoute.MacIp other =
                new EvpnRoute.MacIp("2:x", Set.of(new RouteTarget(65000, 200)), address("10.0.0.7"), MAC, 0);
        assertEquals(RemoteRib.Put.IGNORED, small.put(other, 1, full));
        assertEquals(1, small.refused());

        // An update of a held destination applies at the bound.
        assertEquals(RemoteRib.Put.HELD, small.put(mac("10.0.0.6", 5), 1, full));
        assertEquals(5, small.highestSequence(KEY));
        assertEquals(address("10.0.0.6"), small.winner(KEY).nextHop());
        assertEquals(2, small.size());

        // A withdrawal frees a place, and the next new destination takes it.
        assertTrue(small.remove(mac("10.0.0.5", 1).key(), full));
        assertEquals(RemoteRib.Put.HELD, small.put(third, 1, full));
        assertEquals(2, small.size());
        assertEquals(9, small.highestSequence(KEY));
        assertEquals(1, small.refused());
    }

    @Test
    void routeDistinguishersAreUniquePerVni() {
        Map<Integer, Integer> rds = RouteSync.assignRds(Set.of(100, 65636, 100 + 0x10000 * 3, 5000));
        assertEquals(100, rds.get(100));
        assertEquals(5000, rds.get(5000));
        assertEquals(4, Set.copyOf(rds.values()).size(), rds::toString);
    }
}
