package io.vtep4j.encap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.Random;

/** Test helpers that build Ethernet frames and byte buffers. */
final class Frames {
    static final long DST = 0x0200_0000_bb01L;
    static final long SRC = 0x0200_0000_aa01L;

    private Frames() {}

    /** An untagged IPv4/UDP frame of {@code length} bytes (≥ 42) with {@code headroom} bytes before it. */
    static ByteBuf ipv4Udp(int headroom, int length, int srcIp, int dstIp, int srcPort, int dstPort) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(headroom + length);
        buf.writerIndex(headroom).readerIndex(headroom);
        buf.writeShort((int) (DST >>> 32)).writeInt((int) DST);
        buf.writeShort((int) (SRC >>> 32)).writeInt((int) SRC);
        buf.writeShort(Ethernet.TYPE_IPV4);
        buf.writeShort(0x4500)
                .writeShort(length - 14)
                .writeInt(0)
                .writeShort(0x4011)
                .writeShort(0);
        buf.writeInt(srcIp).writeInt(dstIp);
        buf.writeShort(srcPort).writeShort(dstPort).writeShort(length - 34).writeShort(0);
        buf.writeZero(length - buf.readableBytes());
        return buf;
    }

    /** A frame with the given MACs and EtherType, {@code payload} random bytes, {@code headroom} before it. */
    static ByteBuf frame(int headroom, long dst, long src, int etherType, int payload, Random random) {
        ByteBuf buf = ByteBufAllocator.DEFAULT.buffer(headroom + Ethernet.HEADER_LENGTH + payload);
        buf.writerIndex(headroom).readerIndex(headroom);
        buf.writeShort((int) (dst >>> 32)).writeInt((int) dst);
        buf.writeShort((int) (src >>> 32)).writeInt((int) src);
        buf.writeShort(etherType);
        byte[] bytes = new byte[payload];
        random.nextBytes(bytes);
        buf.writeBytes(bytes);
        return buf;
    }

    /** A buffer holding exactly {@code bytes}, reader index 0. */
    static ByteBuf of(byte[] bytes) {
        return ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
    }

    /** {@code header} followed by a minimal untagged ARP-typed frame of {@code frameLength} bytes. */
    static byte[] withFrame(byte[] header, int frameLength) {
        byte[] out = new byte[header.length + frameLength];
        System.arraycopy(header, 0, out, 0, header.length);
        for (int i = 0; i < frameLength; i++) {
            out[header.length + i] = (byte) (0x10 + i);
        }
        if (frameLength >= Ethernet.HEADER_LENGTH) {
            out[header.length + 12] = 0x08; // EtherType ARP
            out[header.length + 13] = 0x06;
        }
        return out;
    }

    /** The readable bytes of {@code buf} as an array, without moving indices. */
    static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }
}
