package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The README's embedding example, verbatim between the markers, so that it must compile and run. */
class ReadmeExampleTest {

    private int delivered;

    private void deliver(ByteBuf frame) {
        delivered++;
    }

    @Test
    void readmeExampleCompilesAndRuns() {
        ByteBuf frameFromGuest = Frames.frame(Frames.BROADCAST, MacAddress.parse("02:00:00:00:00:01"));
        // --- README example begins ---
        try (Vtep vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .ageing(Duration.ofMinutes(5))
                .build()) {
            Segment blue = vtep.segment(5001).floodTo("127.0.0.2");
            LocalPort vm = blue.attach(frame -> {
                try {
                    deliver(frame);
                } finally {
                    frame.release();
                }
            });
            vm.send(frameFromGuest); // takes ownership
            System.out.println(vtep.stats());
            // --- README example ends ---
            assertEquals(1, vtep.stats().segment(5001).packetsToUnderlay());
            assertEquals(0, delivered);
        }
    }
}
