package io.vtep4j.interop;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a command with a time limit and captures its output. Thread-safe (stateless); every call forks one
 * process and waits for it, killing it when the limit passes.
 */
public final class Cmd {

    /** Default limit for one command of the harness. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    private Cmd() {}

    /** What a finished (or killed) command left behind. */
    public record Result(List<String> argv, int exitCode, String stdout, String stderr, boolean timedOut) {

        /** True when the command ran to completion with exit code 0. */
        public boolean ok() {
            return !timedOut && exitCode == 0;
        }

        /** Returns this result, or throws {@link IllegalStateException} describing the failure. */
        public Result check() {
            if (!ok()) {
                throw new IllegalStateException(describe());
            }
            return this;
        }

        /** One-paragraph description for failure messages. */
        public String describe() {
            return String.join(" ", argv)
                    + (timedOut ? " timed out" : " exited " + exitCode)
                    + (stdout.isBlank() ? "" : "\n  stdout: " + stdout.strip())
                    + (stderr.isBlank() ? "" : "\n  stderr: " + stderr.strip());
        }
    }

    /** Runs {@code argv} with the default limit and fails unless it exits 0; returns its stdout. */
    public static String ok(String... argv) {
        return run(DEFAULT_TIMEOUT, argv).check().stdout();
    }

    /** Runs {@code argv} with the default limit; never throws for a non-zero exit. */
    public static Result run(String... argv) {
        return run(DEFAULT_TIMEOUT, argv);
    }

    /** Runs {@code argv}, killing it after {@code timeout}; never throws for a non-zero exit or a timeout. */
    public static Result run(Duration timeout, String... argv) {
        List<String> command = List.copyOf(Arrays.asList(argv));
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(devNull()));
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            return new Result(command, 127, "", "cannot start: " + e.getMessage(), false);
        }
        Drain out = new Drain(process.getInputStream());
        Drain err = new Drain(process.getErrorStream());
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = false;
        }
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        int exit = finished ? process.exitValue() : -1;
        return new Result(command, exit, out.text(), err.text(), !finished);
    }

    private static java.io.File devNull() {
        return new java.io.File("/dev/null");
    }

    /** Reads a stream to its end on a daemon thread so the child never blocks on a full pipe. */
    private static final class Drain {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final Thread thread;

        Drain(InputStream in) {
            thread = new Thread(
                    () -> {
                        try (in) {
                            in.transferTo(bytes);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    },
                    "cmd-drain");
            thread.setDaemon(true);
            thread.start();
        }

        String text() {
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            synchronized (bytes) {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
