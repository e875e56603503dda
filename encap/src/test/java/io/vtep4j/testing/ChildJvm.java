package io.vtep4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code java [jvmArgs] -cp CLASSPATH MAIN [args]} with this JVM's {@code java}, to completion or a timeout, and
 * keeps its exit code, stdout and stderr (through files in a directory the caller owns, so a chatty child never
 * blocks on a full pipe). For tests that must see exactly what a separate program prints. Stateless.
 */
public final class ChildJvm {
    private static final long TIMEOUT_SECONDS = 180;

    /** What the child did: its exit code and everything it wrote. */
    public record Result(int exitCode, String stdout, String stderr) {}

    private ChildJvm() {}

    /**
     * Runs the child in {@code dir} (which receives files {@code stdout} and {@code stderr}) and waits for it.
     *
     * @throws AssertionError if it does not end within 180 s (it is killed first; generous, for a loaded machine)
     */
    public static Result run(Path dir, List<String> jvmArgs, String classpath, String mainClass, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-cp", classpath, mainClass));
        command.addAll(List.of(args));
        Path out = dir.resolve("stdout");
        Path err = dir.resolve("stderr");
        Process child = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .start();
        if (!child.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(mainClass + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return new Result(
                child.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
