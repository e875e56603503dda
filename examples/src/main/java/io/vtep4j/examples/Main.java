package io.vtep4j.examples;

import io.vtep4j.examples.demo.DemoCommand;
import io.vtep4j.examples.gateway.GatewayCommand;
import io.vtep4j.examples.pcap.PcapCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the vtep4j command: a picocli top command whose subcommands do the work. Not thread-safe. */
@Command(
        name = "vtep4j",
        description = "A userspace VXLAN / NVGRE tunnel endpoint on the JVM.",
        subcommands = {
            DemoCommand.class,
            GatewayCommand.class,
            PcapCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Mixin
    HelpOptions help = new HelpOptions();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with the subcommand's exit code. */
    public static void main(String[] args) {
        System.exit(commandLine(new Main()).execute(args));
    }

    /**
     * A picocli command line for {@code command} (this class or one of its subcommands) with vtep4j's parsing rules,
     * which apply to every subcommand it holds: short options cannot be clustered, so {@code -h} and {@code -V} are
     * the only short forms of help and version, and an argument that merely starts with them ({@code -help1},
     * {@code -hV}) is an unknown option (exit 2) instead of a request for help that hides the rest of the line.
     */
    public static CommandLine commandLine(Object command) {
        return new CommandLine(command).setPosixClusteredShortOptionsAllowed(false);
    }

    /** Without a subcommand: print the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
