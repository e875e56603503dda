package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.vtep4j.encap.DropReason;

/**
 * The receive end of every {@link UdpUnderlay} channel: drops datagrams too long for the underlay MTU and hands the
 * rest on through {@link DatagramInbound}. Shared by the channels of one underlay; runs on their event loops.
 */
final class UdpInbound extends DatagramInbound {

    /** Largest payload an MTU-sized IPv4 packet can carry: anything longer cannot be a tunnel packet for us. */
    private final int maxPayload;

    UdpInbound(UnderlayReceiver receiver, int maxPayload) {
        super(receiver);
        this.maxPayload = maxPayload;
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    protected ByteBuf payload(DatagramPacket packet) {
        if (packet.content().readableBytes() > maxPayload) {
            // Longer than an MTU-sized packet can carry (a full receive slot means the read truncated it):
            // RFC 7348 §4.3, no fragmentation, so it cannot be a valid tunnel packet for this underlay.
            packet.release();
            receiver.dropped(DropReason.MTU_EXCEEDED);
            return null;
        }
        return packet.content();
    }
}
