package io.vtep4j.examples.pcap;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A tiny classic-pcap writer for tests (microsecond timestamps, little-endian, any link type). */
final class PcapFiles {
    static final int LINKTYPE_ETHERNET = 1;
    private static final int SNAPLEN = 262_144;

    private PcapFiles() {}

    /** Writes each buffer's readable bytes as one packet; does not release or move the buffers. */
    static void write(Path file, int linkType, List<ByteBuf> packets) throws IOException {
        write(file, linkType, packets, Integer.MAX_VALUE);
    }

    /** Like {@link #write(Path, int, List)}, keeping at most {@code snap} bytes of each (original length kept). */
    static void write(Path file, int linkType, List<ByteBuf> packets, int snap) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(0xa1b2c3d4)
                    .putShort((short) 2)
                    .putShort((short) 4)
                    .putInt(0)
                    .putInt(0)
                    .putInt(SNAPLEN)
                    .putInt(linkType);
            out.write(header.array());
            int second = 1_700_000_000;
            for (ByteBuf packet : packets) {
                byte[] bytes = new byte[Math.min(snap, packet.readableBytes())];
                packet.getBytes(packet.readerIndex(), bytes);
                ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
                record.putInt(second++).putInt(0).putInt(bytes.length).putInt(packet.readableBytes());
                out.write(record.array());
                out.write(bytes);
            }
        }
    }
}
