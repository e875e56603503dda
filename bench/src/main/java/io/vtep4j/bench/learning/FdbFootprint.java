package io.vtep4j.bench.learning;

import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Locale;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained heap per entry of the forwarding table and of the Caffeine comparison at N entries, two ways: JOL's
 * object-graph walk ({@code GraphLayout.parseInstance(table).totalSize()}, which counts everything reachable from
 * the table, shared locations included; it cannot walk Caffeine's hidden lambda classes) and heap used after GC
 * before vs after filling. Single-threaded tool.
 *
 * <p>Run: {@code java -Djol.magicFieldOffset=true -Xmx4g -cp bench/target/benchmarks.jar
 * io.vtep4j.bench.learning.FdbFootprint 1000000}
 */
public final class FdbFootprint {

    private FdbFootprint() {}

    /** Prints one line per implementation: entries, JOL bytes/entry, heap-delta bytes/entry. */
    public static void main(String[] args) {
        final int entries = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        final Location[] locations = FdbData.locations();
        for (String impl : new String[] {"primitive", "caffeine"}) {
            final long before = usedAfterGc();
            final Object table = fill(impl, entries, locations);
            final long after = usedAfterGc();
            String jol;
            try {
                final long bytes = GraphLayout.parseInstance(table).totalSize();
                jol = String.format(Locale.ROOT, "%d B (%.1f B/entry)", bytes, (double) bytes / entries);
            } catch (RuntimeException e) {
                // JOL cannot walk Caffeine's hidden lambda classes; the heap delta still measures it.
                jol = "n/a (" + e.getClass().getSimpleName() + ")";
            }
            System.out.printf(
                    Locale.ROOT,
                    "%-9s entries=%d jol=%s heapDelta=%d B (%.1f B/entry)%n",
                    impl,
                    entries,
                    jol,
                    after - before,
                    (double) (after - before) / entries);
            if (table.hashCode() == 42) {
                System.out.println(); // keeps the table reachable until measured
            }
        }
    }

    private static Object fill(String impl, int entries, Location[] locations) {
        if ("primitive".equals(impl)) {
            final ForwardingTable table =
                    ForwardingTable.builder().maxEntries(entries).build();
            for (int i = 0; i < entries; i++) {
                table.learn(FdbData.VNI, FdbData.presentMac(i), locations[i % FdbData.LOCATIONS]);
            }
            return table;
        }
        final CaffeineFdb table = new CaffeineFdb(entries);
        for (int i = 0; i < entries; i++) {
            table.learn(FdbData.VNI, FdbData.presentMac(i), locations[i % FdbData.LOCATIONS], System.nanoTime());
        }
        table.size();
        return table;
    }

    private static long usedAfterGc() {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }
}
