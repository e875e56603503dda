package io.vtep4j.bench.soak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The soak's pass/fail rule. A metric grew if the median of the last third of the samples exceeds the median of the
 * first third by more than {@code relative × first + absolute}. Medians of thirds ignore a single GC-timing outlier
 * and a warm-up step (the first sample is taken after warm-up), yet a leak of steady rate shows as a difference of
 * two thirds of the run. Needs at least three samples. Stateless.
 */
final class Growth {
    /** Tolerance of one metric: {@code relative} of its first-third median plus {@code absolute} units. */
    record Tolerance(double relative, long absolute) {}

    /**
     * Tolerances per metric; a metric not listed here is reported, not judged (the table size follows the traffic).
     * Heap after a full GC is smooth: 5 % + 1 MiB fails a leak of two small objects per round (a driver bug, about
     * 6 KB/s, judged from its slope) within a 10-minute run. Direct memory moves in pool chunks (4 MiB).
     */
    static final Map<String, Tolerance> DEFAULT = Map.of(
            Sample.HEAP, new Tolerance(0.05, 1L << 20),
            Sample.JDK_DIRECT, new Tolerance(0.10, 4L << 20),
            Sample.NETTY_DIRECT, new Tolerance(0.10, 4L << 20),
            Sample.POOLED_DIRECT, new Tolerance(0.10, 4L << 20),
            Sample.FDS, new Tolerance(0, 2),
            Sample.THREADS, new Tolerance(0, 2));

    private Growth() {}

    /** One line per judged metric that grew; empty if flat. */
    static List<String> violations(List<Sample> samples, Map<String, Tolerance> tolerances) {
        if (samples.size() < 3) {
            throw new IllegalArgumentException("samples: " + samples.size() + " (expected: 3 or more)");
        }
        int third = samples.size() / 3;
        List<String> out = new ArrayList<>();
        tolerances.forEach((metric, tolerance) -> {
            long first = median(samples.subList(0, third), metric);
            long last = median(samples.subList(samples.size() - third, samples.size()), metric);
            long limit = first + (long) (first * tolerance.relative()) + tolerance.absolute();
            if (last > limit) {
                out.add(metric + " grew: first-third median " + first + ", last-third median " + last + " (limit "
                        + limit + ")");
            }
        });
        return out;
    }

    /** First-third and last-third medians of every metric, for the report. */
    static String summary(List<Sample> samples) {
        int third = Math.max(1, samples.size() / 3);
        StringBuilder out = new StringBuilder();
        for (String metric : samples.get(0).values().keySet().stream().sorted().toList()) {
            out.append(String.format(
                    "%-13s first-third median %,15d   last-third median %,15d   max %,15d%n",
                    metric,
                    median(samples.subList(0, third), metric),
                    median(samples.subList(samples.size() - third, samples.size()), metric),
                    samples.stream()
                            .mapToLong(s -> s.values().get(metric))
                            .max()
                            .orElse(0)));
        }
        return out.toString();
    }

    static long median(List<Sample> samples, String metric) {
        long[] v = samples.stream().mapToLong(s -> s.values().get(metric)).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }
}
