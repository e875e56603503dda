package io.vtep4j.examples.gateway;

import io.vtep4j.EncapsulationStats;
import io.vtep4j.VtepStats;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.internal.xdp.DecapOffload;
import io.vtep4j.internal.xdp.EncapOffload;
import io.vtep4j.internal.xdp.OffloadSources;
import io.vtep4j.learning.FdbEntry;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The gateway's operator views: the periodic status line (rates since the previous line), the closing summary and
 * the forwarding table. Thread-safe; {@link #line()} is meant for one caller at a time (the status thread).
 */
final class GatewayStatus {
    private final Gateway gateway;
    private long startNanos;
    private Totals previous;

    GatewayStatus(Gateway gateway) {
        this.gateway = gateway;
    }

    /** Counters of both sides at one moment. */
    private record Totals(
            long nanos,
            long trunkIn,
            long trunkOut,
            long underlayIn,
            long underlayOut,
            Map<DropReason, Long> drops,
            int macs,
            TrunkErrors trunkErrors,
            List<InterfaceLosses.Loss> interfaces,
            Map<Encapsulation, EncapsulationStats> encapsulations,
            VtepStats stats) {}

    /**
     * The trunk's failures: frames lost because its receive side was full (ring or socket overruns, libpcap drops),
     * reads libpcap refused, frames it could not send or cut short, reopenings.
     */
    private record TrunkErrors(long overrun, long read, long send, long truncated, long reopens) {
        static TrunkErrors of(Gateway gateway) {
            Trunk t = gateway.trunk();
            return t == null
                    ? new TrunkErrors(0, 0, gateway.trunkSendErrors(), 0, 0)
                    : new TrunkErrors(
                            t.overruns(),
                            t.readErrors(),
                            gateway.trunkSendErrors() + t.sendFailures(),
                            t.truncated(),
                            t.reopens());
        }

        /** {@code none}, or the non-zero kinds: {@code read 3 (+1), send 2, reopened 1}. */
        String describe(TrunkErrors before) {
            StringBuilder text = new StringBuilder();
            kind(text, "overrun", overrun, before.overrun);
            kind(text, "read", read, before.read);
            kind(text, "send", send, before.send);
            kind(text, "truncated", truncated, before.truncated);
            kind(text, "reopened", reopens, before.reopens);
            return text.length() == 0 ? "none" : text.toString();
        }

        private static void kind(StringBuilder text, String name, long now, long before) {
            if (now == 0) {
                return;
            }
            text.append(text.length() == 0 ? "" : ", ").append(name).append(' ').append(now);
            if (now > before) {
                text.append(" (+").append(now - before).append(')');
            }
        }
    }

    synchronized void reset() {
        previous = totals();
        startNanos = previous.nanos();
    }

    private Totals totals() {
        VtepStats stats = gateway.vtep().stats();
        long in = 0;
        long out = 0;
        for (VtepStats.SegmentStats s : stats.segments().values()) {
            in += s.packetsFromUnderlay();
            out += s.packetsToUnderlay();
        }
        Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        drops.putAll(stats.drops());
        gateway.gatewayDrops().forEach((reason, count) -> drops.merge(reason, count, Long::sum));
        Trunk trunk = gateway.trunk();
        return new Totals(
                System.nanoTime(),
                trunk == null ? 0 : trunk.received(),
                trunk == null ? 0 : trunk.sent(),
                in,
                out,
                drops,
                stats.macs(),
                TrunkErrors.of(gateway),
                gateway.interfaceLosses().read(),
                stats.encapsulations(),
                stats);
    }

    /**
     * {@code trunk in 12 pps out 11 pps | underlay in 11 pps out 12 pps | drops unmapped-vlan 3 (+1) | trunk errors
     * none | interface drops none | MACs 4 | remotes 10.99.0.2 in 12 out 11}; the remotes are the busiest by packets
     * since the previous line, with those packets. Without rtnetlink the interface drops are left out.
     */
    /** Offloaded frames at the previous status line. */
    private long lastOffloadFrames;

    /** Encapsulated frames at the previous status line. */
    private long lastEncapFrames;

    synchronized String line() {
        Totals now = totals();
        Totals before = previous == null ? now : previous;
        previous = now;
        double seconds = Math.max(1e-3, (now.nanos() - before.nanos()) / 1e9);
        return String.format(
                        Locale.ROOT,
                        "trunk in %s out %s | underlay in %s out %s | drops %s | trunk errors %s%s | MACs %d"
                                + " | remotes %s",
                        rate(now.trunkIn() - before.trunkIn(), seconds),
                        rate(now.trunkOut() - before.trunkOut(), seconds),
                        rate(now.underlayIn() - before.underlayIn(), seconds),
                        rate(now.underlayOut() - before.underlayOut(), seconds),
                        drops(now.drops(), before.drops()),
                        now.trunkErrors().describe(before.trunkErrors()),
                        interfaces(" | interface drops ", now, before),
                        now.macs(),
                        RemoteTable.top(now.stats().minus(before.stats())))
                + encapsulations(now, before, seconds)
                + offload(seconds)
                + (gateway.evpn() == null ? "" : " | " + gateway.evpn().status())
                + NeighborView.status(gateway);
    }

    /**
     * With several underlays, {@code | vxlan in 5 pps out 6 pps, nvgre in 6 pps out 5 pps}: each encapsulation's
     * packets; nothing for a single-encapsulation gateway (the underlay column already says it all).
     */
    private static String encapsulations(Totals now, Totals before, double seconds) {
        if (now.encapsulations().size() < 2) {
            return "";
        }
        StringBuilder text = new StringBuilder(" |");
        String sep = " ";
        for (EncapsulationStats e : now.encapsulations().values()) {
            EncapsulationStats was = before.encapsulations().get(e.encapsulation());
            long in = e.packetsFromUnderlay() - (was == null ? 0 : was.packetsFromUnderlay());
            long out = e.packetsToUnderlay() - (was == null ? 0 : was.packetsToUnderlay());
            text.append(sep)
                    .append(FloodTarget.name(e.encapsulation()))
                    .append(" in ")
                    .append(rate(in, seconds))
                    .append(" out ")
                    .append(rate(out, seconds));
            sep = ", ";
        }
        return text.toString();
    }

    /** {@code prefix} and the interfaces' losses, or nothing when the gateway cannot read its interfaces' counters. */
    private String interfaces(String prefix, Totals now, Totals before) {
        return gateway.interfaceLosses().unavailable() != null
                ? ""
                : prefix + InterfaceLosses.describe(now.interfaces(), before.interfaces());
    }

    private static String rate(long packets, double seconds) {
        double pps = packets / seconds;
        return pps >= 10 || pps == 0
                ? String.format(Locale.ROOT, "%.0f pps", pps)
                : String.format(Locale.ROOT, "%.1f pps", pps);
    }

    private static String drops(Map<DropReason, Long> now, Map<DropReason, Long> before) {
        if (now.isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        now.forEach((reason, count) -> {
            long delta = count - before.getOrDefault(reason, 0L);
            text.append(text.length() == 0 ? "" : ", ")
                    .append(reason.label())
                    .append(' ')
                    .append(count);
            if (delta > 0) {
                text.append(" (+").append(delta).append(')');
            }
        });
        return text.toString();
    }

    /** Totals since start, several short lines. */
    synchronized String summary() {
        Totals now = totals();
        double seconds = (now.nanos() - startNanos) / 1e9;
        return String.format(
                        Locale.ROOT,
                        "summary after %.1f s: trunk in %d out %d frames (trunk errors %s), "
                                + "underlay in %d out %d packets, drops %s%s, MACs %d, remotes %s",
                        seconds,
                        now.trunkIn(),
                        now.trunkOut(),
                        now.trunkErrors().describe(now.trunkErrors()),
                        now.underlayIn(),
                        now.underlayOut(),
                        drops(now.drops(), now.drops()),
                        interfaces(", interface drops ", now, now),
                        now.macs(),
                        RemoteTable.top(now.stats()))
                + offloadTotals()
                + NeighborView.status(gateway);
    }

    /**
     * With {@code --decap-offload}: {@code | decap offload 300 pps (1200 frames)}, the frames the kernel decapsulated
     * and sent out of the trunk (not in "trunk out", which counts the gateway's own sends), and the sources the map
     * refused where there were any.
     */
    private String offload(double seconds) {
        StringBuilder text = new StringBuilder();
        DecapOffload o = gateway.offload();
        if (o != null) {
            long frames = o.frames();
            text.append(offloadRate("decap", frames - lastOffloadFrames, frames, seconds, "sources", o.refused()))
                    .append(attachment(o.reattached(), 0, o.rebuilt(), o.attachProblem()));
            lastOffloadFrames = frames;
        }
        EncapOffload e = gateway.encapOffload();
        if (e != null) {
            long frames = e.frames();
            text.append(offloadRate("encap", frames - lastEncapFrames, frames, seconds, "entries", e.refused()))
                    .append(attachment(e.reattached(), e.underlayFollowed(), e.rebuilt(), e.attachProblem()));
            lastEncapFrames = frames;
        }
        return text.toString();
    }

    /**
     * Where the interface a program is attached to was recreated: {@code , reattached 1}; where the underlay an
     * encapsulating program sends to was: {@code , underlay followed 1}; where a program was built again for an
     * interface's changed MAC or MTU: {@code , rebuilt 1}; and while the kernel refuses the program on the new
     * interface, or a changed interface does not do for it, {@code , not attached: <why>} (its frames then take the
     * gateway's path).
     */
    private static String attachment(long reattached, long underlayFollowed, long rebuilt, String problem) {
        return (reattached > 0 ? ", reattached " + reattached : "")
                + (underlayFollowed > 0 ? ", underlay followed " + underlayFollowed : "")
                + (rebuilt > 0 ? ", rebuilt " + rebuilt : "")
                + (problem != null ? ", not attached: " + problem : "");
    }

    /** {@code | decap offload 300 pps (1200 frames)}, and {@code , sources refused 3} where there were any. */
    private static String offloadRate(
            String name, long delta, long frames, double seconds, String entries, long refused) {
        return " | " + name + " offload " + rate(delta, seconds) + " (" + frames + " frames)"
                + (refused > 0 ? ", " + entries + " refused " + refused : "");
    }

    /** With {@code --decap-offload}: {@code , decap offload 1200 frames 110400 bytes to the trunk in the kernel}. */
    private String offloadTotals() {
        DecapOffload o = gateway.offload();
        EncapOffload e = gateway.encapOffload();
        return (o == null
                        ? ""
                        : ", decap offload " + o.frames() + " frames " + o.bytes() + " bytes to the trunk in the kernel"
                                + (o.refused() > 0 ? " (sources refused " + o.refused() + ")" : "")
                                + (o.reattached() > 0
                                        ? " (program attached again to a recreated underlay " + o.reattached()
                                                + " times)"
                                        : "")
                                + rebuiltTotal(o.rebuilt()))
                + (e == null
                        ? ""
                        : ", encap offload " + e.frames() + " frames " + e.bytes()
                                + " bytes to the underlay in the kernel"
                                + (e.refused() > 0 ? " (entries refused " + e.refused() + ")" : "")
                                + (e.reattached() > 0
                                        ? " (program attached again to a recreated trunk " + e.reattached() + " times)"
                                        : "")
                                + (e.underlayFollowed() > 0
                                        ? " (a recreated underlay followed " + e.underlayFollowed() + " times)"
                                        : "")
                                + rebuiltTotal(e.rebuilt()))
                + upkeep(gateway.offloadSources());
    }

    /** {@code  (program rebuilt for a changed MAC or MTU 2 times)} where it was. */
    private static String rebuiltTotal(long rebuilt) {
        return rebuilt > 0 ? " (program rebuilt for a changed MAC or MTU " + rebuilt + " times)" : "";
    }

    /** The offload maps' upkeep where any happened: MACs learned again, queue refills, failed changes. */
    private static String upkeep(OffloadSources s) {
        if (s == null) {
            return "";
        }
        return (s.kept() > 0
                        ? ", " + s.kept() + " MACs aged while the kernel forwarded their frames, learned again"
                        : "")
                + (s.resyncs() > 0
                        ? ", offload maps filled again from the table " + s.resyncs()
                                + " times (change queue full, or the table flushed)"
                        : "")
                + (s.failures() > 0 ? ", offload map changes failed " + s.failures() : "");
    }

    /** Header + one row per entry: VLAN, VNI, MAC, type, where, age. */
    String fdb() {
        List<FdbEntry> entries = gateway.vtep().forwardingTable().entries();
        VlanMap vlans = gateway.config().vlans;
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "forwarding table: %d entries%n", entries.size()));
        out.append(String.format(
                Locale.ROOT, "  %-8s %-8s %-17s %-8s %-24s %s%n", "VLAN", "VNI", "MAC", "TYPE", "LOCATION", "AGE"));
        for (FdbEntry e : entries) {
            int vlan = vlans.vlanOf(e.vni());
            out.append(String.format(
                    Locale.ROOT,
                    "  %-8s %-8d %-17s %-8s %-24s %.1fs%n",
                    vlan == VlanMap.UNTAGGED ? "untagged" : vlan == VlanMap.NONE ? "-" : Integer.toString(vlan),
                    e.vni(),
                    MacAddress.toString(e.mac()),
                    type(e),
                    where(e.location(), gateway.vtep().encapsulations()),
                    e.age().toMillis() / 1000.0));
        }
        return out + NeighborView.table(gateway);
    }

    /** The entry's type; {@code evpn} for a remote entry the EVPN agent installed from a BGP route. */
    private String type(FdbEntry e) {
        if (gateway.evpn() != null && gateway.evpn().installed(e.vni(), e.mac(), e.location())) {
            return "evpn";
        }
        return e.type().name().toLowerCase(Locale.ROOT);
    }

    /** {@code dst 10.99.0.3 nvgre} for a remote (its encapsulation by transport number), or the trunk port. */
    private static String where(Location location, List<Encapsulation> encapsulations) {
        if (!location.isRemote()) {
            return "trunk (" + location.name() + ")";
        }
        int t = location.transport();
        String encap = t < encapsulations.size() ? FloodTarget.name(encapsulations.get(t)) : "transport " + t;
        return "dst " + location.address().getHostAddress() + " " + encap;
    }
}
