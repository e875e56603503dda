package io.vtep4j.internal.afpacket;

import static io.vtep4j.internal.afpacket.RingLayout.BLOCK_NUM_PKTS;
import static io.vtep4j.internal.afpacket.RingLayout.BLOCK_OFFSET_TO_FIRST_PKT;
import static io.vtep4j.internal.afpacket.RingLayout.BLOCK_STATUS;
import static io.vtep4j.internal.afpacket.RingLayout.PACKET_OUTGOING;
import static io.vtep4j.internal.afpacket.RingLayout.SLL_PKTTYPE;
import static io.vtep4j.internal.afpacket.RingLayout.TPID_8021Q;
import static io.vtep4j.internal.afpacket.RingLayout.TP_HEADER_LENGTH;
import static io.vtep4j.internal.afpacket.RingLayout.TP_LEN;
import static io.vtep4j.internal.afpacket.RingLayout.TP_MAC;
import static io.vtep4j.internal.afpacket.RingLayout.TP_NEXT_OFFSET;
import static io.vtep4j.internal.afpacket.RingLayout.TP_SNAPLEN;
import static io.vtep4j.internal.afpacket.RingLayout.TP_STATUS;
import static io.vtep4j.internal.afpacket.RingLayout.TP_STATUS_KERNEL;
import static io.vtep4j.internal.afpacket.RingLayout.TP_STATUS_USER;
import static io.vtep4j.internal.afpacket.RingLayout.TP_STATUS_VLAN_TPID_VALID;
import static io.vtep4j.internal.afpacket.RingLayout.TP_STATUS_VLAN_VALID;
import static io.vtep4j.internal.afpacket.RingLayout.TP_VLAN_TCI;
import static io.vtep4j.internal.afpacket.RingLayout.TP_VLAN_TPID;

import io.netty.buffer.ByteBuf;
import java.lang.invoke.VarHandle;

/**
 * Reads a {@code TPACKET_V3} receive ring: walks the blocks the kernel has retired to user space
 * ({@code block_status & TP_STATUS_USER}) in ring order, hands each frame to a {@link RingSink}, and returns each block
 * to the kernel ({@code TP_STATUS_KERNEL}) once its frames are read. Works on any {@link ByteBuf} view of the ring,
 * so tests drive it with synthetic ring memory.
 *
 * <p>Checks, each counted, never thrown: a frame cut short by the ring's frame size ({@code tp_snaplen < tp_len},
 * {@link #truncated()}), a frame header that points outside its block ({@link #malformed()}: the rest of that block
 * is skipped), and this host's own transmissions ({@code PACKET_OUTGOING}, skipped silently: the socket asks the
 * kernel not to deliver them, this catches kernels that do anyway).
 *
 * <p>A block of two or more frames is walked twice: first each frame goes to {@link RingSink#readAhead} (so that the
 * sink can start the table reads the whole block will need), then to {@link RingSink#frame}.
 *
 * <p>Bounded: one call reads whole blocks until at least {@code frameBudget} frames were delivered or no retired
 * block is left, and at most every block once. Not thread-safe: the event loop only.
 */
final class RxRing {

    private final ByteBuf ring;
    private final int blockSize;
    private final int blockCount;
    private int next;

    private long frames;
    private long truncated;
    private long malformed;
    /** What the read-ahead passes read, folded; kept so that those reads are not optimised away. */
    private long readAheadFold;

    /**
     * @param ring the whole ring, {@code blockCount * blockSize} bytes from index 0
     */
    RxRing(ByteBuf ring, int blockSize, int blockCount) {
        if ((long) blockSize * blockCount > ring.capacity()) {
            throw new IllegalArgumentException("ring: " + ring.capacity() + " bytes (expected: at least "
                    + ((long) blockSize * blockCount) + " for " + blockCount + " blocks of " + blockSize + ")");
        }
        this.ring = ring;
        this.blockSize = blockSize;
        this.blockCount = blockCount;
    }

    /** Reads retired blocks (see class doc); returns the frames delivered. */
    int read(RingSink sink, int frameBudget) {
        int delivered = 0;
        for (int blocks = 0; blocks < blockCount && delivered < frameBudget; blocks++) {
            int block = next * blockSize;
            if ((ring.getIntLE(block + BLOCK_STATUS) & TP_STATUS_USER) == 0) {
                break;
            }
            VarHandle.acquireFence(); // read the frames only after seeing the block handed over
            delivered += readBlock(sink, block);
            VarHandle.releaseFence(); // every read of the block done before the kernel may write it again
            ring.setIntLE(block + BLOCK_STATUS, TP_STATUS_KERNEL);
            next = next + 1 == blockCount ? 0 : next + 1;
        }
        return delivered;
    }

    private int readBlock(RingSink sink, int block) {
        int count = ring.getIntLE(block + BLOCK_NUM_PKTS);
        int offset = ring.getIntLE(block + BLOCK_OFFSET_TO_FIRST_PKT);
        int end = block + blockSize;
        if (count > 1) {
            readAhead(sink, block, count, offset, end);
        }
        int delivered = 0;
        for (int i = 0; i < count; i++) {
            int header = block + offset;
            if (!inBlock(offset, header, end)) {
                malformed++;
                return delivered;
            }
            int snap = ring.getIntLE(header + TP_SNAPLEN);
            int mac = ring.getUnsignedShortLE(header + TP_MAC);
            if (deliver(sink, header, mac, snap)) {
                delivered++;
            }
            int step = ring.getIntLE(header + TP_NEXT_OFFSET);
            if (step <= 0 && i + 1 < count) {
                malformed++;
                return delivered;
            }
            offset += step;
        }
        return delivered;
    }

    /**
     * The first pass over a block: each frame {@link #deliver} would hand on goes to {@link RingSink#readAhead}
     * first, with the same checks (a malformed header ends the pass; the delivery pass counts it).
     */
    private void readAhead(RingSink sink, int block, int count, int offset, int end) {
        long read = 0;
        for (int i = 0; i < count; i++) {
            int header = block + offset;
            if (!inBlock(offset, header, end)) {
                break;
            }
            if ((ring.getByte(header + SLL_PKTTYPE) & 0xFF) != PACKET_OUTGOING) {
                int status = ring.getIntLE(header + TP_STATUS);
                int tci = (status & TP_STATUS_VLAN_VALID) != 0 ? ring.getIntLE(header + TP_VLAN_TCI) & 0xFFFF : -1;
                try {
                    read ^= sink.readAhead(
                            ring,
                            header + ring.getUnsignedShortLE(header + TP_MAC),
                            ring.getIntLE(header + TP_SNAPLEN),
                            tci);
                } catch (RuntimeException ignored) {
                    // only a hint; the delivery pass follows
                }
            }
            offset += ring.getIntLE(header + TP_NEXT_OFFSET);
        }
        readAheadFold ^= read;
    }

    /**
     * Whether the frame header {@code offset} bytes into its block, at {@code header} in the ring, lies inside the
     * block, and so do the frame bytes it points to (the block ends at {@code end}).
     */
    private boolean inBlock(int offset, int header, int end) {
        if (offset < 0 || offset > blockSize - TP_HEADER_LENGTH) {
            return false;
        }
        int snap = ring.getIntLE(header + TP_SNAPLEN);
        int mac = ring.getUnsignedShortLE(header + TP_MAC);
        return snap >= 0 && mac >= TP_HEADER_LENGTH && (long) header + mac + snap <= end;
    }

    private boolean deliver(RingSink sink, int header, int mac, int snap) {
        if ((ring.getByte(header + SLL_PKTTYPE) & 0xFF) == PACKET_OUTGOING) {
            return false;
        }
        if (snap < ring.getIntLE(header + TP_LEN)) {
            truncated++;
            return false;
        }
        int status = ring.getIntLE(header + TP_STATUS);
        int tci = -1;
        int tpid = TPID_8021Q;
        if ((status & TP_STATUS_VLAN_VALID) != 0) {
            tci = ring.getIntLE(header + TP_VLAN_TCI) & 0xFFFF;
            if ((status & TP_STATUS_VLAN_TPID_VALID) != 0) {
                tpid = ring.getUnsignedShortLE(header + TP_VLAN_TPID);
            }
        }
        frames++;
        try {
            sink.frame(ring, header + mac, snap, tci, tpid);
        } catch (RuntimeException ignored) {
            // The sink must not throw; the ring and the loop survive if it does.
        }
        return true;
    }

    /** Frames delivered so far. */
    long frames() {
        return frames;
    }

    /** Frames longer than the ring's frame size, dropped rather than delivered cut short. */
    long truncated() {
        return truncated;
    }

    /** Blocks whose frame chain pointed outside the block (not seen from a sane kernel). */
    long malformed() {
        return malformed;
    }
}
