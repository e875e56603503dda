package io.vtep4j.examples.pcap;

import java.io.EOFException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;

/**
 * Reads raw packets from a pcap or pcapng file through pcap4j ({@code pcap_open_offline}, which handles both
 * formats and both byte orders). Not thread-safe; close it.
 */
final class CaptureReader implements AutoCloseable {
    private final PcapHandle handle;
    private final LinkType linkType;

    private CaptureReader(PcapHandle handle, LinkType linkType) {
        this.handle = handle;
        this.linkType = linkType;
    }

    /**
     * Opens {@code file}.
     *
     * @throws CaptureException with one clear line if the file is unreadable, not a capture, or of a link type
     *                          the dissector does not support
     */
    static CaptureReader open(Path file) throws CaptureException {
        if (!Files.exists(file)) {
            throw new CaptureException("cannot read " + file + ": no such file");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new CaptureException("cannot read " + file + ": not a readable regular file");
        }
        PcapHandle handle;
        try {
            handle = Pcaps.openOffline(file.toString());
        } catch (PcapNativeException e) {
            throw new CaptureException(file + " is not a pcap or pcapng capture (libpcap: " + oneLine(e) + ")");
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new CaptureException("cannot read " + file + ": libpcap is not available (" + firstReason(e)
                    + "); install it (Debian: libpcap0.8)");
        }
        int dlt = handle.getDlt().value();
        LinkType linkType = LinkType.of(dlt);
        if (linkType == null) {
            handle.close();
            throw new CaptureException(file + ": unsupported link type " + dlt + " ("
                    + handle.getDlt().name()
                    + "); expected Ethernet (1), Linux cooked (113, 276) or raw IP (12, 101, 228, 229)");
        }
        return new CaptureReader(handle, linkType);
    }

    /** The capture's link type. */
    LinkType linkType() {
        return linkType;
    }

    /**
     * The next packet's captured bytes, or null at the end of the file.
     *
     * @throws CaptureException if the file is damaged part-way (e.g. a truncated record)
     */
    byte[] next() throws CaptureException {
        try {
            return handle.getNextRawPacketEx();
        } catch (EOFException e) {
            return null;
        } catch (PcapNativeException e) {
            throw new CaptureException("damaged capture: " + oneLine(e));
        } catch (TimeoutException | NotOpenException e) {
            throw new CaptureException("cannot read the capture: " + oneLine(e));
        }
    }

    /** Length of the last packet on the wire (may exceed the captured bytes when a snap length cut it). */
    int originalLength() {
        Integer length = handle.getOriginalLength();
        return length == null ? 0 : length;
    }

    @Override
    public void close() {
        handle.close();
    }

    /**
     * The first reason of a multi-line native loading error: JNA lists every place it looked, one per line, after
     * {@code Unable to load library 'NAME':}; the first place is enough for one line.
     */
    private static String firstReason(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String[] lines = message.strip().split("\\s*\n\\s*");
        return lines.length > 1 && lines[0].endsWith(":") ? lines[0] + " " + lines[1] : lines[0];
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replace('\n', ' ').trim();
    }
}
