package io.vtep4j.bench.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The allocation sampler of {@link StitchRunner} counts only the {@code vtep4j-} threads, per packet. */
class AllocSamplerTest {

    private static final Pattern ALLOC = Pattern.compile(
            "ALLOC window_s=1 packets=(\\d+) bytes=(\\d+) bytes_per_packet=([0-9.]+) threads=(\\d+) io=netty");

    /** Keeps each allocated array reachable from a field, so the JIT cannot prove it unused and remove it. */
    private static volatile Object sink;

    @Test
    void countsTheBytesOfLoopThreadsPerPacketAndIgnoresOtherThreads() throws Exception {
        AtomicLong packets = new AtomicLong();
        Worker loop = new Worker("vtep4j-test-loop", 1000, packets); // byte[1000]: 1016 bytes with its header
        Worker noise = new Worker("noise-allocator", 64_000, new AtomicLong());
        loop.start();
        noise.start();
        String out;
        try {
            out = sample(packets, 2_000);
        } finally {
            loop.stop();
            noise.stop();
        }
        Matcher m = ALLOC.matcher(out);
        assertTrue(m.find(), out);
        assertEquals("1", m.group(4), out);
        double perPacket = Double.parseDouble(m.group(3));
        assertTrue(perPacket >= 1000 && perPacket < 1100, "expected ~1016 B/packet (the loop's byte[1000]): " + out);
        assertTrue(Long.parseLong(m.group(1)) > 0, out);
        assertTrue(out.contains("ALLOC_THREADS vtep4j-test-loop="), out);
        assertTrue(out.contains("noise-allocator="), "the noise thread shows among the others: " + out);
    }

    @Test
    void reportsAnErrorWhenNoTrafficFlows() throws Exception {
        String out = sample(new AtomicLong(), 600);
        assertTrue(out.startsWith("ALLOC error: fewer than 500 packets/s received within 600 ms"), out);
    }

    /** Runs the sampler on this thread (warm-up 0.2 s, window 1 s); both counters read the same packet count. */
    private static String sample(AtomicLong packets, long maxWaitMillis) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        new AllocSampler(packets::get, packets::get, 200, 1_000, maxWaitMillis, out, "netty").run();
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** A thread that allocates one array per "packet", about 5,000 packets a second, for at most 20 s. */
    private static final class Worker {
        private final Thread thread;
        private volatile boolean running = true;

        Worker(String name, int arrayLength, AtomicLong packets) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            thread = new Thread(
                    () -> {
                        while (running && System.nanoTime() < deadline) {
                            sink = new byte[arrayLength];
                            packets.incrementAndGet();
                            LockSupport.parkNanos(200_000);
                        }
                    },
                    name);
            thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
    }
}
