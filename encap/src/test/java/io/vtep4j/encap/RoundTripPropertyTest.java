package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.vtep4j.testing.Frames;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Encapsulate-then-decapsulate over random VNIs, VSIDs, FlowIDs and frames gives back exactly what went in. */
class RoundTripPropertyTest {
    private static final int ROUNDS = 2_000;
    private static final long SEED = 0x5eed_7348L;

    @Test
    void vxlanRoundTripsRandomVnisAndFrames() {
        Random random = new Random(SEED);
        for (int i = 0; i < ROUNDS; i++) {
            int vni = random.nextInt(Vni.MAX + 1);
            boolean headroom = random.nextBoolean();
            ByteBuf frame = randomFrame(random, headroom ? VxlanHeader.LENGTH + random.nextInt(64) : 0);
            byte[] inner = Frames.bytes(frame);
            ByteBuf payload = VxlanCodec.DEFAULT.encapsulate(frame, vni);
            try {
                if (headroom) {
                    assertSame(frame, payload, "in place when there is headroom");
                } else {
                    assertNotSame(frame, payload);
                    assertTrue(payload instanceof CompositeByteBuf, "no headroom: header + frame, frame not copied");
                }
                assertEquals(inner.length + VxlanHeader.LENGTH, payload.readableBytes());
                assertEquals(vni, VxlanCodec.DEFAULT.decapsulate(payload), "seed " + SEED + " round " + i);
                assertArrayEquals(inner, Frames.bytes(payload), "round " + i);
            } finally {
                payload.release();
            }
        }
    }

    @Test
    void nvgreAndGreInUdpRoundTripRandomVsidsFlowIdsAndFrames() {
        Random random = new Random(SEED + 1);
        for (int i = 0; i < ROUNDS; i++) {
            int vsid = 0x1000 + random.nextInt(0xFFFFFF - 0x1000); // unreserved: 0x1000..0xFFFFFE
            int flowId = random.nextInt(256);
            boolean headroom = random.nextBoolean();
            ByteBuf frame = randomFrame(random, headroom ? GreHeader.NVGRE_LENGTH : random.nextInt(8));
            byte[] inner = Frames.bytes(frame);
            ByteBuf gre = NvgreCodec.DEFAULT.encapsulate(frame, vsid, flowId);
            try {
                assertEquals(headroom, gre == frame);
                long key = NvgreCodec.DEFAULT.decapsulate(gre);
                assertEquals(vsid, (int) (key >>> 8), "round " + i);
                assertEquals(flowId, (int) (key & 0xFF), "round " + i);
                assertArrayEquals(inner, Frames.bytes(gre));
            } finally {
                gre.release();
            }
        }
    }

    @Test
    void directBuffersRoundTripInPlaceToo() {
        Random random = new Random(SEED + 2);
        for (int i = 0; i < 200; i++) {
            ByteBuf frame = ByteBufAllocator.DEFAULT.directBuffer(2048);
            frame.writerIndex(64).readerIndex(64);
            byte[] bytes = new byte[14 + random.nextInt(1500)];
            random.nextBytes(bytes);
            bytes[12] = 0x08; // untagged IPv4
            bytes[13] = 0x00;
            frame.writeBytes(bytes);
            int vni = random.nextInt(Vni.MAX + 1);
            ByteBuf payload = VxlanCodec.DEFAULT.encapsulate(frame, vni);
            try {
                assertSame(frame, payload);
                assertEquals(vni, VxlanCodec.DEFAULT.decapsulate(payload));
                assertArrayEquals(bytes, Frames.bytes(payload));
            } finally {
                payload.release();
            }
        }
    }

    @Test
    void innerVlanTagIsStrippedOnSendByDefaultAndKeptWhenConfigured() {
        Random random = new Random(SEED + 3);
        for (int i = 0; i < 200; i++) {
            int vlan = 1 + random.nextInt(4094);
            ByteBuf untagged = randomFrame(random, 16);
            byte[] expected = Frames.bytes(untagged);
            ByteBuf tagged = Ethernet.pushVlanTag(untagged, vlan);

            ByteBuf kept =
                    VxlanCodec.builder().stripInnerVlan(false).build().encapsulate(Frames.of(Frames.bytes(tagged)), 7);
            ByteBuf stripped = random.nextBoolean()
                    ? VxlanCodec.DEFAULT.encapsulate(tagged, 7)
                    : NvgreCodec.DEFAULT.encapsulate(tagged, 0x1000, 0);
            try {
                stripped.skipBytes(8);
                assertArrayEquals(expected, Frames.bytes(stripped), "tag removed, frame otherwise intact");
                kept.skipBytes(8);
                assertEquals(vlan, Ethernet.vlanId(kept, kept.readerIndex()));
            } finally {
                stripped.release();
                kept.release();
            }
        }
    }

    @Test
    void randomBytesNeverThrowAndFailuresLeaveTheBufferUntouched() {
        Random random = new Random(SEED + 4);
        VxlanCodec strict =
                VxlanCodec.builder().strictReserved(true).acceptInnerVlan(true).build();
        for (int i = 0; i < 8_000; i++) {
            byte[] bytes = new byte[random.nextInt(40)];
            random.nextBytes(bytes);
            if (bytes.length >= 8 && random.nextBoolean()) {
                // Bias towards headers that pass the first checks, so the later rules are reached too.
                int[] firsts = {0x08000000, 0x20006558, 0x08000001, 0x2000655f, 0x0c000000, 0x30006558};
                int first = firsts[random.nextInt(firsts.length)];
                bytes[0] = (byte) (first >>> 24);
                bytes[1] = (byte) (first >>> 16);
                bytes[2] = (byte) (first >>> 8);
                bytes[3] = (byte) first;
            }
            ByteBuf buf = Frames.of(bytes);
            try {
                for (VxlanCodec codec : new VxlanCodec[] {VxlanCodec.DEFAULT, strict}) {
                    int vni = codec.decapsulate(buf);
                    if (vni >= 0) {
                        assertEquals(8, buf.readerIndex(), "round " + i);
                        assertEquals(VxlanHeader.vni(buf, 0), vni);
                        buf.readerIndex(0);
                    } else {
                        assertNotNull(DropReason.fromCodeOrNull(vni));
                        assertEquals(0, buf.readerIndex());
                    }
                }
                long key = NvgreCodec.DEFAULT.decapsulate(buf);
                if (key >= 0) {
                    assertEquals(8, buf.readerIndex(), "round " + i);
                    assertEquals(buf.getUnsignedInt(4), key);
                } else {
                    assertNotNull(DropReason.fromCodeOrNull(key));
                    assertEquals(0, buf.readerIndex());
                }
            } finally {
                buf.release();
            }
        }
    }

    private static ByteBuf randomFrame(Random random, int headroom) {
        long dst = random.nextLong() & Ethernet.MAC_MASK;
        long src = random.nextLong() & Ethernet.MAC_MASK & ~Ethernet.GROUP_BIT;
        int[] types = {Ethernet.TYPE_IPV4, Ethernet.TYPE_IPV6, Ethernet.TYPE_ARP, 0x88CC};
        return Frames.frame(headroom, dst, src, types[random.nextInt(types.length)], random.nextInt(1500), random);
    }
}
