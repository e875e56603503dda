package io.vtep4j.examples.gateway;

import io.vtep4j.learning.NeighborCounters;
import io.vtep4j.learning.NeighborTable;

/**
 * The gateway's view of ARP/ND suppression ({@code --arp-suppress}): a status-line part with the binding table's
 * counters and the binding listing of the SIGUSR2 dump; both empty when suppression is off. Stateless, thread-safe.
 */
final class NeighborView {

    private NeighborView() {}

    /** {@code " | neighbors 12, answered 40, snooped 97, conflicts 0, table full 0"}, or "" when off. */
    static String status(Gateway gateway) {
        if (!gateway.config().arpSuppress) {
            return "";
        }
        NeighborCounters c = gateway.vtep().neighborTable().counters();
        return " | neighbors " + c.entries() + ", answered " + c.answered() + ", snooped " + c.snooped()
                + ", conflicts " + c.conflicts() + ", table full " + c.tableFull();
    }

    /** The IP to MAC bindings ({@code ip neigh show} style) after a header line, or "" when off. */
    static String table(Gateway gateway) {
        if (!gateway.config().arpSuppress) {
            return "";
        }
        NeighborTable neighbors = gateway.vtep().neighborTable();
        return "neighbor bindings: " + neighbors.size() + " entries" + System.lineSeparator() + neighbors.show();
    }
}
