package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * Bit by bit: every bit of every flow field changes {@link FlowHash#hash}, and bytes that are not flow data (TTL,
 * checksum, IPv4 id, IP options, payload, later-fragment "ports") do not. Covers untagged, 802.1Q-tagged, IPv4 with
 * options and IPv6 frames, so each read path of the hash is exercised.
 */
class FlowHashFieldsTest {
    private static final int FRAME_LENGTH = 96;
    private static final int TCP = 6;

    @Test
    void everyBitOfAnUntaggedIpv4FlowCounts() {
        byte[] frame = ipv4(false, 5, 0);
        int l3 = 14;
        assertFlowBits(frame, range(0, 14), "MACs and EtherType");
        assertFlowBits(frame, range(l3 + 9, l3 + 10), "protocol");
        assertFlowBits(frame, range(l3 + 12, l3 + 20), "addresses");
        assertFlowBits(frame, range(l3 + 20, l3 + 24), "ports");
        assertNotFlow(
                frame,
                new int[] {l3 + 4, l3 + 5, l3 + 8, l3 + 10, l3 + 11, l3 + 30, FRAME_LENGTH - 1},
                "id, TTL, checksum, payload");
    }

    @Test
    void everyBitOfATaggedIpv4FlowCountsWithTheEtherTypeAfterTheTag() {
        byte[] frame = ipv4(true, 5, 0);
        int l3 = 18;
        assertFlowBits(frame, range(0, 12), "MACs");
        assertFlowBits(frame, range(16, 18), "EtherType after the tag");
        assertFlowBits(frame, range(l3 + 9, l3 + 10), "protocol");
        assertFlowBits(frame, range(l3 + 12, l3 + 20), "addresses");
        assertFlowBits(frame, range(l3 + 20, l3 + 24), "ports");
        assertNotFlow(frame, new int[] {l3 + 8, l3 + 10, l3 + 30}, "TTL, checksum, payload");
    }

    @Test
    void portsAfterIpv4OptionsCountAndTheOptionsDoNot() {
        byte[] frame = ipv4(false, 6, 0);
        int l3 = 14;
        assertFlowBits(frame, range(l3 + 12, l3 + 20), "addresses");
        assertFlowBits(frame, range(l3 + 24, l3 + 28), "ports after a 4-byte option");
        assertNotFlow(frame, range(l3 + 20, l3 + 24), "options");
    }

    @Test
    void laterFragmentsHashWithoutPorts() {
        byte[] frame = ipv4(false, 5, 0x20); // MF set: the L4 header may be absent from other fragments
        assertFlowBits(frame, range(14 + 12, 14 + 20), "addresses");
        assertNotFlow(frame, range(14 + 20, 14 + 24), "bytes where ports would be");
    }

    @Test
    void everyBitOfAnIpv6FlowCounts() {
        byte[] frame = new byte[FRAME_LENGTH];
        writeMacsAndType(frame, false, Ethernet.TYPE_IPV6);
        int l3 = 14;
        frame[l3] = 0x60;
        frame[l3 + 1] = 0x0A; // traffic class low nibble (not flow data) | flow label high nibble
        frame[l3 + 2] = 0x12;
        frame[l3 + 3] = 0x34;
        frame[l3 + 5] = 40;
        frame[l3 + 6] = TCP;
        frame[l3 + 7] = 64;
        for (int i = 0; i < 32; i++) {
            frame[l3 + 8 + i] = (byte) (0x20 + i);
        }
        frame[l3 + 40] = (byte) 0x9C;
        frame[l3 + 41] = 0x40;
        frame[l3 + 43] = 80;
        assertFlowBits(frame, range(0, 14), "MACs and EtherType");
        assertFlowBits(frame, new int[] {l3 + 2, l3 + 3}, "flow label");
        assertFlowBits(frame, range(l3 + 6, l3 + 7), "next header");
        assertFlowBits(frame, range(l3 + 8, l3 + 40), "addresses");
        assertFlowBits(frame, range(l3 + 40, l3 + 44), "ports");
        assertNotFlow(
                frame,
                new int[] {l3 + 4, l3 + 5, l3 + 7, l3 + 50, FRAME_LENGTH - 1},
                "payload length, hop limit, payload");
    }

    /** Flips each bit of each listed byte in turn: the hash must change every time. */
    private static void assertFlowBits(byte[] frame, int[] positions, String field) {
        int base = hash(frame);
        for (int position : positions) {
            for (int bit = 0; bit < 8; bit++) {
                frame[position] ^= (byte) (1 << bit);
                int changed = hash(frame);
                frame[position] ^= (byte) (1 << bit);
                assertNotEquals(base, changed, field + ": byte " + position + " bit " + bit);
            }
        }
        assertEquals(base, hash(frame), "frame restored");
    }

    /** Rewrites each listed byte: the hash must stay the same. */
    private static void assertNotFlow(byte[] frame, int[] positions, String what) {
        int base = hash(frame);
        for (int position : positions) {
            byte saved = frame[position];
            frame[position] = (byte) ~saved;
            assertEquals(base, hash(frame), what + ": byte " + position);
            frame[position] = saved;
        }
    }

    private static int hash(byte[] frame) {
        // A plain wrapped array (no pooling, no leak tracking); a non-zero readerIndex checks offsets are relative.
        byte[] padded = new byte[frame.length + 3];
        System.arraycopy(frame, 0, padded, 3, frame.length);
        return FlowHash.hash(Unpooled.wrappedBuffer(padded).readerIndex(3));
    }

    /** An IPv4/TCP frame, optionally 802.1Q-tagged, with {@code ihl} 32-bit words of header and the given flags. */
    private static byte[] ipv4(boolean tagged, int ihl, int flags) {
        byte[] frame = new byte[FRAME_LENGTH];
        int l3 = writeMacsAndType(frame, tagged, Ethernet.TYPE_IPV4);
        frame[l3] = (byte) (0x40 | ihl);
        frame[l3 + 3] = (byte) (FRAME_LENGTH - l3);
        frame[l3 + 4] = 0x12; // id
        frame[l3 + 6] = (byte) flags;
        frame[l3 + 8] = 64;
        frame[l3 + 9] = TCP;
        frame[l3 + 10] = 0x5A; // checksum (not checked by the hash)
        for (int i = 0; i < 8; i++) {
            frame[l3 + 12 + i] = (byte) (10 + i); // 10.11.12.13 -> 14.15.16.17
        }
        int l4 = l3 + ihl * 4;
        frame[l4] = (byte) 0x9C;
        frame[l4 + 1] = 0x40; // source port 40000
        frame[l4 + 3] = 80; // destination port 80
        return frame;
    }

    /** Writes MACs, an optional 802.1Q tag (VLAN 100) and {@code type}; returns the L3 offset. */
    private static int writeMacsAndType(byte[] frame, boolean tagged, int type) {
        for (int i = 0; i < 12; i++) {
            frame[i] = (byte) (0x02 + i * 17);
        }
        int index = 12;
        if (tagged) {
            frame[index++] = (byte) 0x81;
            frame[index++] = 0x00;
            frame[index++] = 0x00;
            frame[index++] = 100;
        }
        frame[index++] = (byte) (type >>> 8);
        frame[index++] = (byte) type;
        return index;
    }

    private static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) {
            out[i] = from + i;
        }
        return out;
    }
}
