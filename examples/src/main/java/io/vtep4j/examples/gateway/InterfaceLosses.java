package io.vtep4j.examples.gateway;

import io.vtep4j.internal.netlink.LinkCounters;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;

/**
 * The losses the kernel counts at the gateway's two interfaces, where no socket of the gateway sees them: frames
 * dropped before they reached it ({@code rx_dropped}: a full backlog queue or veth ring; {@code rx_missed_errors}: a
 * NIC's full receive ring) and frames it sent that the interface threw away ({@code tx_dropped}: a veth peer that
 * refused them, no carrier). Counted from the gateway's start; an interface deleted and created again under the same
 * name goes on from the total so far. The counters are the interface's own, so they include other traffic's losses,
 * a frame the gateway failed to send may show both here ({@code tx-dropped}) and among its own send failures, and a
 * frame an AF_XDP socket had no room for may show both here ({@code rx-dropped}, on a veth) and among its overruns.
 *
 * <p>Thread-safe: one reading at a time (the status thread and the metrics endpoint both read).
 */
final class InterfaceLosses implements AutoCloseable {
    /** How long {@link #recent} answers from its last reading: one metrics scrape asks once per series. */
    static final long RECENT_NANOS = 100_000_000L;

    /** The kinds of loss, in the order of {@link Loss#counts()}. */
    static final List<String> KINDS = List.of("rx-dropped", "rx-missed", "tx-dropped");

    /** One interface's losses since the gateway started: {@code counts} in the order of {@link #KINDS}. */
    record Loss(String role, String name, long[] counts) {
        long total() {
            long sum = 0;
            for (long c : counts) {
                sum += c;
            }
            return sum;
        }
    }

    /** One watched interface: its index when last read, the reading then, the losses carried from earlier indices. */
    private static final class Watch {
        final String role;
        final String name;
        int ifindex;
        long[] base;
        long[] last;
        final long[] carried = new long[KINDS.size()];

        Watch(String role, String name) {
            this.role = role;
            this.name = name;
        }
    }

    /** The kernel's counters of an interface by index, or null (no such interface, no answer). */
    private final IntFunction<LinkCounters.Reading> counters;
    /** Releases what {@link #counters} reads through. */
    private final Runnable release;

    private final ToIntFunction<String> indexOf;
    private boolean closed;

    private final List<Watch> watches;
    private final String unavailable;
    /** True until the first {@link #read()}, whose counters are the starting point. */
    private boolean starting = true;
    /** What {@link #recent} read last, and when (System.nanoTime). */
    private List<Loss> recent;

    private long recentAt;

    private InterfaceLosses(
            IntFunction<LinkCounters.Reading> counters,
            Runnable release,
            ToIntFunction<String> indexOf,
            List<Watch> watches,
            String unavailable) {
        this.counters = counters;
        this.release = release;
        this.indexOf = indexOf;
        this.watches = watches;
        this.unavailable = unavailable;
    }

    /**
     * Watches the trunk ({@code --port}) and the interface that holds {@code --local}; one watch if they are the same
     * interface. Reads the starting counters now. Never fails: without rtnetlink (not Linux) it watches nothing and
     * {@link #unavailable()} says why.
     */
    static InterfaceLosses open(GatewayConfig config) {
        LinkCounters counters;
        try {
            counters = LinkCounters.open();
        } catch (IOException | LinkageError | RuntimeException e) {
            return new InterfaceLosses(
                    index -> null, () -> {}, InterfaceIndex::of, List.of(), "no rtnetlink: " + e.getMessage());
        }
        return watching(
                config.port, InterfaceIndex.holding(config.local), counters::read, counters::close, InterfaceIndex::of);
    }

    /**
     * Watches {@code trunk} and {@code underlay} (null: none) through {@code read}, closed by {@code close}, finding
     * indices by name with {@code indexOf}; reads the starting counters now.
     */
    static InterfaceLosses watching(
            String trunk,
            String underlay,
            IntFunction<LinkCounters.Reading> read,
            Runnable close,
            ToIntFunction<String> indexOf) {
        List<Watch> watches = new ArrayList<>();
        if (trunk.equals(underlay)) {
            watches.add(new Watch("trunk and underlay", underlay));
        } else {
            watches.add(new Watch("trunk", trunk));
            if (underlay != null) {
                watches.add(new Watch("underlay", underlay));
            }
        }
        InterfaceLosses losses = new InterfaceLosses(read, close, indexOf, watches, null);
        losses.read();
        return losses;
    }

    /** Why nothing is watched, or null. */
    String unavailable() {
        return unavailable;
    }

    /** {@code trunk gw-edge, underlay gw-u}: what is watched. */
    String describeWatched() {
        List<String> names = new ArrayList<>();
        for (Watch w : watches) {
            names.add(w.role + " " + w.name);
        }
        return String.join(", ", names);
    }

    /**
     * {@link #read()}, unless {@link #recent} read less than {@link #RECENT_NANOS} before {@code nanoTime}: then that
     * reading again. A scrape asks for each interface and kind in turn, and the kernel is asked once for all of them.
     */
    synchronized List<Loss> recent(long nanoTime) {
        if (recent == null || nanoTime - recentAt >= RECENT_NANOS || nanoTime < recentAt) {
            recent = read();
            recentAt = nanoTime;
        }
        return recent;
    }

    /** Reads every watched interface and returns its losses since the start; an interface absent now keeps its last. */
    synchronized List<Loss> read() {
        List<Loss> losses = new ArrayList<>(watches.size());
        for (Watch w : watches) {
            int ifindex = indexOf.applyAsInt(w.name);
            LinkCounters.Reading r = closed ? null : counters.apply(ifindex);
            if (r != null) {
                long[] now = {r.rxDropped(), r.rxMissed(), r.txDropped()};
                if (ifindex != w.ifindex || fell(now, w.last)) {
                    if (w.last != null) {
                        for (int k = 0; k < now.length; k++) {
                            w.carried[k] += w.last[k] - w.base[k];
                        }
                    }
                    // what an interface had lost before the start is not ours; one new or reset since counts from zero
                    w.base = starting ? now : new long[now.length];
                    w.ifindex = ifindex;
                }
                w.last = now;
            }
            long[] counts = w.carried.clone();
            if (w.last != null) {
                for (int k = 0; k < counts.length; k++) {
                    counts[k] += w.last[k] - w.base[k];
                }
            }
            losses.add(new Loss(w.role, w.name, counts));
        }
        starting = false;
        return List.copyOf(losses);
    }

    /** True if a counter went down since {@code last}: the interface was reset and counts from zero again. */
    private static boolean fell(long[] now, long[] last) {
        if (last == null) {
            return false;
        }
        for (int k = 0; k < now.length; k++) {
            if (now[k] < last[k]) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code none}, or the interfaces with losses and their non-zero kinds, each with its rise since {@code before}
     * (the same interfaces, an earlier {@link #read()}): {@code underlay gw-u rx-dropped 120 (+20), trunk gw-edge
     * tx-dropped 3}.
     */
    static String describe(List<Loss> now, List<Loss> before) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < now.size(); i++) {
            Loss loss = now.get(i);
            if (loss.total() == 0) {
                continue;
            }
            long[] was = i < before.size() ? before.get(i).counts() : new long[KINDS.size()];
            text.append(text.length() == 0 ? "" : ", ")
                    .append(loss.role())
                    .append(' ')
                    .append(loss.name());
            for (int k = 0; k < KINDS.size(); k++) {
                long c = loss.counts()[k];
                if (c != 0) {
                    text.append(' ').append(KINDS.get(k)).append(' ').append(c);
                    if (c > was[k]) {
                        text.append(" (+").append(c - was[k]).append(')');
                    }
                }
            }
        }
        return text.length() == 0 ? "none" : text.toString();
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            release.run();
        }
    }
}
