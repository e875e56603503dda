package io.vtep4j.bench.learning;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.vtep4j.learning.LearnResult;
import io.vtep4j.learning.Location;
import java.time.Duration;

/**
 * The comparison table: (VNI, MAC) to location in a Caffeine {@link Cache}, ageing by expire-after-write and the
 * limit by maximum size. Only what the fast path needs (lookup, learn/refresh); thread-safe as Caffeine is.
 *
 * <p>The key packs VNI and MAC into one boxed {@code Long} ({@code vni << 48 ^ mac}); that is enough for a benchmark
 * with one VNI, though a real table would need a two-field key object (more bytes per entry, not fewer).
 */
final class CaffeineFdb {

    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Cache<Long, Entry> cache;

    CaffeineFdb(int maxEntries) {
        this.cache = Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .expireAfterWrite(Duration.ofSeconds(300))
                .executor(Runnable::run)
                .build();
    }

    private static Long key(int vni, long mac) {
        return (long) vni << 48 ^ mac;
    }

    /** Where {@code mac} lives, without touching its age. */
    Location lookup(int vni, long mac) {
        final Entry e = cache.policy().getIfPresentQuietly(key(vni, mac));
        return e == null ? null : e.location;
    }

    /** Learns or refreshes; like the primitive table, re-writes (restarting the age) at most once a second. */
    LearnResult learn(int vni, long mac, Location where, long nowNanos) {
        final Long key = key(vni, mac);
        final Entry e = cache.policy().getIfPresentQuietly(key);
        if (e != null && e.location.equals(where) && nowNanos - e.seenNanos < REFRESH_NANOS) {
            return LearnResult.REFRESHED;
        }
        cache.put(key, new Entry(where, nowNanos));
        return e == null ? LearnResult.LEARNED : e.location.equals(where) ? LearnResult.REFRESHED : LearnResult.MOVED;
    }

    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    private static final class Entry {
        final Location location;
        final long seenNanos;

        Entry(Location location, long seenNanos) {
            this.location = location;
            this.seenNanos = seenNanos;
        }
    }
}
