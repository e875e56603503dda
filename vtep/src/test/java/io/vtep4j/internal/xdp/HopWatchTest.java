package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How many MACs keep each remote followed, and the limit on remotes; the resolver's thread is not started. */
class HopWatchTest {
    private final HopWatch watch = new HopWatch(null, (address, mac) -> {}, "not started");

    @Test
    void aRemoteIsFollowedUntilItsLastMacIsReleased() {
        assertTrue(watch.add(1));
        assertTrue(watch.add(1));
        assertFalse(watch.release(1), "one MAC still there");
        assertTrue(watch.follows(1));
        assertTrue(watch.release(1), "the last");
        assertFalse(watch.follows(1));
        assertFalse(watch.release(1), "not followed: nothing to release");
    }

    @Test
    void pastTheLimitNewRemotesAreRefusedUntilOneIsReleased() {
        for (int address = 1; address <= HopWatch.MAX_REMOTES; address++) {
            assertTrue(watch.add(address));
        }
        assertFalse(watch.add(-1), "one more remote");
        assertTrue(watch.add(7), "another MAC at a followed remote");
        assertTrue(watch.release(8));
        assertTrue(watch.add(-1));
        assertEquals(HopWatch.MAX_REMOTES, watch.releaseAll().size());
        assertFalse(watch.follows(-1) || watch.follows(7));
        assertEquals(List.of(), watch.releaseAll());
    }
}
