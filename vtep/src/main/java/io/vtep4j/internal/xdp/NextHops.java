package io.vtep4j.internal.xdp;

import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The next-hop MAC of each IPv4 destination the AF_XDP underlay sends to, as the kernel's route and neighbour tables
 * say ({@link Resolver}, asked off the event loop): a fixed table owned by the loop, so a send looks its destination
 * up with no lock, no allocation and no system call.
 *
 * <p>Bound: {@link #SLOTS} slots, a destination probing at most {@link #PROBES} of them; a slot whose destination was
 * not used for {@link #IDLE_NANOS} is taken over. A destination that finds no slot (the table full of live ones, as
 * a flood of spoofed remotes could make it) is simply sent through the kernel's socket: slower, never wrong.
 *
 * <p>Freshness: an entry is resolved again every {@link #REFRESH_NANOS} while in use, in the background (the old MAC
 * goes on being used meanwhile); one without a usable MAC every {@link #MISS_RETRY_NANOS} while in use. Until the first answer, and while the kernel has no usable neighbour entry, the
 * destination is a miss: the caller sends through the kernel, which resolves ARP. A neighbour entry the kernel holds
 * as stale (not confirmed lately: frames sent through AF_XDP bypass its neighbour state machine) sends the next packet
 * through the kernel too, which makes it confirm the neighbour (or fail it) as for its own traffic.
 *
 * <p>Threading: {@link #lookup} on the event loop only; answers come back through {@code loop}.
 */
final class NextHops {

    /** Slots in the table (a power of two). */
    static final int SLOTS = 1024;
    /** Slots a destination may probe. */
    static final int PROBES = 8;
    /** How often an entry in use is resolved again: 1 s. */
    static final long REFRESH_NANOS = 1_000_000_000L;
    /** How soon a destination without a usable MAC is asked again (the kernel is resolving it): 20 ms. */
    static final long MISS_RETRY_NANOS = 20_000_000L;

    /** How long an unused entry keeps its slot against a new destination: 60 s. */
    static final long IDLE_NANOS = 60_000_000_000L;

    /** No usable neighbour (or no route): send through the kernel. */
    static final long MISS = -1;
    /** The route leaves through another interface: send through the kernel. */
    static final long OTHER_INTERFACE = -2;
    /** Set in a {@link Resolver} answer beside the MAC: the kernel's entry is stale, have it confirmed. */
    static final long STALE = 1L << 48;

    /** The kernel's answer for one destination. Blocking; called on the resolver's thread only. */
    interface Resolver {
        /**
         * The MAC of {@code destination}'s next hop (48 bits, with {@link #STALE} if it needs confirming),
         * {@link #MISS} or {@link #OTHER_INTERFACE}.
         */
        long resolve(int destination);
    }

    private final Resolver resolver;
    private final Executor background;
    private final Executor loop;
    private final LongSupplier clock;

    private final int[] addresses = new int[SLOTS];
    private final long[] macs = new long[SLOTS];
    private final long[] refreshedAt = new long[SLOTS];
    private final long[] usedAt = new long[SLOTS];
    private final boolean[] live = new boolean[SLOTS];
    private final boolean[] pending = new boolean[SLOTS];
    private final boolean[] nudge = new boolean[SLOTS];
    private long full;

    /**
     * @param background runs {@link Resolver#resolve} (a bounded queue; a refused request is asked again later)
     * @param loop the event loop the table belongs to
     * @param clock nanoseconds ({@code System::nanoTime})
     */
    NextHops(Resolver resolver, Executor background, Executor loop, LongSupplier clock) {
        this.resolver = resolver;
        this.background = background;
        this.loop = loop;
        this.clock = clock;
    }

    /**
     * The MAC to send to {@code destination} with, or a negative value: send this packet through the kernel. Starts a
     * background refresh when one is due. Event loop only.
     */
    long lookup(int destination) {
        long now = clock.getAsLong();
        int slot = slot(destination, now);
        if (slot < 0) {
            full++;
            return MISS;
        }
        usedAt[slot] = now;
        if (!pending[slot] && now - refreshedAt[slot] >= (macs[slot] == MISS ? MISS_RETRY_NANOS : REFRESH_NANOS)) {
            request(slot, destination);
        }
        if (nudge[slot]) {
            nudge[slot] = false;
            return MISS;
        }
        return macs[slot];
    }

    /** Lookups that found no slot (table full of live destinations). */
    long full() {
        return full;
    }

    private int slot(int destination, long now) {
        int start = mix(destination);
        int free = -1;
        for (int p = 0; p < PROBES; p++) {
            int i = (start + p) & (SLOTS - 1);
            if (live[i] && addresses[i] == destination) {
                return i;
            }
            if (free < 0 && (!live[i] || (!pending[i] && now - usedAt[i] > IDLE_NANOS))) {
                free = i;
            }
        }
        if (free >= 0) {
            live[free] = true;
            addresses[free] = destination;
            macs[free] = MISS;
            nudge[free] = false;
            pending[free] = false;
            refreshedAt[free] = now - REFRESH_NANOS; // resolve at once
        }
        return free;
    }

    private void request(int slot, int destination) {
        pending[slot] = true;
        try {
            background.execute(() -> {
                long answer;
                try {
                    answer = resolver.resolve(destination);
                } catch (RuntimeException e) {
                    answer = MISS;
                }
                long result = answer;
                try {
                    loop.execute(() -> answer(slot, destination, result));
                } catch (RuntimeException e) {
                    // the loop is shutting down: nothing to update
                }
            });
        } catch (RuntimeException e) {
            pending[slot] = false; // queue full: asked again on a later lookup
            refreshedAt[slot] = clock.getAsLong();
        }
    }

    /** A resolver answer, on the loop. */
    void answer(int slot, int destination, long answer) {
        if (!live[slot] || addresses[slot] != destination) {
            return; // the slot went to another destination meanwhile
        }
        pending[slot] = false;
        refreshedAt[slot] = clock.getAsLong();
        nudge[slot] = answer >= 0 && (answer & STALE) != 0;
        macs[slot] = answer < 0 ? answer : answer & 0xFFFF_FFFF_FFFFL;
    }

    private static int mix(int address) {
        int h = address * 0x9E3779B1;
        return h ^ (h >>> 16);
    }
}
