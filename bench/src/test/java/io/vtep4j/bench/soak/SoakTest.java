package io.vtep4j.bench.soak;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The CI length of the soak (bench/soak/soak.sh runs 10 minutes): 60 s of churn on loopback, a sample every 8 s after
 * 10 s of warm-up (so that each third holds two samples and the
 * table has filled), and nothing may grow. Plus the growth rule itself on made-up samples, so a broken rule cannot pass
 * a leak.
 */
class SoakTest {

    @Test
    void sixtySecondsOfChurnLeaveHeapDirectMemoryFdsAndThreadsFlat() throws Exception {
        Soak.Result result =
                new Soak(Duration.ofSeconds(60), Duration.ofSeconds(8), Duration.ofSeconds(10), System.out).run();
        System.out.println(result.report());
        assertTrue(
                result.samples().size() >= 3,
                () -> "samples: " + result.samples().size());
        assertTrue(result.delivered() > 0, "the churn carried no traffic");
        assertTrue(result.flat(), result::report);
    }

    @Test
    void growthRuleFlagsASteadyLeakAndToleratesNoise() {
        List<Sample> leaking = new ArrayList<>();
        List<Sample> noisy = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            leaking.add(sample(i, 100 + 10L * i));
            noisy.add(sample(i, i % 2 == 0 ? 100 : 104));
        }
        Map<String, Growth.Tolerance> rule = Map.of(Sample.FDS, new Growth.Tolerance(0, 4));
        assertEquals(1, Growth.violations(leaking, rule).size(), "100..180 fds must count as growth");
        assertEquals(List.of(), Growth.violations(noisy, rule));
        assertThrows(IllegalArgumentException.class, () -> Growth.violations(leaking.subList(0, 2), rule));
    }

    @Test
    void refusesARunTooShortForThreeSamples() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new Soak(Duration.ofSeconds(20), Duration.ofSeconds(10), Duration.ofSeconds(5), System.out));
    }

    private static Sample sample(int i, long fds) {
        return new Sample(i * 10_000L, Map.of(Sample.FDS, fds));
    }
}
