package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.UnderlayReceiver;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Frames read from the UMEM reach the engine as payload slices with the outer source and TOS, copied out (the UMEM
 * chunk may be reused at once), one batch buffer shared and fully released; malformed frames are counted by reason.
 */
class UnderlayReceiveTest {
    private static final long OUR_MAC = 0x02_00_00_00_00_01L;
    private static final int OURS = 0x0A630101;
    private static final int PEER = 0x0A630102;

    private final List<ByteBuf> payloads = new ArrayList<>();
    private final List<InetAddress> sources = new ArrayList<>();
    private final List<Integer> tos = new ArrayList<>();
    private final List<DropReason> drops = new ArrayList<>();
    private int readCompletes;
    private final List<String> readAheads = new ArrayList<>();

    private final UnderlayReceiver engine = new UnderlayReceiver() {
        @Override
        public void received(ByteBuf payload, InetAddress source) {
            receivedWithTos(payload, source, 0);
        }

        @Override
        public void receivedWithTos(ByteBuf payload, InetAddress source, int outerTos) {
            payloads.add(payload);
            sources.add(source);
            tos.add(outerTos);
        }

        @Override
        public void readComplete() {
            readCompletes++;
        }

        @Override
        public long readAhead(ByteBuf batch, int offset, int length) {
            readAheads.add(offset + "+" + length + ":" + batch.getByte(offset));
            return 1;
        }

        @Override
        public void dropped(DropReason reason) {
            drops.add(reason);
        }
    };

    private final UnderlayReceive receive =
            new UnderlayReceive(engine, PooledByteBufAllocator.DEFAULT, OUR_MAC, OURS, 4789, 1500);

    private static int frame(ByteBuf umem, int at, int payloadLength, int fill) {
        UdpFrame.writeHeaders(
                umem,
                at,
                OUR_MAC,
                0x02_00_00_00_00_02L,
                PEER,
                OURS,
                50000,
                4789,
                payloadLength,
                0x02 << 8 | 64,
                true,
                1);
        for (int i = 0; i < payloadLength; i++) {
            umem.setByte(at + UdpFrame.PAYLOAD_OFFSET + i, fill);
        }
        return UdpFrame.PAYLOAD_OFFSET + payloadLength;
    }

    @Test
    void deliversCopiedPayloadsWithSourceAndTosAndReleasesEverything() throws Exception {
        ByteBuf umem = Unpooled.buffer(8192).writerIndex(8192);
        receive.frame(umem, 256, frame(umem, 256, 100, 0x11), -1, 0x8100);
        receive.frame(umem, 2048 + 256, frame(umem, 2048 + 256, 60, 0x22), -1, 0x8100);
        umem.setZero(0, 8192); // the chunks go back to the kernel: the payloads must not change
        receive.batchEnd();
        assertEquals(2, payloads.size());
        assertEquals(1, readCompletes);
        assertEquals(100, payloads.get(0).readableBytes());
        assertEquals(0x11, payloads.get(0).getByte(99));
        assertEquals(60, payloads.get(1).readableBytes());
        assertEquals(0x22, payloads.get(1).getByte(0));
        assertEquals(InetAddress.getByName("10.99.1.2"), sources.get(0));
        assertSame(sources.get(0), sources.get(1), "one address object per source");
        assertEquals(0x02, tos.get(0), "ECT(0) reaches the engine's RFC 6040 rule");
        assertEquals(2, receive.delivered());
        for (ByteBuf p : payloads) {
            p.release();
        }
        assertEquals(0, payloads.get(0).refCnt(), "the shared batch buffer is gone with its last slice");
    }

    @Test
    void countsMalformedFramesAndTooLongPayloads() {
        ByteBuf umem = Unpooled.buffer(4096).writerIndex(4096);
        int length = frame(umem, 0, 1501, 0);
        receive.frame(umem, 0, length, -1, 0x8100);
        receive.frame(umem, 0, 30, -1, 0x8100);
        receive.frame(umem, 0, length, 100, 0x8100); // a tag the driver took out
        umem.setByte(UdpFrame.TTL_OFFSET, 1); // checksum no longer adds up
        receive.frame(umem, 0, length, -1, 0x8100);
        receive.batchEnd();
        assertEquals(
                List.of(
                        DropReason.MTU_EXCEEDED,
                        DropReason.OUTER_ETHERNET_MALFORMED,
                        DropReason.OUTER_ETHERNET_MALFORMED,
                        DropReason.OUTER_IPV4_CHECKSUM_BAD),
                drops);
        assertEquals(0, payloads.size());
        assertEquals(0, receive.delivered());
    }

    @Test
    void readAheadPointsTheEngineAtTheUdpPayloadAndSkipsFramesTooShortForOne() {
        ByteBuf umem = Unpooled.buffer(4096).writerIndex(4096);
        int length = frame(umem, 256, 80, 0x33);
        assertEquals(1, receive.readAhead(umem, 256, length, -1));
        assertEquals(0, receive.readAhead(umem, 0, UdpFrame.PAYLOAD_OFFSET, -1), "no payload: the engine is not asked");
        assertEquals(0, receive.readAhead(umem, 256, length, 100), "a tag the driver took out: not ours");
        assertEquals(List.of((256 + UdpFrame.PAYLOAD_OFFSET) + "+80:51"), readAheads);
        assertEquals(0, payloads.size(), "a hint delivers nothing");
        assertEquals(0, drops.size(), "and counts nothing");
    }
}
