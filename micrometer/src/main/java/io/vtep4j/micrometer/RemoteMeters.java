package io.vtep4j.micrometer;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.vtep4j.LiveCounters;
import io.vtep4j.LiveCounters.Counter;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-remote-VTEP meters of one registry (tag {@code remote="10.99.0.2"}): tunnel packets and bytes received from
 * and sent to each remote, the head-end replicas sent to it, and its drops by reason (a series appears the first time
 * its reason is counted). Remotes come and go with the VTEP's own bound and reclaim ({@link LiveCounters#remotes}):
 * {@link #sync} adds the meters of new remotes and removes those of remotes that lost their counters. Not
 * thread-safe: guarded by the caller.
 */
final class RemoteMeters {

    /** The meter names, in Micrometer's dotted form. */
    static final List<String> NAMES = List.of(
            "vtep4j.remote.rx.packets",
            "vtep4j.remote.rx.bytes",
            "vtep4j.remote.tx.packets",
            "vtep4j.remote.tx.bytes",
            "vtep4j.remote.flood.copies",
            "vtep4j.remote.drops");

    private static final DropReason[] REASONS = DropReason.values();

    private final Vtep vtep;
    private final Tags tags;
    private final MeterRegistry registry;
    private final Map<InetAddress, One> remotes = new HashMap<>();

    RemoteMeters(Vtep vtep, Tags tags, MeterRegistry registry) {
        this.vtep = vtep;
        this.tags = tags;
        this.registry = registry;
    }

    /** Registers the meters of remotes that have counters now and removes those of remotes that no longer do. */
    void sync() {
        Set<InetAddress> now = new HashSet<>(vtep.isOpen() ? LiveCounters.remotes(vtep) : List.of());
        remotes.entrySet().removeIf(e -> {
            if (now.contains(e.getKey())) {
                return false;
            }
            e.getValue().remove();
            return true;
        });
        for (InetAddress address : now) {
            remotes.computeIfAbsent(address, One::new).addNewDrops();
        }
    }

    /** Removes every meter registered here. */
    void removeAll() {
        remotes.values().forEach(One::remove);
        remotes.clear();
    }

    /** One remote's meters. */
    private final class One {
        final InetAddress address;
        final Tags remoteTags;
        final List<Meter> meters = new ArrayList<>();
        final Set<DropReason> dropsRegistered = EnumSet.noneOf(DropReason.class);

        One(InetAddress address) {
            this.address = address;
            this.remoteTags = tags.and("remote", address.getHostAddress());
            counter("vtep4j.remote.rx.packets", null, Counter.PACKETS_FROM_UNDERLAY, "Tunnel packets accepted from it");
            counter("vtep4j.remote.rx.bytes", BaseUnits.BYTES, Counter.BYTES_FROM_UNDERLAY, "Bytes of those");
            counter("vtep4j.remote.tx.packets", null, Counter.PACKETS_TO_UNDERLAY, "Tunnel packets sent to it");
            counter("vtep4j.remote.tx.bytes", BaseUnits.BYTES, Counter.BYTES_TO_UNDERLAY, "Bytes of those");
            counter(
                    "vtep4j.remote.flood.copies",
                    null,
                    Counter.FLOODS,
                    "Head-end replicas of flooded frames sent to it");
        }

        private void counter(String name, String unit, Counter counter, String description) {
            meters.add(FunctionCounter.builder(name, vtep, v -> LiveCounters.read(v, address, counter))
                    .description("Per remote VTEP: " + description)
                    .baseUnit(unit)
                    .tags(remoteTags)
                    .register(registry));
        }

        void addNewDrops() {
            for (DropReason reason : REASONS) {
                if (!dropsRegistered.contains(reason) && LiveCounters.dropped(vtep, address, reason) > 0) {
                    dropsRegistered.add(reason);
                    meters.add(FunctionCounter.builder(
                                    "vtep4j.remote.drops", vtep, v -> LiveCounters.dropped(v, address, reason))
                            .description("Per remote VTEP: packets from or to it dropped, by reason")
                            .tags(remoteTags)
                            .tag("reason", reason.label())
                            .register(registry));
                }
            }
        }

        void remove() {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
