package io.vtep4j;

import io.vtep4j.internal.SendCounters;

/** Counters of a VTEP's default underlay for tests outside this package (the interop tests). */
public final class UnderlayProbe {

    private UnderlayProbe() {}

    /** Send messages and the datagrams they carried: fewer messages than datagrams shows UDP GSO at work. */
    public static SendCounters sendCounters(Vtep vtep) {
        return vtep.runtime.sendCounters();
    }

    /** Payloads received through the AF_XDP socket so far (0 when AF_XDP is not in use). */
    public static long afXdpReceived(Vtep vtep) {
        return vtep.runtime.afXdpReceived();
    }
}
