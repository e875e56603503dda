package io.vtep4j.internal.xdp;

import java.io.IOException;
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

    /**
     * Makes slot {@code slot} of device map {@code deviceMap} hold interface {@code ifindex}, or empties it
     * ({@code ifindex} 0), unless it already does; true if it changed. The slot is read, not remembered: the kernel
     * empties it by itself when its interface goes away or leaves the namespace. A failed change is left for the
     * next round. The caller holds the lock its map's other changes take.
     */
    static boolean holdDevice(int deviceMap, int slot, int ifindex) {
        byte[] key = DecapOffload.littleEndianInt(slot);
        byte[] value = new byte[4];
        int held;
        try {
            Bpf.lookupElement(deviceMap, key, value);
            held = (value[0] & 0xFF) | (value[1] & 0xFF) << 8 | (value[2] & 0xFF) << 16 | (value[3] & 0xFF) << 24;
        } catch (IOException empty) {
            held = 0;
        }
        if (held == ifindex) {
            return false;
        }
        try {
            if (ifindex > 0) {
                Bpf.updateElement(deviceMap, key, DecapOffload.littleEndianInt(ifindex));
            } else {
                Bpf.deleteElement(deviceMap, key);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
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
