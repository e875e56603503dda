package io.vtep4j.learning;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Duplicate-MAC detection, RFC 7432 §15.1: the first move of a MAC opens an M-second window; the N-th move within
 * it marks the MAC as a duplicate.
 *
 * <p>Local wins (as FRR's duplicate address detection): each window remembers the last local port that used the MAC
 * and when. If a local port used it within the last M seconds when the duplicate is detected, the MAC is frozen at
 * that port, never at a remote: traffic from the underlay alone cannot pin a local host's MAC away from it.
 *
 * <p>Open windows live in a Caffeine cache that expires them M seconds after they open (on the table's ticker) and
 * bounds how many are tracked, so a storm of moves cannot grow memory without limit. Thread-safe; calls for one
 * (VNI, MAC) are serialised by that VNI's table lock, which guards the mutable window.
 */
final class MoveTracker {

    /** Most move windows tracked at once; past it the least recently used window is forgotten. */
    static final int MAX_WINDOWS = 1 << 16;

    private final int moves;
    private final long windowNanos;
    private final int windowMillis;
    private final LongSupplier ticker;
    private final Cache<Key, Window> windows;

    MoveTracker(int moves, Duration window, LongSupplier ticker) {
        this.moves = moves;
        this.windowNanos = window.toNanos();
        this.windowMillis = (int) window.toMillis();
        this.ticker = ticker;
        this.windows = Caffeine.newBuilder()
                .expireAfterWrite(window)
                .maximumSize(MAX_WINDOWS)
                .ticker(ticker::getAsLong)
                .executor(Runnable::run)
                .build();
    }

    /**
     * Records one move of (vni, mac) from {@code from} (last seen there at {@code fromSeen}) to {@code to} at
     * {@code now} (table milliseconds). Returns null if the move may proceed, else where to freeze the MAC: the last
     * local port that used it within the window if there is one (local wins), else {@code from} (where it is).
     */
    Location duplicateAt(int vni, long mac, Location from, int fromSeen, Location to, int now) {
        final long nanos = ticker.getAsLong();
        final Key key = new Key(vni, mac);
        Window window = windows.getIfPresent(key);
        if (window == null || nanos - window.openedNanos >= windowNanos) {
            window = new Window(nanos);
            windows.put(key, window);
        }
        if (!from.isRemote()) {
            window.local(from, fromSeen);
        }
        if (!to.isRemote()) {
            window.local(to, now);
        }
        // RFC 7432 §15.1: N MAC moves detected before the M-second timer expires means a duplicate MAC.
        if (++window.moves < moves) {
            return null;
        }
        windows.invalidate(key);
        return window.local != null && now - window.localSeen < windowMillis ? window.local : from;
    }

    /** Forgets the move history of (vni, mac), e.g. when its entry goes away or is unfrozen. */
    void forget(int vni, long mac) {
        // Mostly no window is open (moves are rare): then clearing or ageing out a large table allocates no key per
        // removed entry. The map's count includes a window just opened, so none is missed.
        if (windows.estimatedSize() > 0) {
            windows.invalidate(new Key(vni, mac));
        }
    }

    /** Move windows currently open (approximate). */
    long openWindows() {
        windows.cleanUp();
        return windows.estimatedSize();
    }

    private static final class Key {
        private final int vni;
        private final long mac;

        Key(int vni, long mac) {
            this.vni = vni;
            this.mac = mac;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key && ((Key) other).vni == vni && ((Key) other).mac == mac;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(mac * 31 + vni);
        }
    }

    private static final class Window {
        private final long openedNanos;
        private int moves;
        private Location local;
        private int localSeen;

        Window(long openedNanos) {
            this.openedNanos = openedNanos;
        }

        void local(Location port, int seen) {
            if (local == null || seen - localSeen >= 0) {
                local = port;
                localSeen = seen;
            }
        }
    }
}
