package io.vtep4j.evpn;

import static io.vtep4j.evpn.FakeRack.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vtep4j.interop.Await;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The MACs the forwarding table's listener reports are rescanned one by one, not by reading their whole segment. */
class AgentDirtyScanTest {

    private static final long MAC_A = 0x0200_0000_0a01L;
    private static final long MAC_B = 0x0200_0000_0a02L;

    private final FakeRack rack = new FakeRack();

    @AfterEach
    void down() {
        rack.close();
    }

    @Test
    void learnedAndAgedMacsAreHandledWithoutReadingTheSegment() {
        rack.vtepOptions = v -> v.ageing(Duration.ofSeconds(1)).sweepInterval(Duration.ofMillis(100));
        rack.bgp.start();
        // No periodic scan within the test: only the listener's reports can advertise and withdraw.
        rack.agent(b -> b.scanInterval(Duration.ofMinutes(10)));
        rack.awaitConnected();
        rack.host("vm1", MAC_A);
        rack.host("vm2", MAC_B);
        Await.until(
                WAIT,
                () -> rack.ourSequence(MAC_A) == 0 && rack.ourSequence(MAC_B) == 0,
                () -> rack.bgp.local().toString());
        // Both age out (no more frames): their routes are withdrawn.
        Await.until(
                WAIT,
                () -> rack.ourSequence(MAC_A) == -1 && rack.ourSequence(MAC_B) == -1,
                () -> rack.bgp.local() + "\n" + rack.vtep.forwardingTable().show());
        assertEquals(0, rack.agent.loop.segmentScans(), "each reported MAC looked up alone, no segment read in full");
        assertEquals(1, rack.bgp.local().size(), () -> "only the segment's type-3 route: " + rack.bgp.local());
    }

    @Test
    void aFlushIsReportedOnceAndTheSegmentIsReadAgain() {
        rack.bgp.start();
        rack.agent(b -> b.scanInterval(Duration.ofMinutes(10))); // no periodic scan within the test
        rack.awaitConnected();
        rack.host("vm1", MAC_A);
        Await.until(
                WAIT, () -> rack.ourSequence(MAC_A) == 0, () -> rack.bgp.local().toString());
        long scans = rack.agent.loop.segmentScans();
        assertEquals(1, rack.vtep.forwardingTable().flushVni(FakeRack.VNI));
        Await.until(
                WAIT,
                () -> rack.ourSequence(MAC_A) == -1,
                () -> rack.bgp.local().toString());
        assertEquals(scans + 1, rack.agent.loop.segmentScans(), "the flushed segment read once");
    }
}
