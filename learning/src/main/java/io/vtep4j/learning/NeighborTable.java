package io.vtep4j.learning;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * IP to MAC bindings per VNI for ARP and ND suppression (RFC 7432 §10, RFC 9161): snooped from ARP and IPv6
 * NS/NA packets, or added by a control plane from EVPN type-2 MAC+IP routes.
 *
 * <p>A binding is answered from only while it agrees with the {@link ForwardingTable} it was built with:
 * {@link #resolve} returns its MAC when that MAC is in the table at a remote VTEP, at the same remote where the
 * binding was last confirmed (any remote for a control-plane binding). A MAC that aged out of the table
 * ({@link NeighborCounters#stale()}), sits on a local port (the host answers for itself) or moved to another location
 * ({@link NeighborCounters#conflicts()}) is not answered. Bindings age with their MAC: {@link #expire()} removes
 * the snooped bindings whose MAC is no longer in the forwarding table.
 *
 * <p>Bounded: at most {@link Builder#maxEntries} bindings, and {@link Builder#maxEntriesPerVni} per VNI; a new
 * binding beyond either is refused and counted ({@link NeighborCounters#tableFull()}), existing ones stay.
 *
 * <p>Snooping rules that keep traffic from overwriting what others own: a snooped packet never changes a
 * control-plane binding's MAC, and a packet from the underlay never takes an address from a local host whose MAC
 * still sits on a local port (local wins); both count as conflicts.
 *
 * <p>Thread-safe. {@link #resolve} and a {@link #snoop} that confirms a known binding are lock-free and allocate
 * nothing; creating or changing a binding takes the table's lock and allocates.
 *
 * <pre>{@code
 * NeighborTable neighbors = NeighborTable.builder(fdb).build();
 * neighbors.add(100, InetAddress.getByName("10.0.0.2"), MacAddress.parse("02:00:00:00:00:02")); // EVPN type 2
 * long mac = neighbors.resolve(100, false, 0, 0x0A00_0002L); // >= 0: answer with it
 * }</pre>
 */
public final class NeighborTable {

    /** Default bound on bindings in the whole table. */
    public static final int DEFAULT_MAX_ENTRIES = 65_536;
    /** Default bound on bindings per VNI: a /20 of IPv4 hosts with an IPv6 address each. */
    public static final int DEFAULT_MAX_ENTRIES_PER_VNI = 8_192;

    /** {@link #resolve}: no binding for the address. */
    public static final long UNKNOWN = -1;
    /** {@link #resolve}: the binding's MAC is no longer in the forwarding table. */
    public static final long STALE = -2;
    /** {@link #resolve}: the binding's MAC sits on a local port; the host answers for itself. */
    public static final long LOCAL = -3;
    /** {@link #resolve}: the binding's MAC moved since the binding was confirmed. */
    public static final long CONFLICT = -4;

    private final ForwardingTable fdb;
    private final int maxEntries;
    private final int maxEntriesPerVni;
    private final LongSupplier ticker;
    private final NeighborListener listener;
    private final ConcurrentHashMap<NeighborKey, Binding> bindings = new ConcurrentHashMap<>();
    private final ThreadLocal<NeighborKey> probes = ThreadLocal.withInitial(NeighborKey::new);
    private final LongAdder[] counters = new LongAdder[NeighborCounters.COUNTERS];
    /** Bindings per VNI (guarded by this). */
    private final Map<Integer, Integer> perVni = new HashMap<>();
    /** All bindings (guarded by this). */
    private int size;

    private NeighborTable(Builder b) {
        this.fdb = b.fdb;
        this.maxEntries = b.maxEntries;
        this.maxEntriesPerVni = Math.min(b.maxEntriesPerVni, b.maxEntries);
        this.ticker = b.ticker;
        this.listener = b.listener;
        for (int i = 0; i < counters.length; i++) {
            counters[i] = new LongAdder();
        }
    }

    /** A builder for a table whose bindings follow {@code fdb}; not thread-safe. */
    public static Builder builder(ForwardingTable fdb) {
        return new Builder(Objects.requireNonNull(fdb, "fdb"));
    }

    /**
     * The MAC to answer a request for the address with, or a negative code ({@link #UNKNOWN}, {@link #STALE},
     * {@link #LOCAL}, {@link #CONFLICT}); counts an answer, a stale or a conflicting binding. Lock-free,
     * allocation-free, thread-safe.
     *
     * @param v6 false for IPv4 (the address in {@code lo}'s low 32 bits), true for IPv6 ({@code hi}, {@code lo})
     */
    public long resolve(int vni, boolean v6, long hi, long lo) {
        Binding b = bindings.get(probes.get().set(vni, v6, hi, lo));
        if (b == null) {
            return UNKNOWN;
        }
        State s = b.state;
        Location now = fdb.lookup(vni, s.mac);
        if (now == null) {
            counters[NeighborCounters.STALE].increment();
            return STALE;
        }
        if (!now.isRemote()) {
            if (s.location != null && s.location.isRemote()) {
                counters[NeighborCounters.CONFLICTS].increment(); // moved from a remote to a local port
            }
            return LOCAL;
        }
        if (s.location != null && !s.location.equals(now)) {
            counters[NeighborCounters.CONFLICTS].increment();
            return CONFLICT;
        }
        counters[NeighborCounters.ANSWERED].increment();
        return s.mac;
    }

    /**
     * Records a snooped announcement: the address resolves to {@code mac}, which was seen at {@code where} (the
     * local port or remote VTEP the packet came from). Returns true if the binding now says so (created, confirmed
     * or changed), false if refused (conflict, table full). Confirming a known binding is lock-free and
     * allocation-free; thread-safe.
     *
     * @param v6 false for IPv4 (the address in {@code lo}'s low 32 bits), true for IPv6 ({@code hi}, {@code lo})
     */
    public boolean snoop(int vni, boolean v6, long hi, long lo, long mac, Location where) {
        Vni.check(vni);
        Objects.requireNonNull(where, "where");
        if (MacAddress.isGroup(mac) || MacAddress.isZero(mac) || (mac & ~MacAddress.MASK) != 0) {
            return false; // never a binding: the caller snoops unchecked packets
        }
        counters[NeighborCounters.SNOOPED].increment();
        Binding b = bindings.get(probes.get().set(vni, v6, hi, lo));
        if (b != null) {
            State s = b.state;
            if (s.mac == mac && (s.origin == NeighborEntry.Origin.CONTROL || where.equals(s.location))) {
                b.seen = ticker.getAsLong();
                return true;
            }
        }
        return put(new NeighborKey(vni, v6, hi, lo), mac, where);
    }

    /**
     * Adds or replaces a control-plane binding (EVPN type-2 MAC+IP route, RFC 7432 §7.2): never aged and never
     * overwritten by snooping; answered while the forwarding table has {@code mac} at a remote VTEP. Thread-safe.
     *
     * @return false if refused because the table or the VNI is full
     * @throws IllegalArgumentException for an invalid VNI, a group or all-zero MAC
     */
    public boolean add(int vni, InetAddress address, long mac) {
        Vni.check(vni);
        checkUnicast(mac);
        return put(NeighborKey.of(vni, Objects.requireNonNull(address, "address")), mac, null);
    }

    /**
     * The binding of {@code address} in {@code vni} as it is now, or null; counts nothing (unlike {@link #resolve}).
     * Thread-safe; allocates the returned snapshot.
     */
    public NeighborEntry get(int vni, InetAddress address) {
        Binding b = bindings.get(NeighborKey.of(Vni.check(vni), Objects.requireNonNull(address, "address")));
        return b == null ? null : b.entry(ticker.getAsLong());
    }

    /** Removes the binding of {@code address} in {@code vni}, of any origin; thread-safe. True if there was one. */
    public boolean remove(int vni, InetAddress address) {
        NeighborKey key = NeighborKey.of(Vni.check(vni), Objects.requireNonNull(address, "address"));
        Binding b = bindings.get(key);
        return b != null && removeBinding(b);
    }

    /** Removes every binding of {@code vni}; thread-safe. Returns how many. */
    public int clearVni(int vni) {
        Vni.check(vni);
        int n = 0;
        for (Binding b : bindings.values()) {
            if (b.key.vni == vni && removeBinding(b)) {
                n++;
            }
        }
        return n;
    }

    /** Removes the snooped bindings whose MAC is no longer in the forwarding table; thread-safe. Returns how many. */
    public int expire() {
        int n = 0;
        for (Binding b : bindings.values()) {
            State s = b.state;
            if (s.origin != NeighborEntry.Origin.CONTROL && fdb.lookup(b.key.vni, s.mac) == null && removeBinding(b)) {
                n++;
            }
        }
        return n;
    }

    /** Every binding, sorted by VNI and address; a snapshot, thread-safe. */
    public List<NeighborEntry> entries() {
        return select(-1);
    }

    /** The bindings of {@code vni}, sorted by address; a snapshot, thread-safe. */
    public List<NeighborEntry> entries(int vni) {
        return select(Vni.check(vni));
    }

    /** The bindings of {@code vni}, or of every VNI where it is negative. */
    private List<NeighborEntry> select(int vni) {
        long now = ticker.getAsLong();
        List<NeighborEntry> out = new ArrayList<>();
        for (Binding b : bindings.values()) {
            if (vni < 0 || b.key.vni == vni) {
                out.add(b.entry(now));
            }
        }
        out.sort(Comparator.comparingInt(NeighborEntry::vni)
                .thenComparing(e -> e.address().getAddress().length)
                .thenComparing(e -> e.address().getAddress(), java.util.Arrays::compareUnsigned));
        return out;
    }

    /** A listing of {@code entries}, one binding per line with a header ({@code ip neigh show} style). */
    public static String format(List<NeighborEntry> entries) {
        String row = "%-9s %-40s %-17s %-8s %-24s %s%n";
        StringBuilder out = new StringBuilder(64 + entries.size() * 100);
        out.append(String.format(Locale.ROOT, row, "VNI", "ADDRESS", "MAC", "ORIGIN", "LOCATION", "AGE"));
        for (NeighborEntry e : entries) {
            out.append(String.format(
                    Locale.ROOT,
                    row,
                    e.vni(),
                    e.address().getHostAddress(),
                    MacAddress.toString(e.mac()),
                    e.origin().name().toLowerCase(Locale.ROOT),
                    e.location() != null ? e.location() : "(fdb)",
                    FdbFormat.seconds(e.age())));
        }
        return out.toString();
    }

    /** {@link #format} of {@link #entries()}; thread-safe. */
    public String show() {
        return format(entries());
    }

    /** Bindings in the table; thread-safe. */
    public synchronized int size() {
        return size;
    }

    /** A snapshot of the counters; thread-safe. */
    public NeighborCounters counters() {
        long[] values = new long[NeighborCounters.COUNTERS];
        for (int i = 0; i < values.length; i++) {
            values[i] = counters[i].sum();
        }
        return new NeighborCounters(size(), values);
    }

    /** Creates or changes a binding; {@code where} null for a control-plane binding. */
    private boolean put(NeighborKey key, long mac, Location where) {
        NeighborEntry before = null;
        NeighborEntry after;
        long now = ticker.getAsLong();
        synchronized (this) {
            Binding b = bindings.get(key);
            if (b == null) {
                int inVni = perVni.getOrDefault(key.vni, 0);
                if (size >= maxEntries || inVni >= maxEntriesPerVni) {
                    counters[NeighborCounters.TABLE_FULL].increment();
                    return false;
                }
                b = new Binding(key, new State(mac, where), now);
                bindings.put(key, b);
                perVni.put(key.vni, inVni + 1);
                size++;
                counters[NeighborCounters.LEARNED].increment();
            } else {
                State s = b.state;
                if (where != null && s.origin == NeighborEntry.Origin.CONTROL && s.mac != mac) {
                    counters[NeighborCounters.CONFLICTS].increment(); // the owner's binding stays
                    return false;
                }
                if (where != null && where.isRemote() && s.origin == NeighborEntry.Origin.LOCAL && s.mac != mac) {
                    Location at = fdb.lookup(key.vni, s.mac);
                    if (at != null && !at.isRemote()) {
                        counters[NeighborCounters.CONFLICTS].increment(); // local wins
                        return false;
                    }
                }
                if (where != null && s.origin == NeighborEntry.Origin.CONTROL) {
                    b.seen = now; // same MAC: traffic confirms the control plane's binding
                    return true;
                }
                before = b.entry(now);
                b.state = new State(mac, where);
                b.seen = now;
                counters[NeighborCounters.CHANGED].increment();
            }
            after = b.entry(now);
        }
        if (before == null) {
            notify(after, null, true);
        } else {
            notify(before, after, false);
        }
        return true;
    }

    private boolean removeBinding(Binding b) {
        NeighborEntry gone;
        synchronized (this) {
            if (!bindings.remove(b.key, b)) {
                return false;
            }
            perVni.computeIfPresent(b.key.vni, (v, n) -> n > 1 ? n - 1 : null);
            size--;
            counters[NeighborCounters.REMOVED].increment();
            gone = b.entry(ticker.getAsLong());
        }
        notify(gone, null, false);
        return true;
    }

    /** Added ({@code after} null, {@code added}), changed (both), removed ({@code after} null). */
    private void notify(NeighborEntry entry, NeighborEntry after, boolean added) {
        try {
            if (added) {
                listener.added(entry);
            } else if (after != null) {
                listener.changed(entry, after);
            } else {
                listener.removed(entry);
            }
        } catch (Throwable t) {
            counters[NeighborCounters.LISTENER_ERRORS].increment();
        }
    }

    private static void checkUnicast(long mac) {
        MacAddress.check(mac);
        if (MacAddress.isGroup(mac) || MacAddress.isZero(mac)) {
            throw new IllegalArgumentException(
                    "mac: " + MacAddress.toString(mac) + " (expected: a unicast, non-zero MAC)");
        }
    }

    /** MAC, location and origin, replaced together so that a reader never sees half a change. */
    private static final class State {
        final long mac;
        final Location location;
        final NeighborEntry.Origin origin;

        State(long mac, Location location) {
            this.mac = mac;
            this.location = location;
            this.origin = location == null
                    ? NeighborEntry.Origin.CONTROL
                    : location.isRemote() ? NeighborEntry.Origin.REMOTE : NeighborEntry.Origin.LOCAL;
        }
    }

    private static final class Binding {
        final NeighborKey key;
        volatile State state;
        volatile long seen;

        Binding(NeighborKey key, State state, long seen) {
            this.key = key;
            this.state = state;
            this.seen = seen;
        }

        NeighborEntry entry(long now) {
            State s = state;
            return new NeighborEntry(
                    key.vni, key.address(), s.mac, s.origin, s.location, Duration.ofNanos(Math.max(0, now - seen)));
        }
    }

    /** Settings of a {@link NeighborTable}; not thread-safe. */
    public static final class Builder {
        private final ForwardingTable fdb;
        private int maxEntries = DEFAULT_MAX_ENTRIES;
        private int maxEntriesPerVni = DEFAULT_MAX_ENTRIES_PER_VNI;
        private LongSupplier ticker = System::nanoTime;
        private NeighborListener listener = new NeighborListener() {};

        private Builder(ForwardingTable fdb) {
            this.fdb = fdb;
        }

        /** Most bindings in the whole table (default {@value #DEFAULT_MAX_ENTRIES}); returns this builder. */
        public Builder maxEntries(int max) {
            this.maxEntries = atLeastOne("maxEntries", max);
            return this;
        }

        /** Most bindings per VNI (default {@value #DEFAULT_MAX_ENTRIES_PER_VNI}); returns this builder. */
        public Builder maxEntriesPerVni(int max) {
            this.maxEntriesPerVni = atLeastOne("maxEntriesPerVni", max);
            return this;
        }

        /** Time source in nanoseconds for the ages in listings (default {@code System::nanoTime}). */
        public Builder ticker(LongSupplier nanos) {
            this.ticker = Objects.requireNonNull(nanos, "ticker");
            return this;
        }

        /** Receives binding events; returns this builder. */
        public Builder listener(NeighborListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The table. */
        public NeighborTable build() {
            return new NeighborTable(this);
        }

        private static int atLeastOne(String what, int value) {
            if (value < 1) {
                throw new IllegalArgumentException(what + ": " + value + " (expected: >= 1)");
            }
            return value;
        }
    }
}
