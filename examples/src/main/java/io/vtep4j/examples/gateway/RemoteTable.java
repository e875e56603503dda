package io.vtep4j.examples.gateway;

import io.vtep4j.RemoteStats;
import io.vtep4j.VtepStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The per-remote-VTEP view of the gateway: a short "top remotes" text for the status line and summary, and a table
 * (like {@code bridge -s fdb}'s counters per tunnel) for the forwarding-table dump. Stateless, thread-safe.
 */
final class RemoteTable {

    /** Remotes named in the status line and summary. */
    static final int TOP = 3;

    private RemoteTable() {}

    /** Remotes by packets in and out, busiest first (ties by address text, so the order is stable). */
    static List<RemoteStats> busiest(VtepStats stats) {
        List<RemoteStats> all = new ArrayList<>(stats.remotes().values());
        all.sort(Comparator.comparingLong((RemoteStats r) -> -(r.packetsIn() + r.packetsOut()))
                .thenComparing(r -> r.address().getHostAddress()));
        return all;
    }

    /** {@code 10.99.0.2 in 12 out 11, 10.99.0.3 in 2 out 0}, the {@value #TOP} busiest; {@code none} without any. */
    static String top(VtepStats stats) {
        List<RemoteStats> busiest = busiest(stats);
        if (busiest.isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        for (RemoteStats r : busiest.subList(0, Math.min(TOP, busiest.size()))) {
            text.append(text.length() == 0 ? "" : ", ")
                    .append(r.address().getHostAddress())
                    .append(" in ")
                    .append(r.packetsIn())
                    .append(" out ")
                    .append(r.packetsOut());
        }
        if (busiest.size() > TOP) {
            text.append(" (+").append(busiest.size() - TOP).append(" more)");
        }
        return text.toString();
    }

    /** Header + one row per remote, busiest first: packets and bytes each way, flood copies, drops, last seen. */
    static String table(VtepStats stats, Instant now) {
        List<RemoteStats> busiest = busiest(stats);
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "remote VTEPs: %d (packets of remotes past the counter bound: %d)%n",
                busiest.size(),
                stats.uncountedRemotePackets()));
        out.append(String.format(
                Locale.ROOT,
                "  %-39s %10s %12s %10s %12s %8s %8s %s%n",
                "REMOTE",
                "IN",
                "IN BYTES",
                "OUT",
                "OUT BYTES",
                "FLOODED",
                "DROPS",
                "LAST SEEN"));
        for (RemoteStats r : busiest) {
            long drops = r.drops().values().stream().mapToLong(Long::longValue).sum();
            String seen = r.lastSeen()
                    .map(t -> String.format(
                            Locale.ROOT,
                            "%.1fs ago",
                            Math.max(0, Duration.between(t, now).toMillis()) / 1000.0))
                    .orElse("never");
            out.append(String.format(
                    Locale.ROOT,
                    "  %-39s %10d %12d %10d %12d %8d %8d %s%n",
                    r.address().getHostAddress(),
                    r.packetsIn(),
                    r.bytesIn(),
                    r.packetsOut(),
                    r.bytesOut(),
                    r.floodCopies(),
                    drops,
                    seen));
        }
        return out.toString();
    }
}
