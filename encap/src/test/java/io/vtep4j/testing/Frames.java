package io.vtep4j.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.Ethernet;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Random;

/**
 * Builds the Ethernet frames tests send (untagged, IPv4/UDP, ARP) and reads their MACs, on top of encap's
 * {@link Ethernet}. A MAC is a {@code long} holding 48 bits, as everywhere in vtep4j.
 *
 * <p>Builders return a new buffer the caller owns (refCnt 1); readers take the frame at its reader index and never
 * move indices. Stateless, thread-safe.
 */
public final class Frames {
    /** The destination MAC of the frames the codec tests build: 02:00:00:00:bb:01. */
    public static final long DST = 0x0200_0000_bb01L;
    /** The source MAC of the frames the codec tests build: 02:00:00:00:aa:01. */
    public static final long SRC = 0x0200_0000_aa01L;
    /** ff:ff:ff:ff:ff:ff. */
    public static final long BROADCAST = Ethernet.MAC_MASK;

    private static final int ARP_LENGTH = 28;
    private static final int ARP_OP_OFFSET = Ethernet.HEADER_LENGTH + 6;
    private static final int ARP_REPLY = 2;
    private static final int MIN_FRAME_LENGTH = 60;

    private Frames() {}

    /** An untagged IPv4/UDP frame of {@code length} bytes (≥ 42) with {@code headroom} bytes before it. */
    public static ByteBuf ipv4Udp(int headroom, int length, int srcIp, int dstIp, int srcPort, int dstPort) {
        ByteBuf buf =
                header(ByteBufAllocator.DEFAULT.buffer(headroom + length), headroom, DST, SRC, Ethernet.TYPE_IPV4);
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
    public static ByteBuf frame(int headroom, long dst, long src, int etherType, int payload, Random random) {
        ByteBuf buf = header(
                ByteBufAllocator.DEFAULT.buffer(headroom + Ethernet.HEADER_LENGTH + payload),
                headroom,
                dst,
                src,
                etherType);
        byte[] bytes = new byte[payload];
        random.nextBytes(bytes);
        return buf.writeBytes(bytes);
    }

    /** An IPv4-EtherType frame {@code length} bytes long from {@code src} to {@code dst}, every payload byte {@code seq}. */
    public static ByteBuf frame(long dst, long src, int length, int seq) {
        ByteBuf buf = header(ByteBufAllocator.DEFAULT.buffer(length), 0, dst, src, Ethernet.TYPE_IPV4);
        while (buf.writerIndex() < length) {
            buf.writeByte(seq);
        }
        return buf;
    }

    /** A 64-byte IPv4-EtherType frame from {@code src} to {@code dst}. */
    public static ByteBuf frame(long dst, long src) {
        return frame(dst, src, 64, 0);
    }

    /**
     * A broadcast ARP request "who has {@code targetIp}? tell {@code senderIp}" from {@code senderMac}, padded to 60
     * bytes, on the heap.
     */
    public static ByteBuf arpRequest(long senderMac, String senderIp, String targetIp) {
        ByteBuf frame = header(Unpooled.buffer(MIN_FRAME_LENGTH), 0, BROADCAST, senderMac, Ethernet.TYPE_ARP);
        frame.writeShort(1) // hardware type: Ethernet
                .writeShort(Ethernet.TYPE_IPV4) // protocol type
                .writeByte(6) // hardware address length
                .writeByte(4) // protocol address length
                .writeShort(1); // opcode: request
        writeMac(frame, senderMac).writeBytes(ipv4(senderIp));
        frame.writeZero(6).writeBytes(ipv4(targetIp));
        return frame.writeZero(MIN_FRAME_LENGTH - frame.writerIndex());
    }

    /** True when {@code frame} is an ARP reply sent to {@code mac}. */
    public static boolean isArpReplyTo(ByteBuf frame, long mac) {
        int at = frame.readerIndex();
        return frame.readableBytes() >= Ethernet.HEADER_LENGTH + ARP_LENGTH
                && frame.getUnsignedShort(at + Ethernet.ETHER_TYPE_OFFSET) == Ethernet.TYPE_ARP
                && frame.getUnsignedShort(at + ARP_OP_OFFSET) == ARP_REPLY
                && destination(frame) == mac;
    }

    /** The destination MAC of {@code frame}. */
    public static long destination(ByteBuf frame) {
        return Ethernet.destinationMac(frame, frame.readerIndex());
    }

    /** The source MAC of {@code frame}. */
    public static long source(ByteBuf frame) {
        return Ethernet.sourceMac(frame, frame.readerIndex());
    }

    /** A buffer holding exactly {@code bytes}, reader index 0. */
    public static ByteBuf of(byte[] bytes) {
        return ByteBufAllocator.DEFAULT.buffer(bytes.length).writeBytes(bytes);
    }

    /** {@code header} followed by a minimal untagged ARP-typed frame of {@code frameLength} bytes. */
    public static byte[] withFrame(byte[] header, int frameLength) {
        byte[] out = new byte[header.length + frameLength];
        System.arraycopy(header, 0, out, 0, header.length);
        for (int i = 0; i < frameLength; i++) {
            out[header.length + i] = (byte) (0x10 + i);
        }
        if (frameLength >= Ethernet.HEADER_LENGTH) {
            out[header.length + Ethernet.ETHER_TYPE_OFFSET] = (byte) (Ethernet.TYPE_ARP >>> 8);
            out[header.length + Ethernet.ETHER_TYPE_OFFSET + 1] = (byte) Ethernet.TYPE_ARP;
        }
        return out;
    }

    /** The readable bytes of {@code buf} as an array, without moving indices. */
    public static byte[] bytes(ByteBuf buf) {
        return ByteBufUtil.getBytes(buf);
    }

    /** The four bytes of a dotted IPv4 literal. */
    public static byte[] ipv4(String text) {
        try {
            InetAddress address = InetAddress.getByName(text);
            if (address instanceof Inet4Address) {
                return address.getAddress();
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("ipv4: " + text + " (expected: a dotted IPv4 literal)", e);
        }
        throw new IllegalArgumentException("ipv4: " + text + " (expected: a dotted IPv4 literal)");
    }

    /** Leaves {@code headroom} bytes free, then writes the Ethernet header; returns {@code buf}. */
    private static ByteBuf header(ByteBuf buf, int headroom, long dst, long src, int etherType) {
        buf.writerIndex(headroom).readerIndex(headroom);
        writeMac(buf, dst);
        writeMac(buf, src);
        return buf.writeShort(etherType);
    }

    private static ByteBuf writeMac(ByteBuf buf, long mac) {
        buf.ensureWritable(6);
        Ethernet.setMac(buf, buf.writerIndex(), mac);
        return buf.writerIndex(buf.writerIndex() + 6);
    }
}
