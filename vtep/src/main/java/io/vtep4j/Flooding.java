package io.vtep4j;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.learning.FloodList;
import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A read-only, live view of where one {@link Segment} floods broadcast, multicast and unknown-unicast frames (RFC
 * 7348 §4.2): its multicast group, its head-end replication set and the per-kind switches. Obtained from
 * {@link Segment#flooding()}; changed only through the segment ({@link Segment#floodTo}, {@link
 * Segment#stopFloodingTo}, {@link Segment#floodBroadcast} and its siblings), which join and leave groups as they go.
 *
 * <p>Thread-safe: every read sees the segment's current state, lock-free.
 */
public final class Flooding {

    private final FloodList list;
    private final List<Encapsulation> encapsulations;

    Flooding(FloodList list, List<Encapsulation> encapsulations) {
        this.list = list;
        this.encapsulations = encapsulations;
    }

    /** The multicast group the segment floods to over {@code encapsulation}'s underlay, or null. */
    public InetAddress group(Encapsulation encapsulation) {
        int t = encapsulations.indexOf(encapsulation);
        return t < 0 ? null : list.group(t);
    }

    /** A snapshot of the head-end replication set with the encapsulation each remote is flooded in, in order. */
    public Map<InetAddress, Encapsulation> remoteEncapsulations() {
        Map<InetAddress, Encapsulation> out = new LinkedHashMap<>();
        for (Location target : list.targets()) {
            out.put(target.address(), encapsulations.get(target.transport()));
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * The multicast group the segment floods to over the default encapsulation (joined on the VTEP's multicast
     * interface), or null.
     */
    public InetAddress group() {
        return list.group();
    }

    /** A snapshot of the remote VTEPs the segment replicates floods to (head-end replication), in the order added. */
    public List<InetAddress> remotes() {
        return List.of(list.remotes());
    }

    /** True if there is neither a group nor a remote: floods reach local ports only. */
    public boolean isEmpty() {
        return list.isEmpty();
    }

    /** Whether broadcast frames are flooded to the overlay (default true). */
    public boolean broadcast() {
        return list.floodBroadcast();
    }

    /** Whether multicast frames (group MACs other than broadcast) are flooded to the overlay (default true). */
    public boolean multicast() {
        return list.floodMulticast();
    }

    /** Whether unicast frames to MACs not in the forwarding table are flooded to the overlay (default true). */
    public boolean unknownUnicast() {
        return list.floodUnknownUnicast();
    }

    @Override
    public String toString() {
        return list.toString();
    }
}
