package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.vtep4j.internal.afpacket.RingSink;

/**
 * The receive side of an XDP socket: the first half of the UMEM holds the receive chunks, handed to the kernel through
 * the fill ring; each frame the kernel puts on the receive ring goes to the sink in place and its chunk straight back
 * to the fill ring. No allocation, no system call. A descriptor pointing outside the receive half is counted and
 * skipped (its chunk, if any, is lost). A batch of two or more frames is passed over twice: first each frame goes to
 * {@link RingSink#readAhead}, then to {@link RingSink#frame}.
 *
 * <p>Threading: the channel's event loop only; the counters are read from any thread (plain longs: a reader may
 * see a slightly old value).
 */
final class XskReceive {
    private final XskSocket socket;
    private final RingSink sink;
    private final int chunkSize;
    private final int chunks;
    private long received;
    private long malformed;
    /** What the read-ahead passes read, folded; kept so that those reads are not optimised away. */
    private long readAheadFold;

    /** The receive half of {@code socket}'s UMEM: {@code chunks} chunks of {@code chunkSize} bytes. */
    XskReceive(XskSocket socket, RingSink sink, int chunkSize, int chunks) {
        this.socket = socket;
        this.sink = sink;
        this.chunkSize = chunkSize;
        this.chunks = chunks;
    }

    /** Gives the kernel every receive chunk through the fill ring (once, before the socket is bound). */
    static void stock(XskSocket socket, int chunkSize, int chunks) {
        XskRing fill = socket.fill;
        int n = fill.reserve(chunks);
        for (int i = 0; i < n; i++) {
            fill.memory().setLongLE(fill.slot(fill.next() + i), (long) i * chunkSize);
        }
        fill.submit(n);
    }

    /** Reads at most {@code budget} frames, handing each to the sink and its chunk back to the fill ring. */
    int receive(int budget) {
        XskRing rx = socket.rx;
        XskRing fill = socket.fill;
        int n = rx.peek(budget);
        n = n == 0 ? 0 : fill.reserve(n);
        ByteBuf ring = rx.memory();
        ByteBuf fillRing = fill.memory();
        ByteBuf umem = socket.umem;
        int start = rx.next();
        int fillStart = fill.next();
        if (n > 1) {
            readAhead(ring, umem, start, n);
        }
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            int slot = rx.slot(start + i);
            long addr = ring.getLongLE(slot);
            int length = ring.getIntLE(slot + 8);
            long chunk = chunk(addr, length);
            if (chunk < 0) {
                malformed++; // not from a sane kernel; its chunk (if any) is lost
                continue;
            }
            delivered++;
            try {
                sink.frame(umem, (int) addr, length, -1, 0x8100);
            } catch (RuntimeException ignored) {
                // the sink must not throw; the rings and the loop survive if it does
            }
            fillRing.setLongLE(fill.slot(fillStart + delivered - 1), chunk);
        }
        if (n > 0) {
            rx.release(n);
            fill.submit(delivered);
            received += delivered;
        }
        return delivered;
    }

    /** The receive chunk a descriptor's frame lies in, or -1 if the frame is not wholly inside one. */
    private long chunk(long addr, int length) {
        long chunk = addr & ~(long) (chunkSize - 1);
        return chunk < 0 || chunk >= (long) chunks * chunkSize || length < 0 || addr + length > chunk + chunkSize
                ? -1
                : chunk;
    }

    /**
     * The first pass over a batch: each sane descriptor's frame goes to {@link RingSink#readAhead}, so that the memory
     * the sink will need for the batch is being read while the next pass delivers the frames.
     */
    private void readAhead(ByteBuf ring, ByteBuf umem, int start, int n) {
        XskRing rx = socket.rx;
        long read = 0;
        for (int i = 0; i < n; i++) {
            int slot = rx.slot(start + i);
            long addr = ring.getLongLE(slot);
            int length = ring.getIntLE(slot + 8);
            if (chunk(addr, length) >= 0) {
                try {
                    read ^= sink.readAhead(umem, (int) addr, length, -1);
                } catch (RuntimeException ignored) {
                    // only a hint; the delivery pass follows
                }
            }
        }
        readAheadFold ^= read;
    }

    /** Frames handed to the sink so far. */
    long received() {
        return received;
    }

    /** Descriptors that pointed outside the receive half of the UMEM. */
    long malformed() {
        return malformed;
    }
}
