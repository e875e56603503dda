package io.vtep4j.examples.pcap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vtep4j.examples.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** Runs {@code vtep4j ARGS} in this JVM through the real top command and keeps exit code, stdout and stderr. */
final class CommandRun {
    private static final JsonFactory JSON = new JsonFactory();

    final int exitCode;
    final List<String> lines;
    final String err;

    private CommandRun(int exitCode, String out, String err) {
        this.exitCode = exitCode;
        this.lines = out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
        this.err = err;
    }

    static CommandRun vtep4j(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(new Main());
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new CommandRun(code, out.toString(), err.toString());
    }

    /** Every stdout line parsed as one flat JSON object (values: String, Long or null), in order. */
    List<Map<String, Object>> json() throws IOException {
        List<Map<String, Object>> objects = new ArrayList<>();
        for (String line : lines) {
            Map<String, Object> object = new LinkedHashMap<>();
            try (JsonParser parser = JSON.createParser(line)) {
                if (parser.nextToken() != JsonToken.START_OBJECT) {
                    throw new IOException("not a JSON object: " + line);
                }
                for (JsonToken token = parser.nextToken(); token == JsonToken.FIELD_NAME; token = parser.nextToken()) {
                    String name = parser.currentName();
                    JsonToken value = parser.nextToken();
                    object.put(
                            name,
                            value == JsonToken.VALUE_NULL
                                    ? null
                                    : value == JsonToken.VALUE_NUMBER_INT
                                            ? (Object) parser.getLongValue()
                                            : parser.getText());
                }
                if (parser.nextToken() != null) {
                    throw new IOException("more than one value on a line: " + line);
                }
            }
            objects.add(object);
        }
        return objects;
    }
}
