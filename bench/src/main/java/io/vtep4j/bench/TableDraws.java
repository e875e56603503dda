package io.vtep4j.bench;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.util.SplittableRandom;

/**
 * A forwarding table filled for a receive-path benchmark, and the frames' MACs drawn from it: {@code macs / 2}
 * destinations ({@link #destination}) at one location and as many sources ({@link #source}) at another, all in one
 * VNI; then {@code draws} random pairs, each a destination and a source drawn uniformly (seeded, the same every run),
 * so that with a table much larger than the caches each lookup and each learn of a frame is a cache miss.
 */
public final class TableDraws {

    /** Destination {@code i} of the drawn frames. */
    public final long[] destinations;
    /** Source {@code i} of the drawn frames. */
    public final long[] sources;

    private TableDraws(long[] destinations, long[] sources) {
        this.destinations = destinations;
        this.sources = sources;
    }

    /** The {@code i}th destination MAC the table holds (locally administered unicast). */
    public static long destination(int i) {
        return 0x0200_0000_0000L | i;
    }

    /** The {@code i}th source MAC the table holds (locally administered unicast). */
    public static long source(int i) {
        return 0x0600_0000_0000L | i;
    }

    /**
     * Learns the destinations at {@code destinationsAt} and the sources at {@code sourcesAt} in {@code vni} of
     * {@code table}, checks that the VNI then holds exactly those, and draws {@code draws} pairs.
     *
     * @throws IllegalStateException if the VNI holds another number of entries (a limit, or entries learned before)
     */
    public static TableDraws fill(
            ForwardingTable table, int vni, int macs, Location destinationsAt, Location sourcesAt, int draws) {
        int half = macs / 2;
        for (int i = 0; i < half; i++) {
            table.learn(vni, destination(i), destinationsAt);
            table.learn(vni, source(i), sourcesAt);
        }
        if (table.size(vni) != 2 * half) {
            throw new IllegalStateException("table holds " + table.size(vni) + " entries, expected " + 2 * half);
        }
        SplittableRandom random = new SplittableRandom(42);
        long[] destinations = new long[draws];
        long[] sources = new long[draws];
        for (int i = 0; i < draws; i++) {
            destinations[i] = destination(random.nextInt(half));
            sources[i] = source(random.nextInt(half));
        }
        return new TableDraws(destinations, sources);
    }
}
