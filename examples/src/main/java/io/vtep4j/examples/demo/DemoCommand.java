package io.vtep4j.examples.demo;

import io.vtep4j.examples.HelpOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code vtep4j demo}: the whole VTEP story in one JVM over loopback, no root, no arguments. Prints each step and
 * exits 0 if every fact it claims held, 1 otherwise. Runs on the calling thread; the last run's
 * {@link #report()} is kept for tests.
 */
@Command(
        name = "demo",
        description = {
            "Three VTEPs in this JVM over loopback UDP, simulated hosts in two VNIs: watch flooding, "
                    + "learning, unicast, isolation between VNIs and ageing. No root needed; about 5 s."
        })
public final class DemoCommand implements Callable<Integer> {
    @CommandLine.Mixin
    HelpOptions help = new HelpOptions();

    @Option(
            names = "--udp-port",
            paramLabel = "N",
            hidden = true,
            description = "UDP port to try first (default: 4789; another is picked if it is taken).")
    int port = DemoNetwork.PREFERRED_PORT;

    @Spec
    CommandSpec spec;

    private volatile DemoReport report;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long start = System.nanoTime();
        DemoReport result;
        try (DemoNetwork net = DemoNetwork.start(port, Demo.SWEEP)) {
            result = new Demo(net, out).run();
        } catch (IllegalStateException e) {
            err.println("vtep4j demo: " + e.getMessage());
            err.flush();
            return 1;
        }
        report = result;
        long failed = result.facts().stream().filter(f -> !f.held()).count();
        out.println();
        out.printf(
                "%s: %d facts checked, %d failed, in %.1f s%n",
                failed == 0 ? "Demo complete" : "Demo FAILED",
                result.facts().size(),
                failed,
                (System.nanoTime() - start) / 1e9);
        out.flush();
        return result.allHeld() ? 0 : 1;
    }

    /** What the last run observed, or null before a run finished. */
    public DemoReport report() {
        return report;
    }
}
