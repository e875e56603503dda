package io.vtep4j.internal.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import io.vtep4j.internal.libc.LibC;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a transmit batch does when the kernel takes some frames and refuses others. */
class TxBatchTest {

    private static final int BATCH = 8;

    /**
     * A kernel stand-in: takes frames in order, records the first payload byte of each, and answers with a negative
     * errno at the frames listed in {@code refuse} (each refused once, as sendmmsg does: the frames before it in the
     * same call count as sent, the refused one is reported by the next call).
     */
    private static final class FakeKernel implements TxBatch.Send {
        final List<Integer> sent = new ArrayList<>();
        final Set<Integer> refuse;
        final int errno;
        int calls;
        int position; // frames offered so far in this batch, by index in the vector

        FakeKernel(Set<Integer> refuse, int errno) {
            this.refuse = refuse;
            this.errno = errno;
        }

        @Override
        public int sendmmsg(int fd, long vector, int count) {
            calls++;
            int taken = 0;
            for (int i = 0; i < count; i++) {
                long header = vector + i * 64L;
                long iov = PlatformDependent.getLong(header + 16);
                int marker = PlatformDependent.getByte(PlatformDependent.getLong(iov) + 14) & 0xFF;
                if (refuse.contains(marker)) {
                    if (taken > 0) {
                        return taken;
                    }
                    refuse.remove(marker);
                    return -errno;
                }
                sent.add(marker);
                taken++;
            }
            return taken;
        }
    }

    private static ByteBuf frame(int marker) {
        ByteBuf frame = UnpooledByteBufAllocator.DEFAULT.directBuffer(64);
        frame.writeZero(14);
        frame.writeByte(marker);
        frame.writeZero(64 - 15);
        return frame;
    }

    private static TxBatch batch(FakeKernel kernel) {
        return new TxBatch(kernel, 3, UnpooledByteBufAllocator.DEFAULT, BATCH, 256);
    }

    @Test
    void aFrameTheDeviceRefusesIsCountedAndTheRestOfTheBatchStillGoes() {
        FakeKernel kernel = new FakeKernel(new HashSet<>(Set.of(2, 5)), LibC.ENOBUFS);
        TxBatch tx = batch(kernel);
        try {
            for (int i = 0; i < BATCH; i++) {
                tx.queue(frame(i), -1); // the eighth fills the vector and flushes
            }
            assertEquals(0, tx.pending());
            assertEquals(List.of(0, 1, 3, 4, 6, 7), kernel.sent);
            assertEquals(6, tx.sent());
            assertEquals(2, tx.failed());
        } finally {
            tx.release();
        }
    }

    @Test
    void aFullSocketBufferEndsTheBatchAndCountsWhatWasLeft() {
        FakeKernel kernel = new FakeKernel(new HashSet<>(Set.of(3)), LibC.EAGAIN);
        TxBatch tx = batch(kernel);
        try {
            for (int i = 0; i < 5; i++) {
                tx.queue(frame(i), -1);
            }
            assertEquals(2, tx.flush());
            assertEquals(List.of(0, 1, 2), kernel.sent);
            assertEquals(3, tx.sent());
            assertEquals(2, tx.failed());
        } finally {
            tx.release();
        }
    }

    @Test
    void aRefusalOnEveryFrameEndsAfterOneCallPerFrame() {
        FakeKernel kernel = new FakeKernel(new HashSet<>(Set.of(0, 1, 2, 3, 4, 5, 6, 7)), LibC.ENOBUFS);
        TxBatch tx = batch(kernel);
        try {
            for (int i = 0; i < BATCH; i++) {
                tx.queue(frame(i), -1);
            }
            assertEquals(List.of(), kernel.sent);
            assertEquals(BATCH, tx.failed());
            assertEquals(BATCH, kernel.calls);
        } finally {
            tx.release();
        }
    }
}
