package io.vtep4j.examples.gateway;

import io.vtep4j.encap.Encapsulation;
import java.net.InetAddress;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One {@code --flood} target: a remote VTEP's address and the encapsulation it is flooded in, written
 * {@code [vxlan:|nvgre:|gre-udp:]ADDR}; without a prefix, {@code --encap}'s. Immutable.
 *
 * @param address the remote VTEP's unicast address
 * @param encapsulation the encapsulation the gateway floods it in
 */
record FloodTarget(InetAddress address, Encapsulation encapsulation) {

    FloodTarget {
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(encapsulation, "encapsulation");
    }

    /**
     * Parses {@code [PREFIX:]ADDR}; an IPv6 literal is told from a prefix by the prefix's name.
     *
     * @throws ConfigException naming {@code option} if the address is not an IP literal
     */
    static FloodTarget parse(String option, String text, Encapsulation unprefixed) {
        String trimmed = text.trim();
        for (Encapsulation e : Encapsulation.values()) {
            String prefix = name(e) + ":";
            if (trimmed.toLowerCase(Locale.ROOT).startsWith(prefix)) {
                return new FloodTarget(GatewayConfig.address(option, trimmed.substring(prefix.length())), e);
            }
        }
        return new FloodTarget(GatewayConfig.address(option, trimmed), unprefixed);
    }

    /** The gateway's name of an encapsulation: {@code vxlan}, {@code nvgre}, {@code gre-udp}. */
    static String name(Encapsulation e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@code unprefixed} first, then every other encapsulation some target names, in enum order. */
    static List<Encapsulation> encapsulations(Encapsulation unprefixed, Iterable<List<FloodTarget>> lists) {
        java.util.EnumSet<Encapsulation> others = java.util.EnumSet.noneOf(Encapsulation.class);
        for (List<FloodTarget> list : lists) {
            for (FloodTarget t : list) {
                others.add(t.encapsulation());
            }
        }
        others.remove(unprefixed);
        java.util.List<Encapsulation> all = new java.util.ArrayList<>();
        all.add(unprefixed);
        all.addAll(others);
        return List.copyOf(all);
    }

    /** {@code 10.99.0.3}, or {@code nvgre:10.99.0.3} when {@code prefixed}. */
    String describe(boolean prefixed) {
        return prefixed ? name(encapsulation) + ":" + address.getHostAddress() : address.getHostAddress();
    }
}
