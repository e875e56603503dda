package io.vtep4j.internal;

import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;
import java.net.InetSocketAddress;

/**
 * Coalesces consecutive datagrams to one destination into UDP GSO super-datagrams ({@code UDP_SEGMENT}): the kernel
 * then walks the stack once per run instead of once per datagram and cuts the run into the original datagrams.
 *
 * <p>GSO's rule: every segment has the same size except the last, which may be shorter. A run therefore continues
 * while the destination is the same and the size equals the first; a shorter datagram ends it; anything else starts
 * a new run. Runs are written on {@code flush} (the underlay flushes once per batch), so nothing waits longer than
 * it would without GSO. Only writes with a void promise are coalesced (the underlay's); others pass through.
 *
 * <p>One instance per channel (it holds the open run); runs on the channel's event loop. It owns the buffers of the
 * open run and releases them if the channel goes away.
 */
final class GsoCoalescer extends ChannelOutboundHandlerAdapter {

    /** Segments per super-datagram: the kernel's UDP_MAX_SEGMENTS was 64 before Linux 5.5. */
    static final int MAX_SEGMENTS = 64;
    /** Bytes per super-datagram: an IP packet length is 16 bits; leave room for IPv6 + UDP headers. */
    static final int MAX_BYTES = 65535 - 40 - 8;

    private final SendCounters sent;
    private DatagramPacket first;
    private CompositeByteBuf run;
    private int segmentSize;
    private int segments;

    /** A coalescer that counts into counters of its own (for tests). */
    GsoCoalescer() {
        this(new SendCounters());
    }

    /** A coalescer that counts each message it writes, and its datagrams, into {@code sent}. */
    GsoCoalescer(SendCounters sent) {
        this.sent = sent;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof DatagramPacket) || msg instanceof SegmentedDatagramPacket || !promise.isVoid()) {
            emit(ctx);
            ctx.write(msg, promise);
            return;
        }
        DatagramPacket packet = (DatagramPacket) msg;
        int size = packet.content().readableBytes();
        if (first != null
                && size <= segmentSize
                && segments < MAX_SEGMENTS
                && (long) segmentSize * segments + size <= MAX_BYTES
                && packet.recipient().equals(first.recipient())) {
            if (run == null) {
                run = ctx.alloc().compositeDirectBuffer(MAX_SEGMENTS);
                run.addComponent(true, first.content());
            }
            run.addComponent(true, packet.content());
            segments++;
            if (size < segmentSize) {
                emit(ctx); // a shorter segment can only be the last one
            }
            return;
        }
        emit(ctx);
        first = packet;
        segmentSize = size;
        segments = 1;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        emit(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        discard();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        discard();
    }

    private void emit(ChannelHandlerContext ctx) {
        if (first == null) {
            return;
        }
        InetSocketAddress to = first.recipient();
        if (run == null) {
            ctx.write(first, ctx.voidPromise());
            sent.sent(1, 1);
        } else {
            ctx.write(new SegmentedDatagramPacket(run, segmentSize, to), ctx.voidPromise());
            sent.sent(1, segments);
        }
        first = null;
        run = null;
    }

    private void discard() {
        if (run != null) {
            run.release(); // releases first's content too: it is the run's first component
        } else if (first != null) {
            first.release();
        }
        first = null;
        run = null;
    }

    /** For tests: the messages written and their datagrams. */
    SendCounters sendCounters() {
        return sent;
    }

    /** For tests: datagrams held in the open run. */
    int pending() {
        return first == null ? 0 : segments;
    }
}
