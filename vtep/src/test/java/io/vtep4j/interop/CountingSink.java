package io.vtep4j.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.internal.afpacket.RingSink;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A ring sink for the trunk channel tests: counts the test's own frames (source MAC 02:af:..., built by
 * {@link #frame}) and records, for the last one, the tag the channel reported and what the frame itself holds behind
 * the MACs (EtherType, the next two bytes, the length), so a test can tell a tag the kernel took out of the frame
 * from one left in it.
 */
final class CountingSink implements RingSink {
    final AtomicLong frames = new AtomicLong();
    /** The VLAN TCI reported beside the frame, -1 for none; -2 until a frame arrived. */
    volatile int lastTci = -2;
    /** The EtherType (or TPID) right after the MACs. */
    volatile int lastEtherType;
    /** The two bytes after that EtherType: the TCI when the frame itself carries a tag. */
    volatile int lastInnerTci = -1;

    volatile int lastLength;

    @Override
    public void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid) {
        if (length >= 14 && ring.getShort(offset + 6) == (short) 0x02AF) {
            lastTci = vlanTci;
            lastEtherType = ring.getUnsignedShort(offset + 12);
            lastInnerTci = length >= 16 ? ring.getUnsignedShort(offset + 14) : -1;
            lastLength = length;
            frames.incrementAndGet();
        }
    }

    @Override
    public void batchEnd() {}

    /** A 60-byte broadcast frame from 02:af:00:00:00:{@code i} with a local experimental EtherType (0x88B5). */
    static ByteBuf frame(int i) {
        ByteBuf f = ByteBufAllocator.DEFAULT.directBuffer(60);
        f.writeLong(0xFFFF_FFFF_FFFF_02AFL).writeInt(i).writeShort(0x88B5);
        f.writeZero(60 - f.readableBytes());
        return f;
    }
}
