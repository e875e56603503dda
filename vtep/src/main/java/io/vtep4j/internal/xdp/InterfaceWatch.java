package io.vtep4j.internal.xdp;

import java.util.function.Consumer;

/**
 * The thread a kernel-side program's owner follows its interfaces on: one round every {@value #PERIOD_MILLIS} ms
 * until interrupted ({@link DecapOffload#stop}). A round that throws is handed to {@code failed} and the next round
 * runs as usual, so one unforeseen failure never ends the following.
 */
final class InterfaceWatch {
    /** How often a round runs. */
    static final int PERIOD_MILLIS = 200;

    private InterfaceWatch() {}

    /** Starts a daemon thread called {@code name} running {@code round} every {@value #PERIOD_MILLIS} ms. */
    static Thread start(String name, Runnable round, Consumer<RuntimeException> failed) {
        Thread thread = new Thread(() -> run(round, failed), name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void run(Runnable round, Consumer<RuntimeException> failed) {
        try {
            while (!Thread.currentThread().isInterrupted()) {
                Thread.sleep(PERIOD_MILLIS);
                try {
                    round.run();
                } catch (RuntimeException e) {
                    failed.accept(e);
                }
            }
        } catch (InterruptedException closing) {
            // closed
        }
    }
}
