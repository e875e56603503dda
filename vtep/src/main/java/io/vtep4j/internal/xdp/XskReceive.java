package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.vtep4j.internal.afpacket.RingSink;

/**
 * The receive side of an XDP socket: the first half of the UMEM holds the receive chunks, handed to the kernel through
 * the fill ring; each frame the kernel puts on the receive ring goes to the sink in place and its chunk straight back
 * to the fill ring. No allocation, no system call. A descriptor pointing outside the receive half is counted and
 * skipped (its chunk, if any, is lost).
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
        long mask = ~(long) (chunkSize - 1);
        long rxEnd = (long) chunks * chunkSize;
        int start = rx.next();
        int fillStart = fill.next();
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            int slot = rx.slot(start + i);
            long addr = ring.getLongLE(slot);
            int length = ring.getIntLE(slot + 8);
            long chunk = addr & mask;
            if (chunk < 0 || chunk >= rxEnd || length < 0 || addr + length > chunk + chunkSize) {
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

    /** Frames handed to the sink so far. */
    long received() {
        return received;
    }

    /** Descriptors that pointed outside the receive half of the UMEM. */
    long malformed() {
        return malformed;
    }
}
