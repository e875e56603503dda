package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.mmsg.MmsgPort;
import java.net.InetAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One event loop's share of a {@link UdpUnderlay}: its channels (one per address family), source-port pools, and with
 * direct I/O their ports. Fields are written while the underlay opens and read by any sending thread (volatile); the
 * written-to flags are set by senders and cleared by flushes.
 */
final class UdpLane {

    /**
     * Most frames that threads other than the loop may have handed over to one lane and that its loop has not yet
     * taken into a send vector: {@value}. Each is one task in the loop's queue holding a payload; past the bound a
     * send is dropped at once (released, counted as {@link DropReason#SEND_QUEUE_FULL}) instead of queueing without
     * limit while the loop is busy or stalled. 4096 is a few send vectors' worth, a few MiB of payloads at most.
     */
    static final int MAX_HANDED_OVER = HandOver.MAX_WAITING;

    private static final Channel[] NO_CHANNELS = new Channel[0];

    final EventLoop loop;
    /** The channels bound to the VXLAN port, one per family, on Netty's path also how sends to them are written. */
    final FamilyChannels unicast;

    volatile Channel[] pool4 = NO_CHANNELS;
    volatile Channel[] pool6 = NO_CHANNELS;
    volatile boolean poolDirty;
    /** Direct I/O: the ports of this lane's unicast and pool channels; and those of its raw send path. */
    volatile MmsgPort[] ports = new MmsgPort[0];
    /** The raw send path with its source-port range, or null. */
    volatile RawSourcePorts raw;
    /**
     * Direct I/O: another thread handed sends over since the last hand-over of a flush. Set by the sender only AFTER
     * its send task is queued, taken (cleared atomically) by the flush that then queues a flush task: that task is
     * therefore behind every send whose flag it took, in the loop's FIFO task queue, and no send is left unflushed.
     */
    final AtomicBoolean foreignSends = new AtomicBoolean();

    /** Frames handed over and not yet taken by the loop; at most {@link #MAX_HANDED_OVER} of them are queued. */
    private final HandOver handOvers = new HandOver();

    private final UnderlayReceiver receiver;

    UdpLane(EventLoop loop, DestinationCache recipients, UnderlayReceiver receiver) {
        this.loop = loop;
        this.unicast = new FamilyChannels(recipients);
        this.receiver = receiver;
    }

    /**
     * Direct I/O, any thread but the loop: hands {@code payload} over to {@code port}. Takes ownership of the payload.
     * True if it was queued, or dropped because {@link #MAX_HANDED_OVER} frames are already waiting (released and
     * counted as {@link DropReason#SEND_QUEUE_FULL} here, like a failure of the send itself); false if the loop is
     * gone (the caller releases and counts).
     */
    boolean handOver(MmsgPort port, ByteBuf payload, InetAddress destination, int outer) {
        switch (handOvers.offer(loop, () -> port.queue(payload, destination, outer))) {
            case FULL -> {
                payload.release();
                receiver.dropped(DropReason.SEND_QUEUE_FULL);
                return true;
            }
            case GONE -> {
                return false; // the event loops were shut down under an open underlay: nothing can send any more
            }
            default -> {
                foreignSends.set(true);
                return true;
            }
        }
    }

    /** Counts a packet of this lane dropped for {@code reason}. */
    void dropped(DropReason reason) {
        receiver.dropped(reason);
    }

    /**
     * Sends {@code payload} through {@code port}: on the lane's loop ({@code onLoop}) straight into its vector, else
     * handed over ({@link #handOver}). Owns {@code payload}; false (released) if the loop is gone.
     */
    boolean queue(MmsgPort port, boolean onLoop, ByteBuf payload, InetAddress destination, int outer) {
        if (onLoop) {
            port.queue(payload, destination, outer);
            return true;
        }
        if (!handOver(port, payload, destination, outer)) {
            payload.release();
            return false;
        }
        return true;
    }

    /** Direct I/O, any thread but the loop: queues a flush behind the sends handed over so far, if there are any. */
    void handOverFlush() {
        if (foreignSends.getAndSet(false)) {
            try {
                loop.execute(this::flushPorts);
            } catch (RejectedExecutionException e) {
                // Shutting down: closing the ports drops (and counts) what they still hold.
            }
        }
    }

    /** Direct I/O: sends what the lane's ports queued. On the lane's loop only. */
    void flushPorts() {
        for (MmsgPort port : ports) {
            if (port.pending() > 0) {
                port.flush();
            }
        }
    }
}
