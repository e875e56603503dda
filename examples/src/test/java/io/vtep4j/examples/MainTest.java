package io.vtep4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The {@code vtep4j} command line as {@link Main#main} builds it: only an exact help or version option exits 0 with
 * the usage or version; anything that merely starts like one ({@code -help1}, {@code -hV}) is an unknown option, and
 * one with a value attached ({@code --help=}, {@code -V=true}) a bad one: both exit 2 with a message, for the top
 * command and every subcommand. In-process; nothing starts.
 */
class MainTest {
    private record Outcome(int exit, String out, String err) {}

    private static Outcome vtep4j(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = Main.commandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int exit = cli.execute(args.toArray(String[]::new));
        return new Outcome(exit, out.toString(), err.toString());
    }

    private static List<String> under(String command, String... args) {
        List<String> all = new ArrayList<>();
        if (!command.isEmpty()) {
            all.add(command);
        }
        all.addAll(List.of(args));
        return all;
    }

    static Stream<Arguments> commandsAndLookAlikes() {
        List<Arguments> cases = new ArrayList<>();
        for (String command : List.of("", "demo", "gateway", "pcap")) {
            for (String arg : List.of(
                    "-help1",
                    "-hV",
                    "-Vh",
                    "-hx",
                    "-hh",
                    "-Vfoo",
                    "--help=",
                    "--help=true",
                    "--help=false",
                    "-h=",
                    "--version=",
                    "-V=true")) {
                cases.add(Arguments.of(command, arg));
            }
        }
        return cases.stream();
    }

    /** The look-alike, then (for pcap) its required FILE, so that the look-alike is the only thing wrong. */
    @ParameterizedTest(name = "vtep4j {0} {1}")
    @MethodSource("commandsAndLookAlikes")
    void anOptionThatOnlyStartsLikeHelpOrVersionIsAUsageError(String command, String arg) {
        List<String> args = under(command, arg);
        if (command.equals("pcap")) {
            args.add("capture.pcap");
        }
        Outcome run = vtep4j(args);

        assertEquals(2, run.exit(), run::toString);
        assertTrue(run.err().contains(arg.split("=")[0]), run::toString);
        assertFalse(run.out().contains("Usage:"), run::toString);
    }

    @ParameterizedTest(name = "vtep4j gateway {0}")
    @MethodSource("io.vtep4j.examples.MainTest#lookAlikes")
    void theFuzzFindingIsRefused(String arg) {
        Outcome run = vtep4j(List.of(
                "gateway",
                "--port",
                "nosuch0",
                "-ocal",
                "127.0.0>1",
                "---local",
                "127.0.0.1",
                "--vlan",
                "4095:-vlan",
                arg));

        assertEquals(2, run.exit(), run::toString);
        assertFalse(run.err().isBlank(), run::toString);
    }

    static Stream<String> lookAlikes() {
        return Stream.of("-help1", "-hV");
    }

    static Stream<Arguments> commandsAndHelp() {
        List<Arguments> cases = new ArrayList<>();
        for (String command : List.of("", "demo", "gateway", "pcap")) {
            cases.add(Arguments.of(command, "-h", "Usage:"));
            cases.add(Arguments.of(command, "--help", "Usage:"));
            cases.add(Arguments.of(command, "-V", ""));
            cases.add(Arguments.of(command, "--version", ""));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "vtep4j {0} {1}")
    @MethodSource("commandsAndHelp")
    void exactHelpAndVersionOptionsExitZero(String command, String arg, String expected) {
        Outcome run = vtep4j(under(command, arg));

        assertEquals(0, run.exit(), run::toString);
        assertTrue(run.out().contains(expected), run::toString);
        assertTrue(run.err().isEmpty(), run::toString);
    }

    /**
     * Picocli passes every description line through {@link String#format} when it renders the usage; a lone
     * {@code %} (as in "100 % busy") makes it print a warning on standard error and show the line unformatted. The
     * usage of every command renders without one.
     */
    @Test
    void everyCommandsUsageRendersWithoutAFormatWarning() {
        List<String> rendered = new ArrayList<>();
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
            walk(Main.commandLine(new Main()), rendered);
        } finally {
            System.setErr(stderr);
        }
        assertTrue(rendered.size() >= 3, rendered::toString);
        assertTrue(rendered.stream().anyMatch(u -> u.contains("--busy-wait")), "the gateway's usage was not rendered");
        assertEquals("", warnings.toString(StandardCharsets.UTF_8), "write a lone % in a description as %%");
    }

    private static void walk(CommandLine cli, List<String> rendered) {
        StringWriter usage = new StringWriter();
        cli.usage(new PrintWriter(usage, true));
        rendered.add(usage.toString());
        for (CommandLine sub : cli.getSubcommands().values()) {
            walk(sub, rendered);
        }
    }
}
