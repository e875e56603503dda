package io.vtep4j.learning;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** Text rendering of forwarding-table listings; stateless, thread-safe. */
final class FdbFormat {

    private static final String ROW = "%-9s %-17s %-8s %-32s %s%n";

    private FdbFormat() {}

    static String seconds(Duration age) {
        return String.format(Locale.ROOT, "%d.%03ds", age.getSeconds(), age.toMillisPart());
    }

    static String table(List<FdbEntry> entries) {
        final StringBuilder out = new StringBuilder(64 + entries.size() * 80);
        out.append(String.format(Locale.ROOT, ROW, "VNI", "MAC", "TYPE", "LOCATION", "AGE"));
        for (FdbEntry e : entries) {
            out.append(String.format(
                    Locale.ROOT,
                    ROW,
                    e.vni(),
                    MacAddress.toString(e.mac()),
                    e.type().name().toLowerCase(Locale.ROOT),
                    e.location(),
                    seconds(e.age())));
        }
        return out.toString();
    }
}
