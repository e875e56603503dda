package io.vtep4j.examples.gateway;

import io.vtep4j.examples.Main;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code vtep4j gateway ...} as a child JVM of the test (same classpath, same network namespace as the test JVM:
 * the wrapper's isolated one), with its output collected and signals sent with {@code kill}. {@link #close()}
 * kills it if it is still running. Used from the test thread; the output readers are daemon threads.
 */
final class GatewayProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer out = new StringBuffer();
    private final StringBuffer err = new StringBuffer();

    private GatewayProcess(Process process) {
        this.process = process;
        drain(process.getInputStream(), out);
        drain(process.getErrorStream(), err);
    }

    /** Starts {@code java -cp <test classpath> io.vtep4j.examples.Main gateway ARGS}. */
    static GatewayProcess start(List<String> gatewayArgs) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> argv = new ArrayList<>(List.of(
                java.toString(),
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName(),
                "gateway"));
        argv.addAll(gatewayArgs);
        try {
            return new GatewayProcess(new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.PIPE)
                    .start());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void drain(InputStream stream, StringBuffer into) {
        Thread reader = new Thread(
                () -> {
                    byte[] buf = new byte[4096];
                    try (stream) {
                        for (int n; (n = stream.read(buf)) > 0; ) {
                            into.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        }
                    } catch (IOException e) {
                        into.append("\n(read failed: ").append(e.getMessage()).append(")\n");
                    }
                },
                "gateway-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Waits (bounded) until stdout contains {@code text}; false if the bound passed or the process ended first. */
    boolean awaitOutput(String text, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!out.toString().contains(text)) {
            if (System.nanoTime() - deadline > 0
                    || (!process.isAlive() && !out.toString().contains(text))) {
                return out.toString().contains(text);
            }
            Thread.sleep(50);
        }
        return true;
    }

    /** Sends {@code signal} (e.g. {@code USR2}, {@code TERM}) to the gateway. */
    void signal(String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
        }
    }

    /**
     * Waits at most {@code bound} for the process to end; its exit code, or -1 if it is still running (its thread
     * dump is then appended to {@link #stderr()} for the failure message).
     */
    int awaitExit(Duration bound) throws InterruptedException {
        if (process.waitFor(bound.toMillis(), TimeUnit.MILLISECONDS)) {
            return process.exitValue();
        }
        Path jstack = Path.of(System.getProperty("java.home"), "bin", "jstack");
        try {
            Process dump = new ProcessBuilder(jstack.toString(), Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .start();
            byte[] text = dump.getInputStream().readAllBytes();
            dump.waitFor(30, TimeUnit.SECONDS);
            err.append("\n--- still running after ")
                    .append(bound)
                    .append("; jstack:\n")
                    .append(new String(text, StandardCharsets.UTF_8));
        } catch (IOException e) {
            err.append("\n(jstack failed: ").append(e.getMessage()).append(")\n");
        }
        return -1;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    String stdout() {
        return out.toString();
    }

    String stderr() {
        return err.toString();
    }

    /** Everything it printed, for failure messages. */
    String describe() {
        return "gateway stdout:\n" + out + "\ngateway stderr:\n" + err;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
