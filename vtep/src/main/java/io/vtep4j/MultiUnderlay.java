package io.vtep4j;

import io.vtep4j.encap.Encapsulation;
import java.util.ArrayList;
import java.util.List;

/**
 * Configuration rules of a {@link Vtep} that runs several underlays ({@link Vtep.Builder#encapsulations}): which
 * encapsulations, in which transport order, and that their UDP ports do not collide. Stateless.
 */
final class MultiUnderlay {

    private MultiUnderlay() {}

    /** {@code first} then {@code more}: index = transport number. */
    static List<Encapsulation> encapsulations(Encapsulation first, List<Encapsulation> more) {
        List<Encapsulation> all = new ArrayList<>(1 + more.size());
        all.add(first);
        all.addAll(more);
        return List.copyOf(all);
    }

    /** Whether any of them runs over UDP (VXLAN, GRE-in-UDP): only those can use direct datagram I/O. */
    static boolean anyUdp(List<Encapsulation> encapsulations) {
        for (Encapsulation e : encapsulations) {
            if (e != Encapsulation.NVGRE) {
                return true;
            }
        }
        return false;
    }

    /**
     * Two UDP underlays must not share a port: the configured port of the default encapsulation against the standard
     * port of the other UDP one.
     *
     * @throws IllegalStateException naming the port and both encapsulations
     */
    static void checkPorts(VtepConfig config) {
        List<Encapsulation> all = config.encapsulations();
        for (int a = 0; a < all.size(); a++) {
            for (int b = a + 1; b < all.size(); b++) {
                Encapsulation x = all.get(a);
                Encapsulation y = all.get(b);
                if (x != Encapsulation.NVGRE && y != Encapsulation.NVGRE && config.port(x) == config.port(y)) {
                    throw new IllegalStateException("port: " + config.port(x) + " for both " + x + " and " + y
                            + " (expected: one UDP port per underlay)");
                }
            }
        }
    }

    /** The transport of a flood target or group; {@code encapsulation} must be one the VTEP runs. */
    static int transportOf(VtepConfig config, Encapsulation encapsulation) {
        int t = config.encapsulations().indexOf(encapsulation);
        if (t < 0) {
            throw new IllegalArgumentException("encapsulation: " + encapsulation + " (expected: one this VTEP runs, "
                    + config.encapsulations() + "; see Vtep.Builder.encapsulations)");
        }
        return t;
    }
}
