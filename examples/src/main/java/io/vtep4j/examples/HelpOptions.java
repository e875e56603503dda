package io.vtep4j.examples;

import picocli.CommandLine.Option;

/**
 * The help and version options of every vtep4j command, used as a picocli mixin in place of picocli's standard ones.
 * They take no value, not even an attached one: {@code --help=} or {@code -V=true} is a usage error (exit 2), so
 * that help or version is printed (exit 0) only when the command line asks for exactly that. Set by picocli while it
 * parses; not thread-safe.
 */
public final class HelpOptions {
    /** Creates the options, both off; picocli sets them. */
    public HelpOptions() {}

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            arity = "0",
            description = "Show this help message and exit.")
    boolean help;

    @Option(
            names = {"-V", "--version"},
            versionHelp = true,
            arity = "0",
            description = "Print version information and exit.")
    boolean version;
}
