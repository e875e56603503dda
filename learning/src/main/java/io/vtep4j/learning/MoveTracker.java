package io.vtep4j.learning;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Duplicate-MAC detection, RFC 7432 §15.1: the first move of a MAC opens an M-second window; the N-th move within
 * it marks the MAC as a duplicate.
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
    private final LongSupplier ticker;
    private final Cache<Key, Window> windows;

    MoveTracker(int moves, Duration window, LongSupplier ticker) {
        this.moves = moves;
        this.windowNanos = window.toNanos();
        this.ticker = ticker;
        this.windows = Caffeine.newBuilder()
                .expireAfterWrite(window)
                .maximumSize(MAX_WINDOWS)
                .ticker(ticker::getAsLong)
                .executor(Runnable::run)
                .build();
    }

    /** Records one move of (vni, mac); true if it is the N-th within the window (a duplicate MAC). */
    boolean moveIsDuplicate(int vni, long mac) {
        final long now = ticker.getAsLong();
        final Key key = new Key(vni, mac);
        Window window = windows.getIfPresent(key);
        if (window == null || now - window.openedNanos >= windowNanos) {
            window = new Window(now);
            windows.put(key, window);
        }
        // RFC 7432 §15.1: N MAC moves detected before the M-second timer expires means a duplicate MAC.
        if (++window.moves >= moves) {
            windows.invalidate(key);
            return true;
        }
        return false;
    }

    /** Forgets the move history of (vni, mac), e.g. when its entry goes away or is unfrozen. */
    void forget(int vni, long mac) {
        windows.invalidate(new Key(vni, mac));
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

        Window(long openedNanos) {
            this.openedNanos = openedNanos;
        }
    }
}
