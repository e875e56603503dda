package io.vtep4j.learning;

import static io.vtep4j.learning.Fixtures.MAC_A;
import static io.vtep4j.learning.Fixtures.MAC_B;
import static io.vtep4j.learning.Fixtures.VNI;
import static io.vtep4j.learning.Fixtures.VTEP_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A listener that throws, even an {@link Error}, never breaks the table operation nor loses the other events. */
class ForwardingTableListenerErrorsTest {

    private final Fixtures.FakeTicker clock = new Fixtures.FakeTicker();

    /** Throws an Error (an assertion-style bug, a StackOverflowError) on every event; records what it saw. */
    private static final class ThrowingListener implements FdbListener {
        final List<Long> aged = new ArrayList<>();
        final List<Long> learned = new ArrayList<>();

        @Override
        public synchronized void learned(int vni, long mac, Location location) {
            learned.add(mac);
            throw new StackOverflowError("listener bug");
        }

        @Override
        public synchronized void aged(int vni, long mac, Location location) {
            aged.add(mac);
            throw new AssertionError("listener bug");
        }
    }

    @Test
    void anErrorFromALearnListenerIsCountedAndTheMacIsStillLearned() {
        ThrowingListener listener = new ThrowingListener();
        ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).listener(listener).build();

        fdb.learn(VNI, MAC_A, VTEP_1);

        assertSame(VTEP_1, fdb.lookup(VNI, MAC_A));
        assertEquals(List.of(MAC_A), listener.learned);
        assertEquals(1, fdb.counters().listenerErrors());
    }

    @Test
    void anErrorDuringExpiryLosesNoneOfTheOtherAgedEvents() {
        ThrowingListener listener = new ThrowingListener();
        ForwardingTable fdb =
                ForwardingTable.builder().ticker(clock).listener(listener).build();
        long[] macs = {MAC_A, MAC_B, MacAddress.parse("02:00:00:00:00:0c")};
        for (long mac : macs) {
            fdb.learn(VNI, mac, VTEP_1);
        }
        clock.advance(Duration.ofSeconds(301));

        assertEquals(3, fdb.expire());

        assertEquals(3, listener.aged.size(), "every AGED event is delivered: " + listener.aged);
        assertEquals(0, fdb.size());
        assertEquals(6, fdb.counters().listenerErrors(), "3 learned + 3 aged failures");
    }
}
