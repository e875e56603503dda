package io.vtep4j.internal;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.vtep4j.encap.DropReason;

/**
 * On a Netty epoll datagram channel, counts what the kernel dropped at the socket before the channel read it: after
 * each read batch it reads the socket's drop counter ({@link SocketDrops}) and reports what it grew by as
 * {@link DropReason#UNDERLAY_RECEIVE_OVERFLOW}. Netty hands over no {@code SO_RXQ_OVFL} control message, hence the
 * one {@code getsockopt} per batch (not per datagram). Losses while no datagram is read show after the next read.
 * One instance per channel; event loop only.
 */
final class SocketDropsInbound extends ChannelInboundHandlerAdapter {

    private final UnderlayReceiver receiver;
    private final SocketDrops drops = new SocketDrops();
    /** The counter as last seen; the kernel's starts at 0 with the socket. */
    private long seen;

    SocketDropsInbound(UnderlayReceiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ctx.channel() instanceof EpollDatagramChannel ch) {
            long count = drops.read(ch.fd().intValue());
            if (count >= 0 && count != seen) {
                long grown = (count - seen) & 0xFFFF_FFFFL; // uint32: it wraps
                seen = count;
                try {
                    receiver.dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW, grown);
                } catch (Throwable ignored) {
                    // the loop survives a misbehaving receiver
                }
            }
        }
        ctx.fireChannelReadComplete();
    }
}
