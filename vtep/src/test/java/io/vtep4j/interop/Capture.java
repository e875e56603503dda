package io.vtep4j.interop;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code tcpdump} in a test namespace, counting the packets that match a filter (an independent
 * witness of what went over a wire). Start with {@link #start}, read {@link #lines()}, always {@link #close()}.
 * Thread-safe: the reader threads only append to synchronized state.
 */
public final class Capture implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(10);

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder errors = new StringBuilder();
    private final CountDownLatch listening = new CountDownLatch(1);

    private Capture(Process process) {
        this.process = process;
        daemon(() -> read(process.getInputStream(), false), "capture-out");
        daemon(() -> read(process.getErrorStream(), true), "capture-err");
    }

    /**
     * Starts {@code tcpdump -i DEV -n -l FILTER} in {@code ns} and waits until it is listening.
     *
     * @throws IllegalStateException if tcpdump does not report that it listens within 10 s
     */
    public static Capture start(Namespace ns, String dev, String filter) {
        return start(ns, dev, filter, List.of("-l", "-q"));
    }

    /**
     * As {@link #start(Namespace, String, String)} with {@code -vv}: each line also says whether tcpdump found the
     * UDP / TCP checksum right ({@code [udp sum ok]}).
     */
    public static Capture verbose(Namespace ns, String dev, String filter) {
        return start(ns, dev, filter, List.of("-l", "-vv"));
    }

    /**
     * Starts {@code tcpdump -i DEV -w FILE FILTER} in {@code ns} (packets written unbuffered, for tshark to
     * decode after {@link #close()}) and waits until it is listening; {@link #count()} stays 0.
     */
    public static Capture toFile(Namespace ns, String dev, String filter, java.nio.file.Path file) {
        // --immediate-mode: writing to a file, tcpdump otherwise leaves packets in the kernel's ring until a block
        // fills or a second passes, and a quick test stops it before. -Z root: the file lives in the test's own dir.
        return start(ns, dev, filter, List.of("--immediate-mode", "-Z", "root", "-U", "-w", file.toString()));
    }

    private static Capture start(Namespace ns, String dev, String filter, List<String> output) {
        List<String> argv = new ArrayList<>();
        if (!ns.isSelf()) {
            argv.addAll(List.of("ip", "netns", "exec", ns.name()));
        }
        argv.addAll(List.of("tcpdump", "-i", dev, "-n", "-p"));
        argv.addAll(output);
        argv.addAll(List.of(filter.split(" ")));
        Process process;
        try {
            process = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + argv, e);
        }
        Capture capture = new Capture(process);
        try {
            if (!capture.listening.await(READY.toMillis(), TimeUnit.MILLISECONDS)) {
                capture.close();
                throw new IllegalStateException(
                        "tcpdump on " + dev + " in " + ns + " not listening after " + READY + ": " + capture.errors());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            capture.close();
            throw new IllegalStateException("interrupted", e);
        }
        return capture;
    }

    private static void daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private void read(java.io.InputStream in, boolean stderr) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                synchronized (this) {
                    if (stderr) {
                        errors.append(line).append('\n');
                    } else {
                        lines.add(line);
                    }
                }
                if (stderr && line.contains("listening on")) {
                    listening.countDown();
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                errors.append(e).append('\n');
            }
        }
    }

    /** The one-line decodes of the packets matched so far. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** How many packets matched so far. */
    public synchronized int count() {
        return lines.size();
    }

    /** What tcpdump wrote to stderr. */
    public synchronized String errors() {
        return errors.toString();
    }

    /** Stops tcpdump (waiting up to 5 s). Idempotent. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
