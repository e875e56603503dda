package io.vtep4j.evpn.interop;

import java.lang.management.ManagementFactory;

/** What the EVPN measurements record next to their figures: the heap in use after a GC and the load average. */
public final class Measures {

    private Measures() {}

    /** The heap in use right after {@code System.gc()}, in bytes. */
    public static long heapAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** The 1-, 5- and 15-minute load averages from /proc/loadavg, or "?" where there is none. */
    public static String loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg"))
                    .split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
