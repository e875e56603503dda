package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.ReferenceCountUtil;
import io.vtep4j.encap.DropReason;

/**
 * The receive end shared by the underlays' datagram channels (UDP, raw IP): each datagram goes through the
 * underlay's own {@link #payload(DatagramPacket)} check, and what survives is handed to the
 * {@link UnderlayReceiver} (ownership passes); one {@code readComplete} per read batch; nothing escapes the event
 * loop. Runs on the channel's event loop.
 */
public abstract class DatagramInbound extends ChannelInboundHandlerAdapter {

    /** Where payloads, batch ends and drops go. */
    protected final UnderlayReceiver receiver;

    protected DatagramInbound(UnderlayReceiver receiver) {
        this.receiver = receiver;
    }

    /**
     * Checks {@code packet} and returns the payload to hand on, starting at the tunnel header; or null when the
     * packet was released here (and counted with {@code receiver.dropped} if it was a drop). Owns the packet.
     */
    protected abstract ByteBuf payload(DatagramPacket packet);

    /**
     * The outer TOS / traffic class of the packet {@link #payload} last returned, for RFC 6040 decapsulation; 0 (the
     * default) when the transport cannot read it.
     */
    protected int outerTos() {
        return 0;
    }

    @Override
    public final void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof DatagramPacket)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        DatagramPacket packet = (DatagramPacket) msg;
        ByteBuf payload = payload(packet);
        if (payload == null) {
            return;
        }
        try {
            receiver.receivedWithTos(payload, packet.sender().getAddress(), outerTos());
        } catch (Throwable ignored) {
            // The receiver owns the payload from the call on; it must not throw, but the loop must survive.
        }
    }

    @Override
    public final void channelReadComplete(ChannelHandlerContext ctx) {
        try {
            receiver.readComplete();
        } catch (Throwable ignored) {
            // The loop must survive a misbehaving receiver.
        }
    }

    @Override
    public final void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // With void promises a failed sendmsg/sendmmsg (EMSGSIZE with DF, no route, ...) lands here, and so does a
        // socket error the kernel raised from an ICMP error about an earlier send: both are failed sends. The
        // channel stays open.
        receiver.dropped(DropReason.SEND_FAILED);
    }
}
