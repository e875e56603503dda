package io.vtep4j.evpn;

import static io.vtep4j.evpn.FakeRack.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Await;
import io.vtep4j.learning.Location;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The agent's connection to a (fake) gobgpd: subscription order, re-sync, retries, restarts, the grace period. */
class AgentConnectionTest {

    private static final long MAC_X = 0x0200_0000_0901L;
    private static final long MAC_LOCAL = 0x0200_0000_0101L;

    private final FakeRack rack = new FakeRack();

    @AfterEach
    void down() {
        rack.close();
    }

    @Test
    void aRouteArrivingRightAfterTheSnapshotIsNotLost() {
        // The route reaches gobgpd just after ListPath answered: only a watch registered before the snapshot sees it.
        AtomicBoolean once = new AtomicBoolean();
        rack.bgp.afterList = () -> {
            if (once.compareAndSet(false, true)) {
                rack.theyAdvertise(MAC_X);
            }
        };
        rack.bgp.start();
        rack.agent(b -> {});
        rack.awaitConnected();
        rack.awaitInstalledAtThem(MAC_X);
        assertEquals(1, rack.bgp.lists.get(), "one snapshot, no re-sync needed");
    }

    @Test
    void theResyncRepairsARouteTheStreamNeverDelivered() {
        rack.bgp.start();
        rack.agent(b -> b.resyncInterval(Duration.ofMillis(200)));
        rack.awaitConnected();
        // Only the re-sync can find this route: it is in the table but no watch ever saw it.
        rack.bgp.dropNextEvents = 1;
        rack.theyAdvertise(MAC_X);
        rack.awaitInstalledAtThem(MAC_X);
        assertTrue(rack.agent.status().resyncs() >= 1, () -> rack.agent.status().toString());
        // ... and a withdrawal the stream lost.
        rack.bgp.dropNextEvents = 1;
        rack.bgp.receive(FakeRack.theirMac(MAC_X, 0, true), FakeRack.THEM);
        rack.awaitTable(() -> rack.at(MAC_X) == null);
    }

    @Test
    void aSendThatFailsIsSentAgainWithoutASnapshot() {
        rack.bgp.start();
        rack.agent(b -> {});
        rack.awaitConnected();
        rack.bgp.failAddPathAfter = 0; // the next AddPathStream breaks before taking anything
        rack.host("vm1", MAC_LOCAL);
        rack.awaitStatus(s -> s.lastError() != null);
        rack.bgp.failAddPathAfter = -1;
        rack.awaitOurSequence(MAC_LOCAL, 0);
        // The sender re-sent its call: no second ListPath, which would cost gobgpd a read of its whole table.
        assertEquals(1, rack.bgp.lists.get(), "only the connection's snapshot");
        rack.awaitStatus(s -> s.lastError() == null);
    }

    @Test
    void gobgpdNotUpAtStartIsRetriedUntilItIs() {
        rack.agent(b -> {});
        rack.awaitStatus(s -> s.lastError() != null);
        assertEquals(EvpnStatus.State.CONNECTING, rack.agent.status().state());
        // Meanwhile the segment forwards as configured: a local host is learned on its port.
        rack.host("vm1", MAC_LOCAL);
        assertNotNull(rack.at(MAC_LOCAL));

        rack.bgp.start();
        rack.awaitConnected();
        assertEquals(1, rack.agent.status().connects());
        // Everything wanted meanwhile is advertised once connected: the segment (type 3) and the host (type 2).
        rack.awaitOurSequence(MAC_LOCAL, 0);
        assertEquals(2, rack.bgp.local().size(), () -> rack.bgp.local().toString());
    }

    @Test
    void aRestartedGobgpdGetsEverythingAgain() {
        rack.bgp.start();
        rack.agent(b -> b.gracePeriod(Duration.ofMinutes(5)));
        rack.awaitConnected();
        rack.host("vm1", MAC_LOCAL);
        rack.theyAdvertise(MAC_X);
        Await.until(
                WAIT,
                () -> rack.ourSequence(MAC_LOCAL) == 0 && rack.installedAtThem(MAC_X),
                () -> rack.agent.status().toString());

        rack.bgp.stop();
        rack.awaitStatus(s -> s.state() == EvpnStatus.State.DISCONNECTED);
        assertTrue(rack.installedAtThem(MAC_X), "kept through the grace period");
        rack.bgp.start(); // empty, like a restarted daemon
        rack.awaitConnected();
        assertEquals(2, rack.agent.status().connects());
        Await.until(
                WAIT, () -> rack.bgp.local().size() == 2, () -> rack.bgp.local().toString());
        assertEquals(0, rack.ourSequence(MAC_LOCAL));
        assertTrue(rack.installedAtThem(MAC_X), "still in the grace period");
    }

    @Test
    void aDroppedStreamKeepsRoutesForTheGracePeriodThenFlushesThem() {
        Duration grace = Duration.ofSeconds(5); // long enough that a loaded machine sees the drop within it
        rack.bgp.start();
        rack.agent(b -> b.gracePeriod(grace));
        rack.awaitConnected();
        rack.theyAdvertise(MAC_X);
        rack.awaitInstalledAtThem(MAC_X);

        // The daemon goes away for good: the stream drops and every reconnection fails.
        long dropped = System.nanoTime();
        rack.bgp.stop();
        rack.awaitStatus(s -> s.state() == EvpnStatus.State.DISCONNECTED);
        Location there = rack.at(MAC_X);
        assertEquals(Location.remote(FakeRack.address(FakeRack.THEM)), there, "kept while the grace period runs");
        rack.awaitTable(() -> rack.at(MAC_X) == null);
        assertTrue(
                System.nanoTime() - dropped >= grace.toNanos(), "flushed only after the grace period, never before it");
        assertEquals(0, rack.agent.status().macsInstalled());
    }

    @Test
    void aStreamDropWithAQuickReconnectionKeepsTheRoutes() {
        rack.bgp.start();
        rack.agent(b -> b.gracePeriod(Duration.ofSeconds(2)));
        rack.awaitConnected();
        rack.theyAdvertise(MAC_X);
        rack.awaitInstalledAtThem(MAC_X);
        rack.bgp.dropWatches();
        rack.awaitStatus(s -> s.connects() == 2);
        // The new connection's snapshot confirmed the route: the grace timer, once run, leaves it installed.
        Await.until(
                WAIT,
                () -> rack.agent.loop.graceRuns() >= 1,
                () -> rack.agent.status().toString());
        assertTrue(
                rack.installedAtThem(MAC_X), () -> rack.vtep.forwardingTable().show());
    }
}
