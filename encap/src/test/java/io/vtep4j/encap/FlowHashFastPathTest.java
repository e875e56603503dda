package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The hash reads the common frame (untagged, option-less, unfragmented IPv4 carrying TCP, UDP or SCTP, in a buffer
 * with a memory address) through a shortcut of fixed-offset reads. The shortcut must give exactly what the general
 * code gives for the same bytes (a heap buffer always takes the general code), near misses of each of its conditions
 * included, and random flows hashed through it must spread evenly over source ports and FlowIDs.
 */
class FlowHashFastPathTest {
    private static final int LEAD = 3;

    /**
     * A direct buffer without leak tracking (PARANOID tracking would record a stack trace on every access), holding
     * junk, then {@code frame} between readerIndex and writerIndex, then more junk.
     */
    private static ByteBuf direct(byte[] frame, byte junk) {
        ByteBuffer memory = ByteBuffer.allocateDirect(LEAD + frame.length + 16);
        for (int i = 0; i < memory.capacity(); i++) {
            memory.put(i, junk);
        }
        memory.position(LEAD);
        memory.put(frame);
        return Unpooled.wrappedBuffer(memory.clear()).setIndex(LEAD, LEAD + frame.length);
    }

    private static int pick(Random random, int... choices) {
        return choices[random.nextInt(choices.length)];
    }

    /**
     * Mode 0 or 1: a frame the shortcut takes (DF and the reserved flag may be set: they do not make a fragment);
     * mode 2: the same with exactly one of its conditions just missed; mode 3: random bytes of random length.
     */
    private static byte[] frame(Random random, int mode) {
        if (mode == 3) {
            byte[] frame = new byte[random.nextInt(97)];
            random.nextBytes(frame);
            return frame;
        }
        int miss = mode == 2 ? random.nextInt(5) : -1;
        byte[] frame = new byte[miss == 4 ? 24 + random.nextInt(14) : 38 + random.nextInt(59)];
        random.nextBytes(frame);
        int type = miss == 0 ? pick(random, 0x86DD, 0x8100, 0x88A8, 0x0806, 0x0801, 0x0900) : 0x0800;
        frame[12] = (byte) (type >>> 8);
        frame[13] = (byte) type;
        frame[14] = (byte) (miss == 1 ? pick(random, 0x46, 0x44, 0x55, 0x35, 0x4F, 0x65) : 0x45);
        int fragment =
                miss == 2 ? pick(random, 0x2000, 0x0001, 0x0100, 0x1FFF, 0x3FFF) : pick(random, 0, 0x4000, 0x8000);
        frame[20] = (byte) (fragment >>> 8);
        frame[21] = (byte) fragment;
        frame[23] = (byte) (miss == 3 ? pick(random, 0, 1, 5, 7, 16, 18, 58, 131, 133) : pick(random, 6, 17, 132));
        return frame;
    }

    @Test
    void theShortcutAndTheGeneralCodeAgreeOnRandomFramesAndNearMisses() {
        Random random = new Random(11);
        int shortcut = 0;
        int frames = 20_000;
        for (int n = 0; n < frames; n++) {
            byte[] frame = frame(random, random.nextInt(4));
            boolean plain = frame.length >= 38
                    && (frame[12] & 0xFF) == 0x08
                    && frame[13] == 0
                    && (frame[14] & 0xFF) == 0x45
                    && (frame[20] & 0x3F) == 0
                    && frame[21] == 0;
            int protocol = frame.length > 23 ? frame[23] & 0xFF : -1;
            if (plain && (protocol == 6 || protocol == 17 || protocol == 132)) {
                shortcut++;
            }
            ByteBuf viaAddress = direct(frame, (byte) random.nextInt());
            assertTrue(viaAddress.hasMemoryAddress(), "no memory address: the shortcut was not exercised");
            int expected = FlowHash.hash(Unpooled.wrappedBuffer(frame));
            assertEquals(expected, FlowHash.hash(viaAddress), () -> "frame " + ByteBufUtil.hexDump(frame));
            assertEquals(LEAD, viaAddress.readerIndex());
            assertEquals(LEAD + frame.length, viaAddress.writerIndex());
        }
        assertTrue(shortcut > frames * 2 / 5 && shortcut < frames * 3 / 5, "frames for the shortcut: " + shortcut);
    }

    @Test
    void randomFlowsThroughTheShortcutSpreadOverSourcePortsAndFlowIds() {
        Random random = new Random(5);
        byte[] frame = new byte[64];
        for (int i = 0; i < 12; i++) {
            frame[i] = (byte) (0x02 + i); // one pair of MACs (two routers), as between two sites
        }
        frame[12] = 0x08;
        frame[14] = 0x45;
        ByteBuf buf = direct(frame, (byte) 0);
        int flows = 65_536;
        int buckets = 64;
        long[] ports = new long[buckets];
        long[] flowIds = new long[buckets];
        Set<Integer> distinct = new HashSet<>();
        for (int i = 0; i < flows; i++) {
            buf.setByte(LEAD + 23, random.nextBoolean() ? 6 : 17);
            buf.setInt(LEAD + 26, random.nextInt()); // source address
            buf.setInt(LEAD + 30, random.nextInt()); // destination address
            buf.setInt(LEAD + 34, random.nextInt()); // both ports
            int hash = FlowHash.hash(buf);
            distinct.add(hash);
            ports[(FlowHash.sourcePort(hash) - FlowHash.DEFAULT_SOURCE_PORT_MIN) * buckets / 16384]++;
            flowIds[FlowHash.flowId(hash) * buckets / 256]++;
        }
        // Chi-square with 63 degrees of freedom: mean 63, sd ~11.2; 150 is ~7.7 sd, loose enough never to flake
        // with the fixed seed, tight enough to catch a hash that uses only part of its input.
        double portsChi2 = FlowHashTest.chiSquare(ports, flows);
        double flowIdsChi2 = FlowHashTest.chiSquare(flowIds, flows);
        assertTrue(portsChi2 < 150, "source ports chi2 " + portsChi2);
        assertTrue(flowIdsChi2 < 150, "FlowIDs chi2 " + flowIdsChi2);
        // 65,536 random flows in 2^32 values: about half a collision expected.
        assertTrue(distinct.size() > flows - 16, "distinct hashes " + distinct.size());
    }
}
