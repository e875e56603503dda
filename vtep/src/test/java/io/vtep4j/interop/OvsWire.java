package io.vtep4j.interop;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Records the underlay wire of an Open vSwitch interop test to a pcap file ({@code tcpdump -w}) and decodes it with
 * tshark, an implementation independent of both vtep4j and OVS. Start with {@link #start}, stop with
 * {@link #close()} (also on failure), then read {@link #fields}. Not thread-safe.
 */
public final class OvsWire implements AutoCloseable {

    private static final Duration READY = Duration.ofSeconds(10);

    private final Process tcpdump;
    private final Path file;
    private final StringBuilder stderr = new StringBuilder();
    private final CountDownLatch listening = new CountDownLatch(1);
    private String[] extraDecodes = new String[0];

    private OvsWire(Process tcpdump, Path file) {
        this.tcpdump = tcpdump;
        this.file = file;
        Thread reader = new Thread(() -> readStderr(tcpdump.getErrorStream()), "ovswire-stderr");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code tcpdump --immediate-mode -i DEV -U -w FILE FILTER} in {@code ns}; waits until it listens. */
    public static OvsWire start(Namespace ns, String dev, String... filter) {
        Path file;
        try {
            file = Files.createTempFile("vtep4j-ovs-", ".pcap");
        } catch (IOException e) {
            throw new IllegalStateException("cannot create capture file", e);
        }
        List<String> argv = new ArrayList<>();
        if (!ns.isSelf()) {
            argv.addAll(List.of("ip", "netns", "exec", ns.name()));
        }
        // --immediate-mode: no ring-buffer batching, so nothing still in the ring is lost when tcpdump is stopped.
        argv.addAll(List.of(
                "tcpdump", "--immediate-mode", "-i", dev, "-n", "-p", "-U", "-Z", "root", "-w", file.toString()));
        argv.addAll(List.of(filter));
        OvsWire wire;
        try {
            wire = new OvsWire(new ProcessBuilder(argv).start(), file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + argv, e);
        }
        try {
            if (!wire.listening.await(READY.toMillis(), TimeUnit.MILLISECONDS)) {
                wire.close();
                throw new IllegalStateException(
                        "tcpdump not listening on " + dev + " after " + READY + ": " + wire.stderr());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            wire.close();
            throw new IllegalStateException("interrupted", e);
        }
        return wire;
    }

    private void readStderr(InputStream in) {
        try (in) {
            byte[] buf = new byte[512];
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                synchronized (stderr) {
                    stderr.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    if (stderr.indexOf("listening on") >= 0) {
                        listening.countDown();
                    }
                }
            }
        } catch (IOException ignored) {
            // tcpdump went away; close() reports what it said
        }
    }

    /** What tcpdump said on stderr (its closing statistics once closed), for failure messages. */
    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /**
     * Decodes the capture with {@code tshark -r FILE -Y DISPLAY_FILTER -T fields -e F...}: one row per packet, the
     * fields split on tabs; a field present in several layers (ip.src outer and inner) gives its first, outer value.
     * Call after {@link #close()} so that everything is on disk.
     */
    public List<String[]> fields(String displayFilter, String... fields) {
        List<String> argv = new ArrayList<>(List.of("tshark", "-n", "-r", file.toString()));
        argv.addAll(List.of(extraDecodes));
        if (displayFilter != null) {
            argv.addAll(List.of("-Y", displayFilter));
        }
        argv.addAll(List.of("-T", "fields", "-E", "occurrence=f")); // first occurrence: the outer header
        for (String field : fields) {
            argv.addAll(List.of("-e", field));
        }
        Cmd.Result result =
                Cmd.run(Duration.ofSeconds(30), argv.toArray(String[]::new)).check();
        List<String[]> rows = new ArrayList<>();
        for (String line : result.stdout().split("\n")) {
            if (!line.isBlank()) {
                rows.add(line.split("\t", -1));
            }
        }
        return rows;
    }

    /** Extra tshark arguments such as {@code -d udp.port==8472,vxlan}; returns this. */
    public OvsWire decodeAs(String... arguments) {
        this.extraDecodes = arguments.clone();
        return this;
    }

    /**
     * The captured link-layer frames, read straight from the pcap file (classic format, either byte order), for
     * checks tshark has no field for. Call after {@link #close()}.
     */
    public List<byte[]> frames() {
        byte[] pcap;
        try {
            pcap = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file, e);
        }
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(pcap);
        int magic = in.getInt(0);
        if (magic != 0xA1B2C3D4 && magic != 0xA1B23C4D) {
            in.order(java.nio.ByteOrder.LITTLE_ENDIAN); // written in the host's (little-endian) order
        }
        List<byte[]> frames = new ArrayList<>();
        int offset = 24; // global header
        while (offset + 16 <= pcap.length) {
            int captured = in.getInt(offset + 8);
            if (captured < 0 || offset + 16 + captured > pcap.length) {
                break; // a record cut short by stopping tcpdump
            }
            frames.add(java.util.Arrays.copyOfRange(pcap, offset + 16, offset + 16 + captured));
            offset += 16 + captured;
        }
        return frames;
    }

    /** Stops tcpdump (TERM, then KILL after 5 s); the file stays until {@link #delete()}. Idempotent. */
    @Override
    public void close() {
        tcpdump.destroy();
        try {
            if (!tcpdump.waitFor(5, TimeUnit.SECONDS)) {
                tcpdump.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            tcpdump.destroyForcibly();
        }
    }

    /** Deletes the capture file. */
    public void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a leftover temp file harms nothing
        }
    }
}
