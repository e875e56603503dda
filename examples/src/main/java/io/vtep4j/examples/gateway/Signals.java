package io.vtep4j.examples.gateway;

import java.util.HashMap;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The gateway's POSIX signals: SIGINT and SIGTERM ask for a graceful stop, SIGUSR2 for a forwarding-table dump.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, present in every OpenJDK) because the standard API
 * only offers shutdown hooks, which cannot keep the exit code or print after the stop. Handlers run on a JVM
 * signal thread and must only enqueue work. A signal the platform refuses is skipped. Not thread-safe: install
 * and uninstall from one thread.
 */
final class Signals {
    private static final Map<String, SignalHandler> PREVIOUS = new HashMap<>();

    private Signals() {}

    /** Routes INT and TERM to {@code stop} and USR2 to {@code dumpFdb}, remembering the handlers they replace. */
    static void install(Runnable stop, Runnable dumpFdb) {
        handle("INT", stop);
        handle("TERM", stop);
        handle("USR2", dumpFdb);
    }

    private static void handle(String name, Runnable action) {
        try {
            PREVIOUS.putIfAbsent(name, Signal.handle(new Signal(name), signal -> action.run()));
        } catch (IllegalArgumentException unsupported) {
            // the OS or the VM keeps this signal for itself: the gateway works on without it
        }
    }

    /** Puts back the handlers {@link #install} replaced. */
    static void uninstall() {
        PREVIOUS.forEach((name, previous) -> Signal.handle(new Signal(name), previous));
        PREVIOUS.clear();
    }
}
