package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Duplicate-MAC detection across BGP (RFC 7432 §15.1) on a hand-driven clock. */
class MacMobilityTest {

    private static final MacKey K = new MacKey(100, 0x0200_0000_0001L);
    private static final Location THERE = Location.remote(InetAddress.getLoopbackAddress());

    private long now = 1_000_000_000L;
    private final List<String> reported = new ArrayList<>();
    private final EvpnListener listener = new EvpnListener() {
        @Override
        public void duplicateMac(int vni, long mac, Location where) {
            reported.add(vni + "/" + mac + "@" + where);
        }
    };

    private MacMobility mobility(int moves, int windowSeconds, int freezeSeconds) {
        return new MacMobility(
                moves, Duration.ofSeconds(windowSeconds), Duration.ofSeconds(freezeSeconds), () -> now, listener);
    }

    private void advance(int seconds) {
        now += Duration.ofSeconds(seconds).toNanos();
    }

    @Test
    void theFifthMoveWithinTheWindowIsADuplicate() {
        MacMobility m = mobility(5, 180, 180);
        for (int i = 0; i < 4; i++) {
            assertFalse(m.moved(K, THERE));
            advance(30);
        }
        assertTrue(m.moved(K, THERE), "5 moves in 120 s");
        assertTrue(m.isFrozen(K));
        assertEquals(1, m.duplicates());
        assertEquals(List.of("100/" + K.mac() + "@" + THERE), reported);
        assertFalse(m.moved(K, THERE), "a frozen MAC is not counted again");
        assertEquals(1, m.duplicates());
    }

    @Test
    void movesSpreadOverMoreThanTheWindowAreNot() {
        MacMobility m = mobility(5, 180, 180);
        for (int i = 0; i < 20; i++) {
            assertFalse(m.moved(K, THERE), "move " + i);
            advance(50); // the fifth move of a window always comes after 200 s
        }
        assertEquals(0, m.duplicates());
        assertTrue(reported.isEmpty());
    }

    @Test
    void theFreezeEndsAfterItsTime() {
        MacMobility m = mobility(2, 60, 100);
        m.moved(K, THERE);
        assertTrue(m.moved(K, THERE));
        advance(99);
        assertTrue(m.isFrozen(K));
        assertTrue(m.thaw().isEmpty());
        advance(1);
        assertEquals(List.of(K), m.thaw());
        assertFalse(m.isFrozen(K));
        assertFalse(m.moved(K, THERE), "a new window after the freeze");
    }

    @Test
    void aThrowingListenerIsCountedAndTheMacStillFrozen() {
        EvpnListener throwing = new EvpnListener() {
            @Override
            public void duplicateMac(int vni, long mac, Location where) {
                throw new IllegalStateException("listener bug");
            }
        };
        MacMobility m = new MacMobility(2, Duration.ofSeconds(60), Duration.ofSeconds(60), () -> now, throwing);
        m.moved(K, THERE);
        assertTrue(m.moved(K, THERE));
        assertTrue(m.isFrozen(K));
        assertEquals(1, m.listenerFailures());
    }

    @Test
    void zeroMovesTurnsDetectionOff() {
        MacMobility m = mobility(0, 60, 60);
        for (int i = 0; i < 100; i++) {
            assertFalse(m.moved(K, THERE));
        }
        assertEquals(0, m.duplicates());
    }

    @Test
    void trackedWindowsAreBounded() {
        MacMobility m = mobility(2, 60, 60);
        for (int i = 0; i < MacMobility.MAX_TRACKED + 10; i++) {
            m.moved(new MacKey(1, i), THERE);
        }
        // The oldest windows were forgotten: their second move opens a new window instead of freezing.
        assertFalse(m.moved(new MacKey(1, 0), THERE));
        assertTrue(m.moved(new MacKey(1, MacMobility.MAX_TRACKED + 9), THERE));
    }
}
