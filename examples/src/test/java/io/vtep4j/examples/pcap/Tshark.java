package io.vtep4j.examples.pcap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs tshark, the independent decoder, and returns its {@code -T fields} rows split on tabs. */
final class Tshark {
    private static final long TIMEOUT_SECONDS = 120;

    private Tshark() {}

    /**
     * Rows of {@code tshark -r file [extra...] -T fields -e f1 -e f2 ...}, one String[] per packet, one cell per
     * field (a field occurring several times, e.g. outer and inner eth.src, is comma-separated in its cell).
     */
    static List<String[]> fields(Path file, List<String> extra, String... fields) throws Exception {
        List<String> command = new ArrayList<>(List.of(Prerequisites.tshark(), "-n", "-r", file.toString()));
        command.addAll(extra);
        command.addAll(List.of("-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=,"));
        for (String field : fields) {
            command.add("-e");
            command.add(field);
        }
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        byte[] out;
        try {
            out = process.getInputStream().readAllBytes();
        } catch (IOException e) {
            process.destroyForcibly();
            throw e;
        }
        assertTrue(process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "tshark finished in time");
        assertEquals(0, process.exitValue(), "tshark exit status for " + command);
        List<String[]> rows = new ArrayList<>();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                String[] cells = Arrays.copyOf(line.split("\t", -1), fields.length);
                for (int i = 0; i < cells.length; i++) {
                    cells[i] = cells[i] == null ? "" : cells[i];
                }
                rows.add(cells);
            }
        }
        return rows;
    }

    /** The last comma-separated occurrence of a cell (the innermost layer), or "" if empty. */
    static String last(String cell) {
        int comma = cell.lastIndexOf(',');
        return comma < 0 ? cell : cell.substring(comma + 1);
    }
}
