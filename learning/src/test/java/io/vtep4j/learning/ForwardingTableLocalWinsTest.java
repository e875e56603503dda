package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.PORT_1;
import static io.vtep4j.learning.Fixtures.PORT_2;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static io.vtep4j.learning.Fixtures.VTEP_2;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Local wins: traffic from the underlay cannot take or pin the MAC of a host behind a local port. */
class ForwardingTableLocalWinsTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();
    private final Fixtures.RecordingListener events = new Fixtures.RecordingListener();
    private final ForwardingTable fdb =
            ForwardingTable.builder().ticker(clock).listener(events).build();

    /** Twelve packets claiming MAC_A, alternating between two outer sources, 100 ms apart. */
    private void twelveSpoofedPackets() {
        for (int i = 0; i < 12; i++) {
            clock.advance(Duration.ofMillis(100));
            fdb.learn(VNI, MAC_A, i % 2 == 0 ? VTEP_1 : VTEP_2);
        }
    }

    private FdbEntry entry() {
        return fdb.entries(VNI).get(0);
    }

    @Test
    void twelveSpoofedPacketsFromTwoSourcesCannotTakeAnActiveLocalMac() {
        assertEquals(LearnResult.LEARNED, fdb.learn(VNI, MAC_A, PORT_1));
        events.drain();
        twelveSpoofedPackets();
        assertSame(PORT_1, fdb.lookup(VNI, MAC_A));
        assertEquals(FdbEntry.Type.LEARNED, entry().type(), "not frozen");
        assertEquals(12, fdb.counters().refusedLocal());
        assertEquals(0, fdb.counters().moved());
        assertEquals(List.of(), events.drain());
        assertEquals(LearnResult.REFRESHED, fdb.learn(VNI, MAC_A, PORT_1), "the host's own frames still count");
    }

    @Test
    void aRemoteClaimInsideTheHoldIsRefusedWithItsOwnResult() {
        fdb.learn(VNI, MAC_A, PORT_1);
        clock.advance(Duration.ofMillis(4_900));
        assertEquals(LearnResult.REFUSED_LOCAL, fdb.learn(VNI, MAC_A, VTEP_1));
        assertTrue(LearnResult.REFUSED_LOCAL.refused());
    }

    @Test
    void aQuietLocalMacTakenBySpoofedFlappingIsFrozenAtItsPortNotAtARemote() {
        fdb.learn(VNI, MAC_A, PORT_1);
        clock.advance(Duration.ofSeconds(10)); // quiet for longer than the hold: the first claim moves it
        twelveSpoofedPackets();
        assertSame(PORT_1, fdb.lookup(VNI, MAC_A), "duplicate detection freezes at the port that used it");
        assertEquals(FdbEntry.Type.FROZEN, entry().type());
        assertEquals(1, fdb.counters().duplicates());
        assertTrue(events.drain().contains("duplicate 5001 02:00:00:00:00:0a port 1 vm1"));
    }

    @Test
    void flappingBetweenRemotesWithNoLocalUseInTheWindowStillFreezesWhereItIs() {
        fdb.learn(VNI, MAC_A, PORT_1);
        clock.advance(Duration.ofSeconds(200)); // the port's use is older than the 180 s window
        fdb.learn(VNI, MAC_A, VTEP_1);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(1));
            fdb.learn(VNI, MAC_A, i % 2 == 0 ? VTEP_2 : VTEP_1);
        }
        assertEquals(FdbEntry.Type.FROZEN, entry().type());
        assertTrue(entry().location().isRemote(), entry().toString());
    }

    @Test
    void aHostThatMigratedAwayIsFollowedOnceItsPortFellSilentForTheHold() {
        fdb.learn(VNI, MAC_A, PORT_1);
        clock.advance(Duration.ofMillis(5_001));
        assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, VTEP_1));
        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(0, fdb.counters().refusedLocal());
    }

    @Test
    void movesToALocalPortAndBetweenLocalPortsAreNeverHeld() {
        fdb.learn(VNI, MAC_A, VTEP_1);
        assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, PORT_1));
        assertEquals(LearnResult.MOVED, fdb.learn(VNI, MAC_A, PORT_2));
        assertSame(PORT_2, fdb.lookup(VNI, MAC_A));
    }

    @Test
    void theHoldIsConfigurableAndZeroTurnsItOff() {
        final ForwardingTable short2s = ForwardingTable.builder()
                .ticker(clock)
                .localHold(Duration.ofSeconds(2))
                .build();
        short2s.learn(VNI, MAC_A, PORT_1);
        clock.advance(Duration.ofMillis(1_999));
        assertEquals(LearnResult.REFUSED_LOCAL, short2s.learn(VNI, MAC_A, VTEP_1));
        clock.advance(Duration.ofMillis(1));
        assertEquals(LearnResult.MOVED, short2s.learn(VNI, MAC_A, VTEP_1));

        final ForwardingTable off =
                ForwardingTable.builder().ticker(clock).localHold(Duration.ZERO).build();
        off.learn(VNI, MAC_A, PORT_1);
        assertEquals(LearnResult.MOVED, off.learn(VNI, MAC_A, VTEP_1));
    }

    @Test
    void aBadHoldIsRefusedAtOnce() {
        final IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> ForwardingTable.builder().localHold(Duration.ofSeconds(-1)));
        assertEquals("hold: PT-1S (expected: PT0S .. PT240H)", e.getMessage());
    }
}
