package io.vtep4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.embedder.QuietEmbedder;
import io.vtep4j.testing.ChildJvm;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that adds only vtep4j-core starts, forwards and stops without a line on stderr: no logging
 * framework is forced on it and none complains that it is missing. The child JVM's class path is the core's runtime
 * class path as Maven resolves it for a dependent project ({@code target/core-runtime.classpath}, written by the
 * dependency plugin), the core's classes, and the one class of {@link QuietEmbedder}.
 */
class QuietEmbeddingTest {

    @Test
    void anApplicationWithOnlyTheCoreSeesNothingOnStderr(@TempDir Path app) throws Exception {
        Path testClasses = Paths.get(QuietEmbedder.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        Path target = testClasses.getParent();
        Path classpathFile = target.resolve("core-runtime.classpath");
        assertTrue(Files.isRegularFile(classpathFile), "written by the build: " + classpathFile);
        String runtime = Files.readString(classpathFile).trim();

        String classFile = QuietEmbedder.class.getName().replace('.', '/') + ".class";
        Path copy = app.resolve(classFile);
        Files.createDirectories(copy.getParent());
        Files.copy(testClasses.resolve(classFile), copy);
        String classpath = String.join(
                File.pathSeparator, app.toString(), target.resolve("classes").toString(), runtime);

        ChildJvm.Result run = ChildJvm.run(app, List.of(), classpath, QuietEmbedder.class.getName());
        List<String> stdout = run.stdout().lines().toList();
        assertEquals(0, run.exitCode(), "stdout: " + stdout + "\nstderr: " + run.stderr());
        assertEquals("", run.stderr(), "stderr of a JVM that embeds only vtep4j-core");
        assertEquals("delivered", stdout.get(0), stdout.toString());
        assertTrue(
                stdout.get(1).startsWith("pcap: PcapPort needs pcap4j on the class path"),
                "PcapPort without pcap4j says what is missing: " + stdout);
    }
}
