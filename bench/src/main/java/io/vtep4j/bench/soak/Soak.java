package io.vtep4j.bench.soak;

import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A soak run: {@link Churn} for a fixed time on loopback, a {@link Sample} every interval (the first one after a
 * warm-up), then the {@link Growth} verdict. {@code main} prints the samples and a summary and exits 1 if anything
 * grew (2 for bad arguments), so {@code bench/soak/soak.sh} can fail a pipeline. Single-threaded driver.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.vtep4j.bench.soak.Soak [--seconds 600] [--sample-seconds 10]
 * </pre>
 */
public final class Soak {
    /** Rounds of churn per second at most (each round: 128 frames, 16 datagrams, one port, one VNI). */
    static final int ROUNDS_PER_SECOND = 50;

    private final Duration duration;
    private final Duration interval;
    private final Duration warmUp;
    private final PrintStream out;

    /** A run of {@code duration}, sampling every {@code interval} after {@code warmUp}, printing to {@code out}. */
    public Soak(Duration duration, Duration interval, Duration warmUp, PrintStream out) {
        if (duration.compareTo(warmUp.plus(interval.multipliedBy(3))) < 0) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: at least warm-up " + warmUp
                    + " + 3 samples of " + interval + ")");
        }
        this.duration = duration;
        this.interval = interval;
        this.warmUp = warmUp;
        this.out = out;
    }

    /** The outcome: every sample and the metrics that grew (empty when flat). */
    public record Result(List<Sample> samples, List<String> violations, long rounds, long delivered) {
        /** True if nothing grew. */
        public boolean flat() {
            return violations.isEmpty();
        }

        /** The samples' first- and last-third medians and the verdict, for a log or a results file. */
        public String report() {
            return Growth.summary(samples)
                    + String.format(Locale.ROOT, "rounds %d, frames delivered %d%n", rounds, delivered)
                    + (flat() ? "FLAT" : "GREW:\n  " + String.join("\n  ", violations));
        }
    }

    /** Runs the soak on the calling thread; bounded by the duration (each round also by its own budget). */
    public Result run() throws IOException, InterruptedException {
        int port;
        try (DatagramSocket probe = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = probe.getLocalPort();
        }
        List<Sample> samples = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long nextSample = start + warmUp.toNanos();
        long roundNanos = 1_000_000_000L / ROUNDS_PER_SECOND;
        try (Churn churn = new Churn(port)) {
            long nextRound = start;
            while (System.nanoTime() - end < 0) {
                churn.round();
                if (churn.rounds % (ROUNDS_PER_SECOND * 5) == 0) {
                    churn.rotateSpoofers();
                }
                long now = System.nanoTime();
                if (now - nextSample >= 0) {
                    Sample s = Sample.take(
                            (now - start) / 1_000_000,
                            churn.a().forwardingTable().size());
                    samples.add(s);
                    out.println(s.line() + " rounds=" + churn.rounds);
                    nextSample = System.nanoTime() + interval.toNanos(); // behind: no burst of samples
                }
                nextRound += roundNanos;
                long sleep = nextRound - System.nanoTime();
                if (sleep > 0) {
                    Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
                } else {
                    nextRound = System.nanoTime(); // behind: do not try to catch up in a burst
                }
            }
            return new Result(samples, Growth.violations(samples, Growth.DEFAULT), churn.rounds, churn.delivered.get());
        }
    }

    /** Command line: {@code [--seconds N] [--sample-seconds N] [--warmup-seconds N]}. */
    public static void main(String[] args) throws Exception {
        long seconds = 600;
        long sampleSeconds = 10;
        long warmUp = 10;
        for (int i = 0; i + 1 < args.length; i += 2) {
            long value = Long.parseLong(args[i + 1]);
            switch (args[i]) {
                case "--seconds" -> seconds = value;
                case "--sample-seconds" -> sampleSeconds = value;
                case "--warmup-seconds" -> warmUp = value;
                default -> {
                    System.err.println("unknown option " + args[i]);
                    System.exit(2);
                }
            }
        }
        Soak soak = new Soak(
                Duration.ofSeconds(seconds), Duration.ofSeconds(sampleSeconds), Duration.ofSeconds(warmUp), System.out);
        Result result = soak.run();
        System.out.println(result.report());
        System.exit(result.flat() ? 0 : 1);
    }
}
