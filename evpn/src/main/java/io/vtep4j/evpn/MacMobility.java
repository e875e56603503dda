package io.vtep4j.evpn;

import io.vtep4j.evpn.RemoteRib.MacKey;
import io.vtep4j.learning.Location;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Duplicate-MAC detection across BGP, RFC 7432 §15.1: a MAC that moves between this VTEP and others {@code moves}
 * times within {@code window} of its first move is a duplicate (two hosts with one MAC, or a loop). It is then
 * frozen for {@code freeze}: the agent stops advertising it and lets no route move it. Defaults as FRR's
 * {@code dup-addr-detection}: 5 moves in 180 s.
 *
 * <p>Bounded: at most {@link #MAX_TRACKED} open windows and as many frozen MACs; past that the least recently moved
 * window, or the oldest freeze, is forgotten (a storm of moves cannot grow memory). Time comes from the injected
 * ticker (nanoseconds). Not thread-safe: the agent's thread owns it.
 */
final class MacMobility {

    /** Most move windows, and most frozen MACs, held at once. */
    static final int MAX_TRACKED = 1 << 16;

    private final int moves;
    private final long windowNanos;
    private final long freezeNanos;
    private final LongSupplier ticker;
    private final EvpnListener listener;
    private final Map<MacKey, long[]> windows = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<MacKey, long[]> eldest) {
            return size() > MAX_TRACKED;
        }
    };
    private final Map<MacKey, Long> frozen = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<MacKey, Long> eldest) {
            return size() > MAX_TRACKED;
        }
    };
    private long duplicates;
    private long listenerFailures;

    /** {@code moves} 0 turns detection off. */
    MacMobility(int moves, Duration window, Duration freeze, LongSupplier ticker, EvpnListener listener) {
        this.moves = moves;
        this.windowNanos = window.toNanos();
        this.freezeNanos = freeze.toNanos();
        this.ticker = ticker;
        this.listener = listener;
    }

    /**
     * Records one move of {@code k} to {@code to}; returns true when this move made it a duplicate: it is frozen
     * from now on, counted and reported to the listener.
     */
    boolean moved(MacKey k, Location to) {
        if (moves == 0 || isFrozen(k)) {
            return false;
        }
        long now = ticker.getAsLong();
        long[] w = windows.get(k); // {opened, count}
        if (w == null || now - w[0] >= windowNanos) {
            w = new long[] {now, 0};
            windows.put(k, w);
        }
        // RFC 7432 §15.1: N moves before the M-second timer expires: a duplicate MAC.
        if (++w[1] < moves) {
            return false;
        }
        windows.remove(k);
        frozen.put(k, now + freezeNanos);
        duplicates++;
        try {
            listener.duplicateMac(k.vni(), k.mac(), to);
        } catch (RuntimeException e) {
            listenerFailures++; // a listener's failure never stops the agent
        }
        return true;
    }

    /** Whether {@code k} is frozen now (a freeze that ran out is lifted here). */
    boolean isFrozen(MacKey k) {
        Long until = frozen.get(k);
        if (until == null) {
            return false;
        }
        if (ticker.getAsLong() - until < 0) {
            return true;
        }
        frozen.remove(k);
        return false;
    }

    /** Lifts every freeze that ran out and returns those MACs, so that the agent re-applies what BGP says of them. */
    List<MacKey> thaw() {
        List<MacKey> out = new ArrayList<>();
        long now = ticker.getAsLong();
        for (Iterator<Map.Entry<MacKey, Long>> it = frozen.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<MacKey, Long> e = it.next();
            if (now - e.getValue() >= 0) {
                it.remove();
                out.add(e.getKey());
            }
        }
        return out;
    }

    /** Duplicates detected so far. */
    long duplicates() {
        return duplicates;
    }

    /** Exceptions the listener threw (caught). */
    long listenerFailures() {
        return listenerFailures;
    }
}
