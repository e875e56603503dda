package io.vtep4j.encap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vtep4j.testing.Frames;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

/**
 * The hash reads a direct buffer through its address and any other buffer through its accessors: the value must be
 * the same for the same bytes in every kind of buffer, for every length (each bounds guard), and neighbouring flows
 * must spread over the source ports in direct buffers too.
 */
class FlowHashBuffersTest {

    /** Frames of every kind the hash parses, cut to every length from 0 to the whole frame. */
    private static List<byte[]> frames() {
        Random random = new Random(7);
        List<byte[]> out = new ArrayList<>();
        for (int[] shape : new int[][] {{0x0800, 5}, {0x0800, 6}, {0x86DD, 0}, {0x8100, 5}, {0x0806, 0}}) {
            byte[] frame = new byte[96];
            random.nextBytes(frame);
            frame[12] = (byte) (shape[0] >>> 8);
            frame[13] = (byte) shape[0];
            int l3 = 14;
            if (shape[0] == 0x8100) {
                frame[16] = 0x08; // IPv4 after the tag
                frame[17] = 0x00;
                l3 = 18;
            }
            if (shape[1] > 0) {
                frame[l3] = (byte) (0x40 | shape[1]);
                frame[l3 + 6] = 0; // not a fragment
                frame[l3 + 7] = 0;
                frame[l3 + 9] = 17; // UDP
            } else if (shape[0] == 0x86DD) {
                frame[l3] = 0x60;
                frame[l3 + 6] = 6; // TCP
            }
            for (int length = 0; length <= frame.length; length++) {
                byte[] cut = new byte[length];
                System.arraycopy(frame, 0, cut, 0, length);
                out.add(cut);
            }
        }
        return out;
    }

    private static int hashIn(byte[] bytes, IntFunction<ByteBuf> allocate) {
        ByteBuf buf = allocate.apply(bytes.length + 5);
        try {
            buf.writeZero(5).readerIndex(5); // a non-zero readerIndex: reads are relative to it
            buf.writeBytes(bytes);
            buf.writeLong(-1L).writerIndex(buf.writerIndex() - 8); // bytes past writerIndex must not count
            return FlowHash.hash(buf);
        } finally {
            buf.release();
        }
    }

    @Test
    void theSameBytesHashTheSameInEveryKindOfBuffer() {
        PooledByteBufAllocator pooled = new PooledByteBufAllocator(true);
        UnpooledByteBufAllocator unpooled = new UnpooledByteBufAllocator(true);
        int direct = 0;
        for (byte[] frame : frames()) {
            int heap = FlowHash.hash(Unpooled.wrappedBuffer(frame));
            assertEquals(heap, hashIn(frame, n -> pooled.directBuffer(n + 8)), "pooled direct, length " + frame.length);
            assertEquals(heap, hashIn(frame, n -> unpooled.directBuffer(n + 8)), "unpooled direct");
            assertEquals(heap, hashIn(frame, n -> pooled.heapBuffer(n + 8)), "pooled heap");
            ByteBuf d = pooled.directBuffer(frame.length + 16).writeZero(3).writeBytes(frame);
            try {
                direct += d.hasMemoryAddress() ? 1 : 0;
                ByteBuf slice = d.slice(3, frame.length);
                assertEquals(heap, FlowHash.hash(slice), "slice");
                assertEquals(heap, FlowHash.hash(slice.asReadOnly()), "read-only view");
                assertEquals(heap, FlowHash.hash(d.duplicate().readerIndex(3)), "duplicate");
                CompositeByteBuf composite = Unpooled.compositeBuffer();
                composite.addComponent(true, d.retainedSlice(3, frame.length / 2));
                composite.addComponent(true, d.retainedSlice(3 + frame.length / 2, frame.length - frame.length / 2));
                assertEquals(heap, FlowHash.hash(composite), "composite");
                composite.release();
            } finally {
                d.release();
            }
        }
        assertTrue(direct > 0, "no direct buffer had an address: the unchecked path was not exercised");
    }

    @Test
    void neighbouringFlowsSpreadOverSourcePortsInADirectBuffer() {
        ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(64);
        ByteBuf template = Frames.ipv4Udp(0, 64, 0x0a000001, 0x0a000002, 0, 443);
        frame.writeBytes(template);
        template.release();
        try {
            int flows = 32_768;
            // three kinds of neighbours: sequential source ports, sequential destination addresses, sequential MACs
            for (int kind = 0; kind < 3; kind++) {
                long[] buckets = new long[64];
                for (int i = 0; i < flows; i++) {
                    if (kind == 0) {
                        frame.setShort(34, 1024 + i);
                    } else if (kind == 1) {
                        frame.setInt(30, 0x0a010000 + i);
                    } else {
                        frame.setInt(2, i);
                    }
                    buckets[(FlowHash.sourcePort(FlowHash.hash(frame)) - 49152) * 64 / 16384]++;
                }
                double chi2 = 0;
                double expected = flows / 64.0;
                for (long b : buckets) {
                    chi2 += (b - expected) * (b - expected) / expected;
                }
                // 63 degrees of freedom: mean 63, sd ~11.2
                assertTrue(chi2 < 150, "kind " + kind + ": chi2 " + chi2);
            }
        } finally {
            frame.release();
        }
    }
}
