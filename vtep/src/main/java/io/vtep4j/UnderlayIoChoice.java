package io.vtep4j;

import io.vtep4j.encap.Encapsulation;
import java.util.List;

/**
 * Whether a VTEP's underlay tries {@code AF_XDP} ({@link Vtep.Builder#underlayIo}): asked for, over one UDP
 * encapsulation. What only the underlay can find out (platform, permissions, interface, socket options) it checks
 * when it opens; each refusal is logged once, here or there. Stateless.
 */
final class UnderlayIoChoice {

    private UnderlayIoChoice() {}

    /**
     * The mode the underlay tries: {@code asked}, or {@link UnderlayIo#SOCKET} with one logged line when an AF_XDP
     * mode was asked for over encapsulations it cannot carry.
     */
    static UnderlayIo tried(UnderlayIo asked, List<Encapsulation> encapsulations) {
        if (asked == UnderlayIo.SOCKET) {
            return asked;
        }
        String why = null;
        if (encapsulations.size() > 1) {
            why = "several encapsulations " + encapsulations + " (AF_XDP carries one UDP underlay)";
        } else if (encapsulations.get(0) == Encapsulation.NVGRE) {
            why = "NVGRE runs over raw IP protocol 47, not UDP";
        }
        if (why != null) {
            System.getLogger("io.vtep4j")
                    .log(
                            System.Logger.Level.WARNING,
                            "underlay I/O: kernel UDP sockets instead of AF_XDP (" + asked + "): " + why);
            return UnderlayIo.SOCKET;
        }
        return asked;
    }
}
