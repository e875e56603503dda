package io.vtep4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** The bound on sends waiting for a loop, and what a refused or a shut-down loop gives back. */
class HandOverTest {

    @Test
    void pastTheBoundASendIsRefusedAndOnceOneRunsThereIsRoomAgain() {
        List<Runnable> queued = new ArrayList<>(); // a loop that never runs its tasks until told
        HandOver handOver = new HandOver();
        int[] ran = {0};
        for (int i = 0; i < HandOver.MAX_WAITING; i++) {
            assertEquals(HandOver.Result.QUEUED, handOver.offer(queued::add, () -> ran[0]++));
        }
        assertEquals(HandOver.Result.FULL, handOver.offer(queued::add, () -> ran[0]++));
        assertEquals(HandOver.MAX_WAITING, queued.size(), "a refused send is not queued");
        queued.remove(0).run();
        assertEquals(1, ran[0]);
        assertEquals(HandOver.Result.QUEUED, handOver.offer(queued::add, () -> ran[0]++));
        assertEquals(HandOver.Result.FULL, handOver.offer(queued::add, () -> ran[0]++));
    }

    @Test
    void aLoopThatTakesNoMoreTasksIsReportedAndHoldsNoSlot() {
        HandOver handOver = new HandOver();
        for (int i = 0; i < HandOver.MAX_WAITING + 10; i++) {
            assertEquals(
                    HandOver.Result.GONE,
                    handOver.offer(
                            task -> {
                                throw new RejectedExecutionException("shut down");
                            },
                            () -> {}));
        }
        List<Runnable> queued = new ArrayList<>();
        assertEquals(HandOver.Result.QUEUED, handOver.offer(queued::add, () -> {}));
    }
}
