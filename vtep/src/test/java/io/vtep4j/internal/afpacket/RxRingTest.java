package io.vtep4j.internal.afpacket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link RxRing} over synthetic TPACKET_V3 ring memory laid out as the kernel writes it. */
class RxRingTest {
    private static final int BLOCK = 4096;
    private static final int BLOCKS = 4;

    private final ByteBuf ring = Unpooled.buffer(BLOCK * BLOCKS);
    private final Sink sink = new Sink();

    @AfterEach
    void release() {
        ring.release();
    }

    /** What the sink saw: one line per frame, and batch ends. */
    private static final class Sink implements RingSink {
        final List<String> frames = new ArrayList<>();
        /** Everything the sink saw in order: read-ahead hints ("ahead ...") and frames. */
        final List<String> calls = new ArrayList<>();

        @Override
        public void frame(ByteBuf r, int offset, int length, int vlanTci, int vlanTpid) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < length; i++) {
                text.append(Integer.toHexString(r.getByte(offset + i) & 0xFF));
            }
            frames.add(text + (vlanTci < 0 ? "" : " tci=" + vlanTci + " tpid=" + Integer.toHexString(vlanTpid)));
            calls.add(frames.get(frames.size() - 1));
        }

        @Override
        public long readAhead(ByteBuf r, int offset, int length, int vlanTci) {
            calls.add("ahead " + Integer.toHexString(r.getByte(offset) & 0xFF) + "/" + length
                    + (vlanTci < 0 ? "" : " tci=" + vlanTci));
            return 1;
        }

        @Override
        public void batchEnd() {}
    }

    /** A frame as the kernel stores it: status bits, VLAN fields, packet type, bytes; snaplen &lt; len if cut. */
    private record Frame(int status, int tci, int tpid, int pktType, byte[] bytes, int wireLength) {
        static Frame of(int... bytes) {
            byte[] b = new byte[bytes.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) bytes[i];
            }
            return new Frame(RingLayout.TP_STATUS_USER, 0, 0, 0, b, b.length);
        }

        Frame vlan(int vlanTci) {
            return new Frame(status | RingLayout.TP_STATUS_VLAN_VALID, vlanTci, tpid, pktType, bytes, wireLength);
        }

        Frame tpid(int t) {
            return new Frame(status | RingLayout.TP_STATUS_VLAN_TPID_VALID, tci, t, pktType, bytes, wireLength);
        }

        Frame outgoing() {
            return new Frame(status, tci, tpid, RingLayout.PACKET_OUTGOING, bytes, wireLength);
        }

        Frame cut(int onTheWire) {
            return new Frame(status | RingLayout.TP_STATUS_COPY, tci, tpid, pktType, bytes, onTheWire);
        }
    }

    /** Writes {@code frames} into block {@code index} and hands the block to user space with {@code status}. */
    private void block(int index, int status, Frame... frames) {
        int base = index * BLOCK;
        ring.setZero(base, BLOCK);
        ring.setIntLE(base + RingLayout.BLOCK_NUM_PKTS, frames.length);
        ring.setIntLE(base + RingLayout.BLOCK_OFFSET_TO_FIRST_PKT, RingLayout.BLOCK_HEADER_LENGTH);
        int at = base + RingLayout.BLOCK_HEADER_LENGTH;
        for (int i = 0; i < frames.length; i++) {
            Frame f = frames[i];
            int mac = RingLayout.TP_HEADER_LENGTH + 20 + 2; // sockaddr_ll, then NET_IP_ALIGN as the kernel pads
            int size = (mac + f.bytes().length + 15) & ~15;
            ring.setIntLE(at + RingLayout.TP_NEXT_OFFSET, i + 1 < frames.length ? size : 0);
            ring.setIntLE(at + RingLayout.TP_SNAPLEN, f.bytes().length);
            ring.setIntLE(at + RingLayout.TP_LEN, f.wireLength());
            ring.setIntLE(at + RingLayout.TP_STATUS, f.status());
            ring.setShortLE(at + RingLayout.TP_MAC, mac);
            ring.setIntLE(at + RingLayout.TP_VLAN_TCI, f.tci());
            ring.setShortLE(at + RingLayout.TP_VLAN_TPID, f.tpid());
            ring.setByte(at + RingLayout.SLL_PKTTYPE, f.pktType());
            ring.setBytes(at + mac, f.bytes());
            at += size;
        }
        ring.setIntLE(base + RingLayout.BLOCK_STATUS, status);
    }

    private int status(int index) {
        return ring.getIntLE(index * BLOCK + RingLayout.BLOCK_STATUS);
    }

    @Test
    void deliversTheFramesOfARetiredBlockAndGivesTheBlockBack() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(0, RingLayout.TP_STATUS_USER, Frame.of(1, 2, 3), Frame.of(0xa, 0xb));

        assertEquals(2, rx.read(sink, 100));
        assertEquals(List.of("123", "ab"), sink.frames);
        assertEquals(RingLayout.TP_STATUS_KERNEL, status(0), "block returned to the kernel");
        assertEquals(0, rx.read(sink, 100), "nothing new: the next block is still the kernel's");
        assertEquals(2, rx.frames());
    }

    @Test
    void eachBlockIsReadAheadFrameByFrameBeforeAnyOfItsFramesIsDelivered() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(
                0,
                RingLayout.TP_STATUS_USER,
                Frame.of(1, 2, 3),
                Frame.of(0xa, 0xb).vlan(100),
                Frame.of(5).outgoing());
        block(1, RingLayout.TP_STATUS_USER, Frame.of(6));

        assertEquals(3, rx.read(sink, 100));
        assertEquals(
                List.of("ahead 1/3", "ahead a/2 tci=100", "123", "ab tci=100 tpid=8100", "6"),
                sink.calls,
                "a block of one needs no read-ahead; our own transmissions get none");
    }

    @Test
    void aBlockRetiredByTimeoutIsReadLikeAFullOne() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(0, RingLayout.TP_STATUS_USER | RingLayout.TP_STATUS_BLK_TMO, Frame.of(7));

        assertEquals(1, rx.read(sink, 100));
        assertEquals(List.of("7"), sink.frames);
        assertEquals(RingLayout.TP_STATUS_KERNEL, status(0));
    }

    @Test
    void aTagTheKernelTookOutIsPassedOnWithItsTpid() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(
                0,
                RingLayout.TP_STATUS_USER,
                Frame.of(1).vlan(100),
                Frame.of(2).vlan(0x2000 | 200).tpid(RingLayout.TPID_8021AD),
                Frame.of(3).vlan(0), // priority tag: VID 0
                Frame.of(4)); // tags (if any) inline: tp_vlan_tci is not valid, whatever it holds

        ring.setIntLE(lastFrameHeader(0, 4) + RingLayout.TP_VLAN_TCI, 300);
        rx.read(sink, 100);

        assertEquals(List.of("1 tci=100 tpid=8100", "2 tci=8392 tpid=88a8", "3 tci=0 tpid=8100", "4"), sink.frames);
    }

    @Test
    void framesCutShortAreCountedNotDelivered() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(0, RingLayout.TP_STATUS_USER, Frame.of(1, 2).cut(1500), Frame.of(3));

        assertEquals(1, rx.read(sink, 100));
        assertEquals(List.of("3"), sink.frames);
        assertEquals(1, rx.truncated());
    }

    @Test
    void ourOwnTransmissionsAreSkipped() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(0, RingLayout.TP_STATUS_USER, Frame.of(1).outgoing(), Frame.of(2));

        assertEquals(1, rx.read(sink, 100));
        assertEquals(List.of("2"), sink.frames);
    }

    @Test
    void blocksAreReadInRingOrderAndWrapAround() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        for (int i = 0; i < BLOCKS; i++) {
            block(i, RingLayout.TP_STATUS_USER, Frame.of(i));
        }
        assertEquals(BLOCKS, rx.read(sink, 100));
        block(0, RingLayout.TP_STATUS_USER, Frame.of(9));
        block(2, RingLayout.TP_STATUS_USER, Frame.of(8)); // not next: block 1 is still the kernel's

        assertEquals(1, rx.read(sink, 100));
        assertEquals(List.of("0", "1", "2", "3", "9"), sink.frames);
        assertEquals(RingLayout.TP_STATUS_USER, status(2), "a block out of order waits for its turn");
    }

    @Test
    void oneReadStopsAtTheFrameBudgetOnABlockBoundary() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(0, RingLayout.TP_STATUS_USER, Frame.of(1), Frame.of(2));
        block(1, RingLayout.TP_STATUS_USER, Frame.of(3));

        assertEquals(2, rx.read(sink, 1), "the whole first block, then the budget is spent");
        assertEquals(RingLayout.TP_STATUS_USER, status(1));
        assertEquals(1, rx.read(sink, 1));
        assertEquals(List.of("1", "2", "3"), sink.frames);
    }

    @Test
    void aFrameChainLeavingTheBlockIsCountedAndTheBlockStillGivenBack() {
        RxRing rx = new RxRing(ring, BLOCK, BLOCKS);
        block(0, RingLayout.TP_STATUS_USER, Frame.of(1), Frame.of(2));
        ring.setIntLE(RingLayout.BLOCK_HEADER_LENGTH + RingLayout.TP_NEXT_OFFSET, BLOCK * 2);

        assertEquals(1, rx.read(sink, 100));
        assertEquals(1, rx.malformed());
        assertEquals(RingLayout.TP_STATUS_KERNEL, status(0));

        block(1, RingLayout.TP_STATUS_USER, Frame.of(3));
        ring.setShortLE(BLOCK + RingLayout.BLOCK_HEADER_LENGTH + RingLayout.TP_MAC, 10); // tp_mac inside the header
        ring.setIntLE(BLOCK + RingLayout.BLOCK_NUM_PKTS, 1);
        assertEquals(0, rx.read(sink, 100));
        assertEquals(2, rx.malformed());
    }

    @Test
    void aRingSmallerThanItsBlocksIsRefused() {
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new RxRing(ring, BLOCK, BLOCKS + 1));
        assertEquals("ring: 16384 bytes (expected: at least 20480 for 5 blocks of 4096)", e.getMessage());
    }

    /** The header offset of frame {@code n} (1-based) of block {@code index}. */
    private int lastFrameHeader(int index, int n) {
        int at = index * BLOCK + ring.getIntLE(index * BLOCK + RingLayout.BLOCK_OFFSET_TO_FIRST_PKT);
        for (int i = 1; i < n; i++) {
            at += ring.getIntLE(at + RingLayout.TP_NEXT_OFFSET);
        }
        return at;
    }
}
