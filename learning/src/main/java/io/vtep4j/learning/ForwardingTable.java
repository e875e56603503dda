package io.vtep4j.learning;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The VTEP's MAC table: (VNI, MAC) to {@link Location}, with learning, ageing, limits, MAC mobility and
 * duplicate-MAC detection (RFC 7432 §15.1).
 *
 * <p>Thread-safe. {@link #lookup} never locks and never allocates; {@link #learn} of a MAC already known at the
 * same location neither locks nor allocates unless its age is due for a refresh. Changes are serialised per VNI.
 * <pre>{@code
 * ForwardingTable fdb = ForwardingTable.builder().ageing(Duration.ofMinutes(5)).maxEntries(100_000).build();
 * fdb.learn(5001, MacAddress.parse("00:11:22:33:44:55"), Location.remote(vtep));
 * Location where = fdb.lookup(5001, dstMac);   // null: flood
 * }</pre>
 */
public final class ForwardingTable {

    /** Default ageing time, as in Linux and Open vSwitch. */
    public static final Duration DEFAULT_AGEING = Duration.ofSeconds(300);
    /** Longest ageing time (time is kept in int milliseconds). */
    public static final Duration MAX_AGEING = Duration.ofDays(10);
    /** Default global limit on entries. */
    public static final int DEFAULT_MAX_ENTRIES = 1 << 20;
    /** Locations (remote VTEPs and local ports) a table can refer to at once: 14 bits of each entry. */
    public static final int MAX_LOCATIONS = LocationRegistry.CAPACITY;
    /** Largest budget of learned remotes: {@link #MAX_LOCATIONS} less 256 kept for local ports and static entries. */
    public static final int MAX_REMOTE_LOCATIONS = LocationRegistry.CAPACITY - LocationRegistry.MIN_RESERVED;
    /** Default budget of learned remotes: 15,360, leaving 1,024 locations to local ports and static entries. */
    public static final int DEFAULT_MAX_REMOTE_LOCATIONS = LocationRegistry.CAPACITY - 1024;
    /** Default number of moves that marks a duplicate MAC (RFC 7432 §15.1: N = 5). */
    public static final int DEFAULT_MOVES = 5;
    /** Default window for counting moves (RFC 7432 §15.1: M = 180 s). */
    public static final Duration DEFAULT_MOVE_WINDOW = Duration.ofSeconds(180);
    /**
     * Default local hold: 5 s. A local MAC's recorded last-seen time may trail its last frame by up to the refresh
     * step (at most 1 s) plus the sweep interval (about 1 s), so the hold must exceed 2 s for a busy host to count as
     * active; 3 s more cover short pauses of its traffic. The price: a host that really moves from a local port to a
     * remote is followed up to 5 s late.
     */
    public static final Duration DEFAULT_LOCAL_HOLD = Duration.ofSeconds(5);

    private final FdbRules rules;
    /** What the owner refuses as the location of a static or control entry ({@link Builder#locationCheck}). */
    private final Consumer<Location> locationCheck;

    private ForwardingTable(Builder builder) {
        this.rules = new FdbRules(builder);
        this.locationCheck = builder.locationCheck;
    }

    /**
     * A new builder with the defaults: 300 s ageing, 2^20 entries, 5 moves in 180 s, 5 s local hold; not
     * thread-safe.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Where frames to {@code mac} in {@code vni} go, or null if unknown; lock-free, allocation-free, thread-safe. */
    public Location lookup(int vni, long mac) {
        return rules.lookup(vni, mac);
    }

    /**
     * Answers every lookup of {@code batch} (see {@link LookupBatch#location}) as {@link #lookup(int, long)} would,
     * but with their memory accesses overlapped: a first pass reads each MAC's home slot, a second compares. Lock-free,
     * allocation-free, thread-safe (the batch itself is one thread's).
     */
    public void lookup(LookupBatch batch) {
        rules.lookup(batch);
    }

    /**
     * Reads the table memory that a {@link #lookup(int, long)} or {@link #learn} of {@code mac} in {@code vni} reads
     * first, and returns a value folded from it. A receive path that first calls this for every packet of a read
     * batch, and only then processes the packets, keeps that batch's cache misses in flight together instead of
     * waiting for each in turn: the later lookups find their slots cached. The caller must keep the returned value
     * (xor it into a field, say), or the compiler may drop the reads. Changes nothing; any {@code vni} and
     * {@code mac} are accepted (an unknown one costs a few instructions). Lock-free, allocation-free, thread-safe.
     */
    public long readAhead(int vni, long mac) {
        return rules.readAhead(vni, mac);
    }

    /**
     * {@link #readAhead(int, long)} for what forwarding one frame reads: the slot of its {@code source} (the learn)
     * and, for a unicast {@code destination}, that one's (the lookup; a group destination is flooded, never looked
     * up). Lock-free, allocation-free, thread-safe.
     */
    public long readAhead(int vni, long destination, long source) {
        long read = rules.readAhead(vni, source);
        return MacAddress.isGroup(destination) ? read : read ^ rules.readAhead(vni, destination);
    }

    /**
     * Records that {@code mac} was seen as a source in {@code vni} at {@code where}; thread-safe. Refreshing a
     * known MAC at the same location neither locks, allocates nor reads the ticker: its last-seen time is rewritten
     * only when it is older than the refresh step (1/64 of the ageing time, at most 1 s) as judged by the table's
     * clock, which moves at each {@link #expire()} and each change. So with sweeps every second, an entry seen
     * continuously is never aged; its recorded age may lag by up to the refresh step plus the sweep interval.
     *
     * @throws IllegalArgumentException if {@code vni} is not 0..16777215 or {@code mac} does not fit 48 bits
     */
    public LearnResult learn(int vni, long mac, Location where) {
        return rules.learn(vni, mac, where);
    }

    /**
     * Restarts the age of the learned entry of {@code mac} if it is still at {@code where}, as a frame from there would;
     * never adds, moves or unfreezes an entry, and raises no event. For an owner who knows from elsewhere that a MAC is
     * active (frames forwarded without the table) and read where it was: a move made meanwhile stands. Thread-safe.
     *
     * @return true if the entry was there and its age restarted
     */
    public boolean refresh(int vni, long mac, Location where) {
        return rules.refresh(vni, mac, where);
    }

    /**
     * Adds or replaces a static entry: never aged, never overwritten by learning; thread-safe. Reported to the listener
     * as {@link FdbListener#installed installed}, after a learned entry it replaces as
     * {@link FdbListener#removed removed}.
     *
     * @throws IllegalArgumentException for a group or all-zero MAC, an invalid VNI, or a location the owner refuses
     *     ({@link Builder#locationCheck})
     * @throws IllegalStateException if the table, the VNI or the location registry is full
     */
    public void addStatic(int vni, long mac, Location where) {
        locationCheck.accept(Objects.requireNonNull(where, "where"));
        rules.addStatic(vni, mac, where);
    }

    /**
     * Adds or replaces a control-plane entry (EVPN: a MAC a BGP route places at a remote VTEP); thread-safe. Like a
     * static entry it is never aged and learning from the underlay does not overwrite it; unlike one, learning the
     * MAC on a local port moves it there (RFC 7432 §7.7: the MAC moved to us), reported as a move. Flushes of learned
     * entries leave it; {@link #remove} and {@link #clearVni} remove it. Reported to the listener as
     * {@link FdbListener#installed installed}, after a learned entry it replaces as {@link FdbListener#removed removed}.
     *
     * @throws IllegalArgumentException for a local port, a group or all-zero MAC, an invalid VNI, or a location the
     *     owner refuses ({@link Builder#locationCheck})
     * @throws IllegalStateException if the table, the VNI or the location registry is full
     */
    public void addControl(int vni, long mac, Location where) {
        locationCheck.accept(Objects.requireNonNull(where, "where"));
        rules.addControl(vni, mac, where);
    }

    /**
     * Removes an entry of any type; thread-safe. Returns true if there was one, which is reported to the listener as
     * {@link FdbListener#removed removed}.
     */
    public boolean remove(int vni, long mac) {
        return rules.remove(vni, mac);
    }

    /** Clears the duplicate-MAC freeze of an entry, keeping it where it is; thread-safe. True if it was frozen. */
    public boolean unfreeze(int vni, long mac) {
        return rules.unfreeze(vni, mac);
    }

    /**
     * Removes the learned and frozen entries of one VNI (static ones stay); thread-safe. Returns how many. Flushes
     * are counted ({@link FdbCounters#flushed()}) and reported to the listener once per call, not per entry
     * ({@link FdbListener#flushed}), as are {@link #flushLocation} and {@link #clearVni}.
     */
    public int flushVni(int vni) {
        return rules.flush(Vni.check(vni), null, false, false);
    }

    /** Removes the learned and frozen entries at a remote VTEP or local port, in every VNI; thread-safe. */
    public int flushLocation(Location where) {
        return rules.flush(-1, Objects.requireNonNull(where, "where"), false, false);
    }

    /**
     * Whether some entry of any VNI (learned, static or control) has {@code where} as its location; thread-safe, takes
     * the location registry's lock (not for the data path).
     */
    public boolean refersTo(Location where) {
        return rules.refersTo(Objects.requireNonNull(where, "where"));
    }

    /** Removes every entry of one VNI, static ones included; thread-safe. Returns how many. */
    public int clearVni(int vni) {
        return rules.flush(Vni.check(vni), null, true, false);
    }

    /** Sets the ageing time of one VNI, overriding the table's; thread-safe. */
    public void ageing(int vni, Duration ageing) {
        rules.ageing(vni, Builder.checkAgeing(ageing));
    }

    /** The ageing time in force for one VNI; thread-safe. */
    public Duration ageing(int vni) {
        return rules.ageing(vni);
    }

    /**
     * Removes every learned or frozen entry not seen for its VNI's ageing time, reports each to the listener, and
     * returns how many; thread-safe. Whoever owns the table runs it periodically, every second or so and well within
     * the shortest ageing time: until then an overdue entry still forwards, and the sweep also advances the clock
     * that {@link #learn} judges refreshes by.
     */
    public int expire() {
        return rules.expire();
    }

    /** Snapshot of every entry, sorted by VNI then MAC; thread-safe. */
    public List<FdbEntry> entries() {
        return rules.entries(-1);
    }

    /** Snapshot of one VNI's entries, sorted by MAC; thread-safe. */
    public List<FdbEntry> entries(int vni) {
        return rules.entries(Vni.check(vni));
    }

    /** {@code bridge fdb show}-style text: a header and one aligned row per entry (VNI, MAC, type, location, age). */
    public static String format(List<FdbEntry> entries) {
        return FdbFormat.table(entries);
    }

    /** {@link #format(List)} of all entries; thread-safe. */
    public String show() {
        return format(entries());
    }

    /** Entries now in the table, static included; thread-safe. */
    public int size() {
        return rules.size();
    }

    /** Entries now in one VNI; thread-safe. */
    public int size(int vni) {
        return rules.size(Vni.check(vni));
    }

    /** An immutable snapshot of the counters; thread-safe. */
    public FdbCounters counters() {
        return rules.counters();
    }

    @Override
    public String toString() {
        return "ForwardingTable{size=" + size() + '}';
    }

    /** Configures a {@link ForwardingTable}; each setter validates at once. Not thread-safe. */
    public static final class Builder {

        LongSupplier ticker = System::nanoTime;
        Duration ageing = DEFAULT_AGEING;
        int maxEntries = DEFAULT_MAX_ENTRIES;
        int maxEntriesPerVni = Integer.MAX_VALUE;
        FdbListener listener = new FdbListener() {};
        int moves = DEFAULT_MOVES;
        Duration moveWindow = DEFAULT_MOVE_WINDOW;
        Duration localHold = DEFAULT_LOCAL_HOLD;
        int maxRemoteLocations = DEFAULT_MAX_REMOTE_LOCATIONS;
        boolean evictFromBusiestLocation;
        Consumer<Location> locationCheck = where -> {};

        private Builder() {}

        /**
         * A check of the location of every static and control entry before it is added, which throws an
         * {@link IllegalArgumentException} naming the location and the rule to refuse it (default: none). A VTEP sets
         * one that refuses remote locations it cannot send to: a transport it does not run, an address family it has
         * no local address of, one of its own addresses.
         */
        public Builder locationCheck(Consumer<Location> check) {
            this.locationCheck = Objects.requireNonNull(check, "check");
            return this;
        }

        /** Time source in nanoseconds (default {@code System::nanoTime}); tests pass a fake clock. */
        public Builder ticker(LongSupplier nanos) {
            this.ticker = Objects.requireNonNull(nanos, "nanos");
            return this;
        }

        /** Ageing time of every VNI without its own (default 300 s, 1 ms .. 10 days). */
        public Builder ageing(Duration ageing) {
            this.ageing = checkAgeing(ageing);
            return this;
        }

        /** Global limit on entries, static included (default 2^20). */
        public Builder maxEntries(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxEntries: " + max + " (expected: >= 1)");
            }
            this.maxEntries = max;
            return this;
        }

        /** Limit on entries in any one VNI (default: no limit beyond the global one). */
        public Builder maxEntriesPerVni(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxEntriesPerVni: " + max + " (expected: >= 1)");
            }
            this.maxEntriesPerVni = max;
            return this;
        }

        /**
         * Budget of <em>learned remotes</em>: remote VTEP locations that only learned entries refer to (default
         * {@link #DEFAULT_MAX_REMOTE_LOCATIONS}, 1 .. {@link #MAX_REMOTE_LOCATIONS}). The rest of the
         * {@link #MAX_LOCATIONS} indices stay free for local ports and for locations of static entries, which learning
         * can therefore never starve. A location is recycled as soon as no entry refers to it.
         *
         * <p>With the budget spent, a new remote is refused ({@link LearnResult#REFUSED_FULL},
         * {@link FdbCounters#refusedLocations()}) on its first packet; if it asks again while still remembered, it
         * displaces a weak learned remote (never used again since it was learned, fewest entries, oldest first),
         * whose entries are evicted ({@link FdbCounters#reclaimedLocations()}). So a flood of one-off spoofed
         * sources cannot lock out a real new VTEP, which keeps sending, while established remotes (used more than
         * once) are never displaced; they leave only by ageing or flushing.
         */
        public Builder maxRemoteLocations(int max) {
            if (max < 1 || max > MAX_REMOTE_LOCATIONS) {
                throw new IllegalArgumentException(
                        "maxRemoteLocations: " + max + " (expected: 1.." + MAX_REMOTE_LOCATIONS + ")");
            }
            this.maxRemoteLocations = max;
            return this;
        }

        /** Receives learned / moved / aged / evicted / duplicate events (default: none). */
        public Builder listener(FdbListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Duplicate-MAC detection, RFC 7432 §15.1: the {@code moves}-th move of a MAC within {@code window} of its
         * first move freezes the entry where it is (default 5 moves in 180 s).
         */
        public Builder moveDetection(int moves, Duration window) {
            if (moves < 1) {
                throw new IllegalArgumentException("moves: " + moves + " (expected: >= 1)");
            }
            Objects.requireNonNull(window, "window");
            if (window.isNegative() || window.isZero() || window.compareTo(MAX_AGEING) > 0) {
                throw new IllegalArgumentException("window: " + window + " (expected: > 0 and <= " + MAX_AGEING + ")");
            }
            this.moves = moves;
            this.moveWindow = window;
            return this;
        }

        /**
         * Local wins: a MAC that a local port used within {@code hold} cannot move to a remote VTEP; such a learn is
         * refused ({@link LearnResult#REFUSED_LOCAL}, {@link FdbCounters#refusedLocal()}) and the entry stays at the
         * port. Once the port has not used the MAC for longer than {@code hold}, a remote may take it (a host that
         * migrated away). Moves between local ports and from a remote to a local port are never held. Default
         * {@link #DEFAULT_LOCAL_HOLD}; {@link Duration#ZERO} turns the rule off; at most {@link #MAX_AGEING}.
         *
         * <p>Independently of the hold, duplicate-MAC detection never freezes a MAC at a remote when a local port
         * used it within the detection window: it freezes it at that port.
         */
        public Builder localHold(Duration hold) {
            Objects.requireNonNull(hold, "hold");
            if (hold.isNegative() || hold.compareTo(MAX_AGEING) > 0) {
                throw new IllegalArgumentException("hold: " + hold + " (expected: PT0S .. " + MAX_AGEING + ")");
            }
            this.localHold = hold;
            return this;
        }

        /** Turns duplicate-MAC detection off: MACs may move without limit. */
        public Builder noMoveDetection() {
            this.moves = 0;
            return this;
        }

        /**
         * Fairness when full (as Open vSwitch does): instead of refusing a new MAC, evict an entry of the location
         * holding the most entries in that VNI (default off: refuse and count).
         */
        public Builder evictFromBusiestLocation(boolean on) {
            this.evictFromBusiestLocation = on;
            return this;
        }

        /** A new table with this configuration. */
        public ForwardingTable build() {
            return new ForwardingTable(this);
        }

        static Duration checkAgeing(Duration ageing) {
            Objects.requireNonNull(ageing, "ageing");
            if (ageing.compareTo(Duration.ofMillis(1)) < 0 || ageing.compareTo(MAX_AGEING) > 0) {
                throw new IllegalArgumentException("ageing: " + ageing + " (expected: PT0.001S .. " + MAX_AGEING + ")");
            }
            return ageing;
        }
    }
}
