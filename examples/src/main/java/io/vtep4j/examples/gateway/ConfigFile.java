package io.vtep4j.examples.gateway;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a gateway configuration file into command-line arguments: one {@code option value} (or
 * {@code option = value}) per line, option names as on the command line with or without the leading dashes,
 * {@code #} starts a comment. Repeatable options appear on several lines. Stateless, thread-safe.
 *
 * <pre>
 * # gateway.conf
 * local  10.99.0.1
 * port   trunk0
 * vlan   100:10100
 * vlan   200:10200
 * flood  10100=10.99.0.2
 * </pre>
 */
final class ConfigFile {
    private ConfigFile() {}

    /** The file's settings as arguments, e.g. {@code ["--local", "10.99.0.1", ...]}. */
    static List<String> arguments(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(
                    "--config " + file + ": cannot read it (" + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")",
                    e);
        }
        List<String> args = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (text.isEmpty()) {
                continue;
            }
            String[] kv = text.split("\\s*=\\s*|\\s+", 2);
            String key = kv[0].startsWith("--") ? kv[0] : "--" + kv[0];
            if (key.equals("--config")) {
                throw new ConfigException(
                        "--config " + file + " line " + (i + 1) + ": a config file cannot include " + "another");
            }
            args.add(key);
            if (kv.length == 2) {
                args.add(kv[1].strip());
            }
        }
        return args;
    }
}
