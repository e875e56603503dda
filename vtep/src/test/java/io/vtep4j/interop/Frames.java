package io.vtep4j.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Hand-built test frames (ARP) and small readers for captured ones. Thread-safe (stateless). */
public final class Frames {

    private static final int ETHERTYPE_ARP = 0x0806;

    private Frames() {}

    /** A broadcast ARP request "who has {@code targetIp}? tell {@code senderIp}" from {@code senderMac}. */
    public static ByteBuf arpRequest(String senderMac, String senderIp, String targetIp) {
        ByteBuf frame = Unpooled.buffer(60);
        frame.writeBytes(mac("ff:ff:ff:ff:ff:ff")).writeBytes(mac(senderMac)).writeShort(ETHERTYPE_ARP);
        frame.writeShort(1) // hardware type: Ethernet
                .writeShort(0x0800) // protocol type: IPv4
                .writeByte(6) // hardware address length
                .writeByte(4) // protocol address length
                .writeShort(1); // opcode: request
        frame.writeBytes(mac(senderMac)).writeBytes(ipv4(senderIp));
        frame.writeZero(6).writeBytes(ipv4(targetIp));
        frame.writeZero(60 - frame.writerIndex()); // pad to the Ethernet minimum (without FCS)
        return frame;
    }

    /** True when {@code frame} is an ARP reply sent to {@code mac}. */
    public static boolean isArpReplyTo(ByteBuf frame, String mac) {
        int at = frame.readerIndex();
        return frame.readableBytes() >= 42
                && frame.getUnsignedShort(at + 12) == ETHERTYPE_ARP
                && frame.getUnsignedShort(at + 20) == 2
                && macAt(frame, at).equals(mac);
    }

    /** The destination MAC of {@code frame} in lower-case colon form. */
    public static String destination(ByteBuf frame) {
        return macAt(frame, frame.readerIndex());
    }

    /** The source MAC of {@code frame} in lower-case colon form. */
    public static String source(ByteBuf frame) {
        return macAt(frame, frame.readerIndex() + 6);
    }

    private static String macAt(ByteBuf frame, int offset) {
        StringBuilder text = new StringBuilder(17);
        for (int i = 0; i < 6; i++) {
            if (i > 0) {
                text.append(':');
            }
            text.append(String.format("%02x", frame.getUnsignedByte(offset + i)));
        }
        return text.toString();
    }

    /** Six bytes of a colon-form MAC. */
    public static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] bytes = new byte[6];
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return bytes;
    }

    private static byte[] ipv4(String text) {
        try {
            InetAddress address = InetAddress.getByName(text);
            if (!(address instanceof Inet4Address)) {
                throw new IllegalArgumentException("ipv4: " + text + " (expected: a dotted IPv4 literal)");
            }
            return address.getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("ipv4: " + text + " (expected: a dotted IPv4 literal)", e);
        }
    }
}
