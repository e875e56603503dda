package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.learning.MacAddress;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;

/** Builds Ethernet frames and finds free UDP ports for loopback tests. Stateless. */
final class TestFrames {

    static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

    private TestFrames() {}

    /** An IPv4-ethertype frame {@code length} bytes long, from {@code src} to {@code dst}, payload bytes = seq. */
    static ByteBuf frame(long dst, long src, int length, int seq) {
        ByteBuf f = ByteBufAllocator.DEFAULT.buffer(length);
        f.writeShort((int) (dst >>> 32)).writeInt((int) dst);
        f.writeShort((int) (src >>> 32)).writeInt((int) src);
        f.writeShort(0x0800);
        while (f.writerIndex() < length) {
            f.writeByte(seq);
        }
        return f;
    }

    static ByteBuf frame(long dst, long src) {
        return frame(dst, src, 64, 0);
    }

    static long mac(String text) {
        return MacAddress.parse(text);
    }

    static long destination(ByteBuf frame) {
        return (long) frame.getUnsignedShort(frame.readerIndex()) << 32 | frame.getUnsignedInt(frame.readerIndex() + 2);
    }

    static long source(ByteBuf frame) {
        int at = frame.readerIndex() + 6;
        return (long) frame.getUnsignedShort(at) << 32 | frame.getUnsignedInt(at + 2);
    }

    /**
     * A UDP port free on 127.0.0.1 right now, from the ephemeral range; tests bind it on 127.0.0.x, where the
     * kernel has no other user for it in practice.
     */
    static int freePort() {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            return s.getLocalPort();
        } catch (SocketException e) {
            throw new IllegalStateException(e);
        }
    }
}
