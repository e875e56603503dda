package io.vtep4j.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.Ndp;

/**
 * Hand-written ARP and IPv6 neighbor discovery frames between host 1 (02:00:00:00:00:01, 10.0.0.1, 2001:db8::1) and
 * host 2 (02:00:00:00:00:02, 10.0.0.2, 2001:db8::2), for golden tests. Each method returns a new heap buffer.
 */
public final class NeighborFrames {

    public static final long MAC_1 = 0x0200_0000_0001L;
    public static final long MAC_2 = 0x0200_0000_0002L;
    public static final long IP_1 = 0x0A00_0001L;
    public static final long IP_2 = 0x0A00_0002L;
    /** 2001:db8::/64, the upper half of both IPv6 addresses. */
    public static final long V6_HI = 0x2001_0DB8_0000_0000L;

    /** Host 1 asks who has 10.0.0.2 (RFC 826), broadcast. */
    public static final byte[] ARP_REQUEST = {
        (byte) 0xff,
        (byte) 0xff,
        (byte) 0xff,
        (byte) 0xff,
        (byte) 0xff,
        (byte) 0xff, // eth dst: broadcast
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x01, // eth src: host 1
        0x08,
        0x06, // EtherType ARP
        0x00,
        0x01, // ar$hrd: Ethernet
        0x08,
        0x00, // ar$pro: IPv4
        0x06, // ar$hln: 6
        0x04, // ar$pln: 4
        0x00,
        0x01, // ar$op: request
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x01, // ar$sha: host 1
        0x0a,
        0x00,
        0x00,
        0x01, // ar$spa: 10.0.0.1
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00, // ar$tha: unknown
        0x0a,
        0x00,
        0x00,
        0x02, // ar$tpa: 10.0.0.2
    };

    /** Host 1 solicits 2001:db8::2 (RFC 4861 §4.3) at its solicited-node group, with its link-layer address. */
    public static final byte[] NEIGHBOR_SOLICITATION = {
        0x33,
        0x33,
        (byte) 0xff,
        0x00,
        0x00,
        0x02, // eth dst: 33:33 + low 32 bits of ff02::1:ff00:2
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x01, // eth src: host 1
        (byte) 0x86,
        (byte) 0xdd, // EtherType IPv6
        0x60,
        0x00,
        0x00,
        0x00, // version 6, traffic class 0, flow label 0
        0x00,
        0x20, // payload length 32
        0x3a, // next header ICMPv6
        (byte) 0xff, // hop limit 255
        0x20,
        0x01,
        0x0d,
        (byte) 0xb8,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x01, // source 2001:db8::1
        (byte) 0xff,
        0x02,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x01,
        (byte) 0xff,
        0,
        0,
        0x02, // dst ff02::1:ff00:2
        (byte) 0x87, // type 135 NS
        0x00, // code 0
        0x1c,
        0x27, // checksum over the pseudo-header and the 32 bytes below
        0x00,
        0x00,
        0x00,
        0x00, // reserved
        0x20,
        0x01,
        0x0d,
        (byte) 0xb8,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0x02, // target 2001:db8::2
        0x01, // option: source link-layer address
        0x01, // length 1 (8 bytes)
        0x02,
        0x00,
        0x00,
        0x00,
        0x00,
        0x01, // host 1
    };

    private NeighborFrames() {}

    /** A heap copy of {@code bytes}. */
    public static ByteBuf frame(byte[] bytes) {
        return Unpooled.copiedBuffer(bytes);
    }

    /**
     * A neighbor solicitation from {@code sourceMac} at 2001:db8::{@code sourceLo} for 2001:db8::{@code targetLo},
     * shaped like {@link #NEIGHBOR_SOLICITATION} (to the target's solicited-node group, with a source link-layer
     * option), with its checksum computed; on the heap. Both low halves must be below 65536.
     */
    public static ByteBuf solicitation(long sourceMac, long sourceLo, long targetLo) {
        ByteBuf ns = frame(NEIGHBOR_SOLICITATION);
        int ip = Ethernet.HEADER_LENGTH;
        ns.setShort(4, (int) targetLo); // 33:33:ff:00 + the target's low 16 bits
        Ethernet.setMac(ns, Ethernet.SOURCE_OFFSET, sourceMac);
        ns.setLong(ip + 16, sourceLo);
        ns.setShort(ip + 24 + 14, (int) targetLo); // ff02::1:ffXX:XXXX, low 16 bits
        ns.setLong(ip + 48 + 8, targetLo);
        Ethernet.setMac(ns, ip + 66, sourceMac);
        ns.setShort(ip + 42, 0);
        ns.setShort(ip + 42, Ndp.checksum(ns, ip, 32));
        return ns;
    }

    /** A copy of {@code bytes} with {@code value} at {@code index}. */
    public static byte[] with(byte[] bytes, int index, int value) {
        byte[] copy = bytes.clone();
        copy[index] = (byte) value;
        return copy;
    }
}
