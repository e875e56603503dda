package io.vtep4j.examples.demo;

import io.vtep4j.VtepStats;
import io.vtep4j.VtepStats.SegmentStats;
import io.vtep4j.encap.DropReason;
import io.vtep4j.examples.demo.DemoNetwork.Station;
import io.vtep4j.learning.FdbEntry;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Draws the demo's topology, forwarding tables and counters as aligned plain text. Confined to the demo thread. */
final class DemoPrinter {
    private final DemoNetwork net;
    private final PrintWriter out;

    DemoPrinter(DemoNetwork net, PrintWriter out) {
        this.net = net;
        this.out = out;
    }

    void topology() {
        out.println("vtep4j demo: three VTEPs in one JVM, VXLAN over loopback UDP port " + net.port);
        out.println();
        out.println("              VTEP A 127.0.0.1     VTEP B 127.0.0.2     VTEP C 127.0.0.3");
        out.println("   VNI 5001   alice  10.0.0.1      bob    10.0.0.2      carol  10.0.0.3");
        out.println("   VNI 5002   dave   10.0.0.1      erin   10.0.0.2");
        out.println();
        out.println("   Each VNI floods by head-end replication to the other VTEPs that carry it. The hosts are");
        out.println("   simulated: they answer ARP and ping by building their own Ethernet frames.");
        out.flush();
    }

    /** Every VTEP's entries of one VNI. */
    void tables(int vni) {
        for (Station station : net.stations()) {
            table(station, station.vtep().forwardingTable().entries(vni));
        }
        out.flush();
    }

    void finalTables() {
        out.println();
        out.println("Forwarding tables at the end (vtep.forwardingTable(), in the style of 'bridge fdb show')");
        for (Station station : net.stations()) {
            table(station, station.vtep().forwardingTable().entries());
        }
        out.flush();
    }

    private void table(Station station, List<FdbEntry> entries) {
        out.println("   " + station.label() + (entries.isEmpty() ? ": empty" : ""));
        for (FdbEntry e : entries) {
            String name = net.nameOf(e.mac());
            out.printf(
                    Locale.ROOT,
                    "     %s vni %d %-24s %-7s age %4.1fs   (%s)%n",
                    MacAddress.toString(e.mac()),
                    e.vni(),
                    where(e.location()),
                    e.type().name().toLowerCase(Locale.ROOT),
                    e.age().toMillis() / 1000.0,
                    name == null ? "?" : name);
        }
    }

    private static String where(Location location) {
        return location.isRemote() ? "dst " + location.address().getHostAddress() + " self" : "port " + location.name();
    }

    void counters() {
        out.println();
        out.println("Counters (vtep.stats())");
        out.println("              VNI   from ports  to underlay  floods  from underlay  to ports");
        for (Station station : net.stations()) {
            VtepStats stats = station.vtep().stats();
            for (Map.Entry<Integer, SegmentStats> e : stats.segments().entrySet()) {
                SegmentStats s = e.getValue();
                out.printf(
                        Locale.ROOT,
                        "   VTEP %s  %6d  %11d  %11d  %6d  %13d  %8d%n",
                        station.letter(),
                        s.vni(),
                        s.framesFromPorts(),
                        s.packetsToUnderlay(),
                        s.floods(),
                        s.packetsFromUnderlay(),
                        s.framesToPorts());
            }
            out.println("   VTEP " + station.letter() + "  drops: " + drops(stats.drops()) + "; MACs: " + stats.macs());
        }
        out.flush();
    }

    private static String drops(Map<DropReason, Long> drops) {
        if (drops.isEmpty()) {
            return "none";
        }
        StringBuilder text = new StringBuilder();
        drops.forEach((reason, count) -> text.append(text.length() == 0 ? "" : ", ")
                .append(reason.label())
                .append(' ')
                .append(count));
        return text.toString();
    }
}
