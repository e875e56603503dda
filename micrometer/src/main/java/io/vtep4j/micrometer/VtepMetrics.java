package io.vtep4j.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.vtep4j.LiveCounters;
import io.vtep4j.LiveCounters.Counter;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.learning.FdbCounters;
import io.vtep4j.learning.NeighborCounters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;

/**
 * Micrometer meters over a {@link Vtep}'s live counters: per segment (tag {@code vni}) the frames and bytes from and
 * to local ports, the tunnel packets and bytes to and from the underlay, floods, MACs and drops by reason; for the
 * whole VTEP the drops by reason, the MACs, the segments and the forwarding-table events; per remote VTEP (tag
 * {@code remote}, e.g. {@code remote="10.99.0.2"}) the tunnel packets and bytes each way, the head-end replicas sent to
 * it and its drops by reason. In Prometheus form the names read {@code vtep4j_underlay_rx_packets_total{vni="5000"}};
 * {@link #METERS} lists them all. Per encapsulation (tag {@code encap}: {@code vxlan}, {@code nvgre},
 * {@code gre-udp}) the tunnel packets and bytes each way and the frames that crossed into it from another
 * encapsulation.
 *
 * <p>Cost: the meters are function counters and gauges that read the VTEP's own counters when the registry is
 * scraped or published ({@link LiveCounters}); forwarding a packet costs nothing more. The forwarding-table events
 * take one small snapshot per read.
 *
 * <p>Segments and remotes come and go: {@link #refresh()} registers the meters of segments created and remotes
 * counted since the last call, removes those of closed segments and of remotes the VTEP stopped counting, and registers a per-segment drop series the first time its reason is counted
 * (so that a thousand VNIs do not each carry twenty series of zeros). With a refresh period (default
 * {@value #DEFAULT_REFRESH_SECONDS} s) a daemon thread calls it; {@link #close()} stops that thread and removes the
 * meters.
 *
 * <p>Threading: thread-safe; {@link #refresh()} and {@link #bindTo(MeterRegistry)} may be called from any thread.
 */
public final class VtepMetrics implements MeterBinder, AutoCloseable {
    /** Default period of the background {@link #refresh()}. */
    public static final long DEFAULT_REFRESH_SECONDS = 10;

    /** Every meter name this binder registers, in Micrometer's dotted form. */
    public static final List<String> METERS = Stream.concat(
                    Stream.of(
                            "vtep4j.port.rx.frames",
                            "vtep4j.port.rx.bytes",
                            "vtep4j.port.tx.frames",
                            "vtep4j.port.tx.bytes",
                            "vtep4j.underlay.tx.packets",
                            "vtep4j.underlay.tx.bytes",
                            "vtep4j.underlay.rx.packets",
                            "vtep4j.underlay.rx.bytes",
                            "vtep4j.segment.floods",
                            "vtep4j.segment.macs",
                            "vtep4j.segment.drops",
                            "vtep4j.drops",
                            "vtep4j.encap.tx.packets",
                            "vtep4j.encap.tx.bytes",
                            "vtep4j.encap.rx.packets",
                            "vtep4j.encap.rx.bytes",
                            "vtep4j.encap.crossed",
                            "vtep4j.macs",
                            "vtep4j.segments",
                            "vtep4j.fdb.events",
                            "vtep4j.neighbors",
                            "vtep4j.neighbor.events"),
                    RemoteMeters.NAMES.stream())
            .toList();

    private static final DropReason[] REASONS = DropReason.values();

    private final Vtep vtep;
    private final Tags tags;
    private final Duration refreshPeriod;
    private final List<Binding> bindings = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService scheduler;
    private volatile boolean closed;

    /** Meters for {@code vtep} with no extra tags, refreshed every {@value #DEFAULT_REFRESH_SECONDS} s. */
    public VtepMetrics(Vtep vtep) {
        this(vtep, Tags.empty(), Duration.ofSeconds(DEFAULT_REFRESH_SECONDS));
    }

    /**
     * Meters for {@code vtep}, each also carrying {@code tags} (e.g. {@code vtep="gw1"} when several VTEPs share a
     * registry).
     *
     * @param refreshPeriod how often segments are looked for in the background; {@link Duration#ZERO} for never (the
     *     caller then calls {@link #refresh()} itself); otherwise 10 ms .. 1 h
     * @throws IllegalArgumentException if {@code refreshPeriod} is negative or outside 10 ms .. 1 h
     */
    public VtepMetrics(Vtep vtep, Iterable<Tag> tags, Duration refreshPeriod) {
        this.vtep = Objects.requireNonNull(vtep, "vtep");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
        Objects.requireNonNull(refreshPeriod, "refreshPeriod");
        if (!refreshPeriod.isZero()
                && (refreshPeriod.compareTo(Duration.ofMillis(10)) < 0
                        || refreshPeriod.compareTo(Duration.ofHours(1)) > 0)) {
            throw new IllegalArgumentException(
                    "refreshPeriod: " + refreshPeriod + " (expected: 0 for never, or 10 ms .. 1 h)");
        }
        this.refreshPeriod = refreshPeriod;
    }

    /**
     * Registers the VTEP-wide meters and those of the segments that exist now, and starts the background refresh
     * (once, however many registries are bound).
     *
     * @throws IllegalStateException if this binder was closed
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Binding binding;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("VtepMetrics: closed (expected: bindTo before close)");
            }
            binding = new Binding(registry);
            bindings.add(binding);
            if (scheduler == null && !refreshPeriod.isZero()) {
                scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "vtep4j-metrics-refresh");
                    t.setDaemon(true);
                    return t;
                });
                long period = refreshPeriod.toNanos();
                scheduler.scheduleWithFixedDelay(this::refreshQuietly, period, period, TimeUnit.NANOSECONDS);
            }
        }
        binding.bindVtep();
        binding.sync();
    }

    /**
     * Brings every bound registry up to date with the segments that exist now: adds the meters of new segments,
     * removes those of closed ones, and adds per-segment drop series whose reason was counted for the first time.
     */
    public void refresh() {
        List<Segment> now = vtep.isOpen() ? vtep.segments() : List.of();
        for (Binding b : bindings) {
            b.sync(now);
        }
    }

    private void refreshQuietly() {
        try {
            refresh();
        } catch (RuntimeException e) {
            // the next period tries again; a scheduled task that throws would never run again
        }
    }

    /** Stops the background refresh and removes every meter this binder registered. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
        }
        for (Binding b : bindings) {
            b.removeAll();
        }
        bindings.clear();
    }

    /** What one registry holds: the VTEP-wide meters and each segment's. Methods synchronized on the binding. */
    private final class Binding {
        private final MeterRegistry registry;
        private final List<Meter> vtepMeters = new ArrayList<>();
        private final Map<Segment, SegmentMeters> segments = new IdentityHashMap<>();
        private final RemoteMeters remotes;

        Binding(MeterRegistry registry) {
            this.registry = registry;
            this.remotes = new RemoteMeters(vtep, tags, registry);
        }

        synchronized void bindVtep() {
            for (DropReason reason : REASONS) {
                vtepMeters.add(FunctionCounter.builder("vtep4j.drops", vtep, v -> LiveCounters.dropped(v, reason))
                        .description("Packets and frames the VTEP dropped, by reason")
                        .tags(tags)
                        .tag("reason", reason.label())
                        .register(registry));
            }
            vtepMeters.add(
                    Gauge.builder("vtep4j.macs", vtep, v -> v.forwardingTable().size())
                            .description("MAC entries in the forwarding table")
                            .tags(tags)
                            .register(registry));
            vtepMeters.add(Gauge.builder(
                            "vtep4j.segments",
                            vtep,
                            v -> v.isOpen() ? v.segments().size() : 0)
                    .description("Segments (VNIs) that exist")
                    .tags(tags)
                    .register(registry));
            for (Encapsulation e : vtep.encapsulations()) {
                encapsulation(e);
            }
            fdbEvent("learned", FdbCounters::learned);
            fdbEvent("moved", FdbCounters::moved);
            fdbEvent("aged", FdbCounters::aged);
            fdbEvent("evicted", FdbCounters::evicted);
            fdbEvent("duplicate", FdbCounters::duplicates);
            fdbEvent("frozen-hit", FdbCounters::frozenHits);
            fdbEvent("refused-group", FdbCounters::refusedGroup);
            fdbEvent("refused-zero", FdbCounters::refusedZero);
            fdbEvent("refused-full", FdbCounters::refusedFull);
            fdbEvent("flushed", FdbCounters::flushed);
            fdbEvent("listener-error", FdbCounters::listenerErrors);
            fdbEvent("refused-local", FdbCounters::refusedLocal);
            fdbEvent("refused-locations", FdbCounters::refusedLocations);
            fdbEvent("reclaimed-locations", FdbCounters::reclaimedLocations);
            vtepMeters.add(Gauge.builder(
                            "vtep4j.neighbors", vtep, v -> v.neighborTable().size())
                    .description("IP to MAC bindings of ARP/ND suppression")
                    .tags(tags)
                    .register(registry));
            neighborEvent("answered", NeighborCounters::answered);
            neighborEvent("snooped", NeighborCounters::snooped);
            neighborEvent("learned", NeighborCounters::learned);
            neighborEvent("changed", NeighborCounters::changed);
            neighborEvent("removed", NeighborCounters::removed);
            neighborEvent("stale", NeighborCounters::stale);
            neighborEvent("conflict", NeighborCounters::conflicts);
            neighborEvent("table-full", NeighborCounters::tableFull);
        }

        private void neighborEvent(String event, ToLongFunction<NeighborCounters> read) {
            vtepMeters.add(FunctionCounter.builder(
                            "vtep4j.neighbor.events",
                            vtep,
                            v -> read.applyAsLong(v.neighborTable().counters()))
                    .description("ARP/ND suppression: requests answered, packets snooped, bindings learned, "
                            + "conflicts, table full, ...")
                    .tags(tags)
                    .tag("event", event)
                    .register(registry));
        }

        /** One underlay's packets and bytes each way and the frames that crossed into it, tagged {@code encap}. */
        private void encapsulation(Encapsulation e) {
            Tags encap = tags.and("encap", e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
            encapCounter("vtep4j.encap.tx.packets", null, e, Counter.PACKETS_TO_UNDERLAY, "Tunnel packets sent", encap);
            encapCounter(
                    "vtep4j.encap.tx.bytes", BaseUnits.BYTES, e, Counter.BYTES_TO_UNDERLAY, "Bytes of those", encap);
            encapCounter(
                    "vtep4j.encap.rx.packets",
                    null,
                    e,
                    Counter.PACKETS_FROM_UNDERLAY,
                    "Tunnel packets received and accepted",
                    encap);
            encapCounter(
                    "vtep4j.encap.rx.bytes", BaseUnits.BYTES, e, Counter.BYTES_FROM_UNDERLAY, "Bytes of those", encap);
            vtepMeters.add(FunctionCounter.builder("vtep4j.encap.crossed", vtep, v -> LiveCounters.crossedIn(v, e))
                    .description("Tunnel packets sent in this encapsulation carrying a frame received in another")
                    .tags(encap)
                    .register(registry));
        }

        private void encapCounter(
                String name, String unit, Encapsulation e, Counter counter, String description, Tags encap) {
            vtepMeters.add(FunctionCounter.builder(name, vtep, v -> LiveCounters.read(v, e, counter))
                    .description(description)
                    .baseUnit(unit)
                    .tags(encap)
                    .register(registry));
        }

        private void fdbEvent(String event, ToLongFunction<FdbCounters> read) {
            vtepMeters.add(FunctionCounter.builder(
                            "vtep4j.fdb.events",
                            vtep,
                            v -> read.applyAsLong(v.forwardingTable().counters()))
                    .description("Forwarding-table events (learned, moved, aged, evicted, refused, ...)")
                    .tags(tags)
                    .tag("event", event)
                    .register(registry));
        }

        void sync() {
            sync(vtep.isOpen() ? vtep.segments() : List.of());
        }

        synchronized void sync(List<Segment> now) {
            if (closed) {
                return;
            }
            Set<Segment> alive = Collections.newSetFromMap(new IdentityHashMap<>());
            alive.addAll(now);
            segments.entrySet().removeIf(e -> {
                if (alive.contains(e.getKey())) {
                    return false;
                }
                e.getValue().remove(registry);
                return true;
            });
            for (Segment s : now) {
                segments.computeIfAbsent(s, this::register).addNewDrops(registry);
            }
            remotes.sync();
        }

        private SegmentMeters register(Segment s) {
            Tags vni = tags.and("vni", Integer.toString(s.vni()));
            SegmentMeters m = new SegmentMeters(s, vni);
            m.counter(registry, "vtep4j.port.rx.frames", null, Counter.FRAMES_FROM_PORTS, "Frames local ports sent");
            m.counter(registry, "vtep4j.port.rx.bytes", BaseUnits.BYTES, Counter.BYTES_FROM_PORTS, "Bytes of those");
            m.counter(registry, "vtep4j.port.tx.frames", null, Counter.FRAMES_TO_PORTS, "Frames given to local ports");
            m.counter(registry, "vtep4j.port.tx.bytes", BaseUnits.BYTES, Counter.BYTES_TO_PORTS, "Bytes of those");
            m.counter(
                    registry,
                    "vtep4j.underlay.tx.packets",
                    null,
                    Counter.PACKETS_TO_UNDERLAY,
                    "Tunnel packets sent (each head-end replica counts)");
            m.counter(
                    registry,
                    "vtep4j.underlay.tx.bytes",
                    BaseUnits.BYTES,
                    Counter.BYTES_TO_UNDERLAY,
                    "Bytes of those: tunnel header and inner frame");
            m.counter(
                    registry,
                    "vtep4j.underlay.rx.packets",
                    null,
                    Counter.PACKETS_FROM_UNDERLAY,
                    "Tunnel packets received and accepted");
            m.counter(
                    registry,
                    "vtep4j.underlay.rx.bytes",
                    BaseUnits.BYTES,
                    Counter.BYTES_FROM_UNDERLAY,
                    "Bytes of those: tunnel header and inner frame");
            m.counter(
                    registry,
                    "vtep4j.segment.floods",
                    null,
                    Counter.FLOODS,
                    "Frames flooded (broadcast, multicast, unknown unicast)");
            int id = s.vni();
            m.meters.add(Gauge.builder(
                            "vtep4j.segment.macs",
                            vtep,
                            v -> v.forwardingTable().size(id))
                    .description("MAC entries of this segment")
                    .tags(vni)
                    .register(registry));
            return m;
        }

        synchronized void removeAll() {
            vtepMeters.forEach(registry::remove);
            vtepMeters.clear();
            segments.values().forEach(m -> m.remove(registry));
            segments.clear();
            remotes.removeAll();
        }
    }

    /** One segment's meters in one registry; guarded by its {@link Binding}. */
    private static final class SegmentMeters {
        final Segment segment;
        final Tags tags;
        final List<Meter> meters = new ArrayList<>();
        final Set<DropReason> dropsRegistered = EnumSet.noneOf(DropReason.class);

        SegmentMeters(Segment segment, Tags tags) {
            this.segment = segment;
            this.tags = tags;
        }

        void counter(MeterRegistry registry, String name, String unit, Counter counter, String description) {
            meters.add(FunctionCounter.builder(name, segment, s -> LiveCounters.read(s, counter))
                    .description(description)
                    .baseUnit(unit)
                    .tags(tags)
                    .register(registry));
        }

        void addNewDrops(MeterRegistry registry) {
            for (DropReason reason : REASONS) {
                if (!dropsRegistered.contains(reason) && LiveCounters.dropped(segment, reason) > 0) {
                    dropsRegistered.add(reason);
                    meters.add(FunctionCounter.builder(
                                    "vtep4j.segment.drops", segment, s -> LiveCounters.dropped(s, reason))
                            .description("Packets and frames of this segment dropped, by reason")
                            .tags(tags)
                            .tag("reason", reason.label())
                            .register(registry));
                }
            }
        }

        void remove(MeterRegistry registry) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
