package io.vtep4j.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.vtep4j.encap.DropReason;

/**
 * The receive end of every {@link UdpUnderlay} channel: hands each datagram's payload to the {@link UnderlayReceiver}
 * (ownership passes), one readComplete per read batch, and never lets anything escape the event loop. Shared by the
 * channels of one underlay; runs on their event loops.
 */
final class UdpInbound extends ChannelInboundHandlerAdapter {

    private final UnderlayReceiver receiver;
    /** Largest payload an MTU-sized IPv4 packet can carry: anything longer cannot be a tunnel packet for us. */
    private final int maxPayload;

    UdpInbound(UnderlayReceiver receiver, int maxPayload) {
        this.receiver = receiver;
        this.maxPayload = maxPayload;
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        DatagramPacket packet = (DatagramPacket) msg;
        if (packet.content().readableBytes() > maxPayload) {
            // Longer than an MTU-sized packet can carry (a full receive slot means the read truncated it):
            // RFC 7348 §4.3, no fragmentation, so it cannot be a valid tunnel packet for this underlay.
            packet.release();
            receiver.dropped(DropReason.MTU_EXCEEDED);
            return;
        }
        try {
            receiver.received(packet.content(), packet.sender().getAddress());
        } catch (Throwable ignored) {
            // The receiver owns the payload from the call on; it must not throw, but the loop must survive.
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        try {
            receiver.readComplete();
        } catch (Throwable ignored) {
            // The loop must survive a misbehaving receiver.
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // With void promises, a failed sendmsg/sendmmsg lands here.
        receiver.dropped(DropReason.SEND_FAILED);
    }
}
