package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vtep4j.examples.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Fuzzes the gateway's option and configuration-file parsing through {@code vtep4j gateway} itself. The trunk is
 * always {@code --port nosuch0}, an interface that does not exist, so no input can start a gateway: every run must
 * end with exit code 2 (bad configuration) and a message on stderr, or 0 if one argument is exactly {@code -h},
 * {@code -V}, {@code --help} or {@code --version}; never 1, never an exception. The command line is built as
 * {@code vtep4j} builds it ({@link Main#commandLine}).
 *
 * <p>Input: command-line tokens separated by newlines; after a NUL byte, the text of a {@code --config} file.
 * Inputs that would make the parser read other files ({@code @file} expansion, a {@code --config} of the input's
 * choosing) or that hold a dotted quad with an octet above 255 (the JDK hands such a string to the system resolver:
 * a DNS query) are skipped, so fuzzing touches neither the file system nor the network.
 */
class GatewayOptionsFuzzTest {
    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HELP = Pattern.compile("-h|-V|--help|--version");

    @FuzzTest(maxDuration = "10m")
    void options(byte[] input) throws IOException {
        String text = new String(input, StandardCharsets.UTF_8);
        if (text.indexOf('@') >= 0 || resolvesNames(text)) {
            return;
        }
        int nul = text.indexOf('\0');
        String command = nul >= 0 ? text.substring(0, nul) : text;
        List<String> args = new ArrayList<>(List.of("--port", "nosuch0"));
        Arrays.stream(command.split("\n", -1)).filter(s -> !s.isEmpty()).forEach(args::add);
        if (args.contains("--config") || args.stream().anyMatch(a -> a.startsWith("--config="))) {
            return;
        }
        Path file = null;
        try {
            if (nul >= 0) {
                file = Files.createTempFile("gateway-fuzz", ".conf");
                Files.writeString(file, text.substring(nul + 1), StandardCharsets.UTF_8);
                args.add("--config");
                args.add(file.toString());
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            CommandLine cli = Main.commandLine(new GatewayCommand());
            cli.setOut(new PrintWriter(out, true));
            cli.setErr(new PrintWriter(err, true));
            int exit = cli.execute(args.toArray(String[]::new));
            if (exit == 0) {
                assertTrue(args.stream().anyMatch(a -> HELP.matcher(a).matches()), () -> "exit 0 for " + args);
                return;
            }
            assertEquals(GatewayCommand.EXIT_CONFIG, exit, () -> "exit " + exit + " for " + args + ": " + err);
            assertFalse(err.toString().isBlank(), () -> "exit 2 without a message for " + args);
        } finally {
            if (file != null) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static boolean resolvesNames(String text) {
        Matcher m = DOTTED_QUAD.matcher(text);
        while (m.find()) {
            for (String octet : m.group().split("\\.")) {
                if (Integer.parseInt(octet) > 255) {
                    return true;
                }
            }
        }
        return false;
    }
}
