package io.vtep4j.examples.gateway;

import io.vtep4j.examples.HelpOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code vtep4j gateway}: bridges 802.1Q VLANs on a trunk interface to VXLAN / NVGRE segments until Ctrl-C or
 * SIGTERM, printing a status line every {@code --stats-interval} and the forwarding table on SIGUSR2.
 *
 * <p>Exit codes: 0 after a graceful stop, 2 for a configuration that cannot work (one line on stderr, nothing
 * started), 1 if the running gateway failed. Runs on the calling thread; not reusable.
 */
@Command(
        name = "gateway",
        sortOptions = false,
        description = {
            "Bridge 802.1Q VLANs on a trunk interface to VXLAN / NVGRE segments (needs root or "
                    + "CAP_NET_RAW for the trunk).",
            "Example: vtep4j gateway --local 10.99.0.1 --port trunk0 --vlan 100:10100 --vlan 200:10200 "
                    + "--flood 10100=10.99.0.2 --flood 10200=10.99.0.3"
        },
        footer = {
            "",
            "Status every --stats-interval; SIGUSR2 prints the forwarding table and remote VTEPs; Ctrl-C or SIGTERM stops "
                    + "gracefully.",
            "Exit codes: 0 stopped, 1 failed while running, 2 bad configuration."
        })
public final class GatewayCommand implements Callable<Integer> {
    /** Exit code of a configuration that cannot work. */
    public static final int EXIT_CONFIG = 2;
    /** Exit code of a gateway that failed while running. */
    public static final int EXIT_FAILED = 1;

    private static final String STOP = "stop";
    private static final String FDB = "fdb";

    @Mixin
    GatewayOptions options = new GatewayOptions();

    @Mixin
    HelpOptions help = new HelpOptions();

    @Spec
    CommandSpec spec;

    private final BlockingQueue<String> requests = new LinkedBlockingQueue<>();

    /** Asks a running gateway to stop, as SIGTERM does; callable from any thread. */
    public void stop() {
        requests.add(STOP);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        GatewayConfig config;
        Gateway gateway;
        try {
            config = effectiveOptions().toConfig();
            config.checkSystem();
            gateway = Gateway.startTrunk(config, line -> {
                out.println("vtep4j gateway: " + line); // one println is atomic: lines never interleave
                out.flush();
            });
        } catch (ConfigException e) {
            err.println("vtep4j gateway: " + e.getMessage());
            err.flush();
            return EXIT_CONFIG;
        }
        try (gateway) {
            out.println("vtep4j gateway: " + config.describe());
            if (gateway.offload() != null) {
                out.println(
                        "vtep4j gateway: decap offload: " + gateway.offload().describe());
            }
            if (gateway.encapOffload() != null) {
                out.println("vtep4j gateway: encap offload: "
                        + gateway.encapOffload().describe());
            }
            InterfaceLosses interfaces = gateway.interfaceLosses();
            out.println(
                    interfaces.unavailable() == null
                            ? "vtep4j gateway: interface drops (the kernel's rx_dropped, rx_missed_errors, tx_dropped) "
                                    + "counted from now on " + interfaces.describeWatched()
                            : "vtep4j gateway: interface drops not counted (" + interfaces.unavailable() + ")");
            out.println(
                    "vtep4j gateway: running; Ctrl-C or SIGTERM stops, SIGUSR2 prints the forwarding table and remote VTEPs");
            out.flush();
            Signals.install(this::stop, () -> requests.add(FDB));
            run(gateway, config, out);
            out.println("vtep4j gateway: stopping");
            out.print(gateway.fdbTable());
            out.println(gateway.summary());
            out.flush();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_FAILED;
        } catch (RuntimeException e) {
            err.println("vtep4j gateway: failed: " + e);
            err.flush();
            return EXIT_FAILED;
        } finally {
            Signals.uninstall();
        }
    }

    private void run(Gateway gateway, GatewayConfig config, PrintWriter out) throws InterruptedException {
        long statsNanos = config.statsInterval.toNanos();
        long fdbNanos = config.fdbInterval.toNanos();
        long now = System.nanoTime();
        long nextStats = statsNanos > 0 ? now + statsNanos : Long.MAX_VALUE;
        long nextFdb = fdbNanos > 0 ? now + fdbNanos : Long.MAX_VALUE;
        while (true) {
            long wait = Math.max(
                    0,
                    Math.min(
                            Math.min(nextStats, nextFdb) - System.nanoTime(),
                            Duration.ofHours(1).toNanos()));
            String request = requests.poll(wait, TimeUnit.NANOSECONDS);
            if (STOP.equals(request)) {
                return;
            }
            now = System.nanoTime();
            if (FDB.equals(request) || now - nextFdb >= 0) {
                out.print(gateway.fdbTable());
                nextFdb = fdbNanos > 0 ? now + fdbNanos : Long.MAX_VALUE;
            }
            if (now - nextStats >= 0) {
                out.println(gateway.statusLine());
                nextStats = now + statsNanos;
            }
            out.flush();
        }
    }

    /** The options, with a {@code --config} file's settings underneath the command line's. */
    private GatewayOptions effectiveOptions() {
        if (options.config == null) {
            return options;
        }
        List<String> args = new ArrayList<>(ConfigFile.arguments(options.config));
        // then the command line's own options (picocli's original values), so that they win
        for (CommandLine.Model.OptionSpec option :
                spec.commandLine().getParseResult().matchedOptions()) {
            if (!option.longestName().equals("--config")) {
                for (String value : option.originalStringValues()) {
                    args.add(option.longestName());
                    args.add(value);
                }
            }
        }
        OptionsOnly merged = new OptionsOnly();
        try {
            new CommandLine(merged)
                    .setOverwrittenOptionsAllowed(true)
                    .setPosixClusteredShortOptionsAllowed(false)
                    .parseArgs(args.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new ConfigException("--config " + options.config + ": " + e.getMessage(), e);
        }
        return merged.options;
    }

    /** A bare command to parse a config file's arguments with the same options. */
    @Command(name = "gateway-config")
    static final class OptionsOnly {
        @Mixin
        GatewayOptions options = new GatewayOptions();
    }
}
