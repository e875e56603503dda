package io.vtep4j;

import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One shared {@link Location} per remote VTEP address, so that learning from a known peer creates no object per
 * packet. Bound: at most {@link #MAX_CACHED_REMOTES} addresses are kept; beyond that (spoofed sources?) each packet
 * makes its own. Thread-safe.
 */
final class RemoteLocations {

    /** Most remote VTEP locations cached. */
    static final int MAX_CACHED_REMOTES = 4096;

    private final ConcurrentHashMap<InetAddress, Location> remotes = new ConcurrentHashMap<>();
    /** The transport number of the underlay these remotes are reached over (0 for a single-underlay VTEP). */
    private final int transport;

    /** The locations of remotes reached over transport 0. */
    RemoteLocations() {
        this(0);
    }

    /** The locations of remotes reached over {@code transport}. */
    RemoteLocations(int transport) {
        this.transport = transport;
    }

    /** The location of the remote VTEP at {@code source}. */
    Location of(InetAddress source) {
        Location l = remotes.get(source);
        if (l == null) {
            l = Location.remote(source, transport);
            if (remotes.size() < MAX_CACHED_REMOTES) {
                Location raced = remotes.putIfAbsent(source, l);
                if (raced != null) {
                    l = raced;
                }
            }
        }
        return l;
    }
}
