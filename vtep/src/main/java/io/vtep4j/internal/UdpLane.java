package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.vtep4j.internal.mmsg.MmsgPort;
import java.net.InetAddress;
import java.util.concurrent.RejectedExecutionException;

/**
 * One event loop's share of a {@link UdpUnderlay}: its channels (one per address family), source-port pools, and with
 * direct I/O their ports. Fields are written while the underlay opens and read by any sending thread (volatile); the
 * dirty flags are set by senders and cleared by flushes; {@link #flushQueued} is the loop's own.
 */
final class UdpLane {

    private static final Channel[] NO_CHANNELS = new Channel[0];

    final EventLoop loop;
    volatile Channel v4;
    volatile Channel v6;
    volatile boolean dirty4;
    volatile boolean dirty6;
    volatile Channel[] pool4 = NO_CHANNELS;
    volatile Channel[] pool6 = NO_CHANNELS;
    volatile boolean poolDirty;
    /** Direct I/O: the ports of this lane's unicast and pool channels. */
    volatile MmsgPort[] ports = new MmsgPort[0];
    /**
     * Direct I/O, loop only: a flush task is queued behind the sends other threads handed over. Set and cleared
     * on the loop, so no flush by another thread can clear it between a hand-over and its send.
     */
    boolean flushQueued;
    /** Direct I/O: flushes the ports after the sends handed over before it (queued at most once at a time). */
    final Runnable queuedFlush = () -> {
        flushQueued = false;
        flushPorts();
    };

    UdpLane(EventLoop loop) {
        this.loop = loop;
    }

    /**
     * Direct I/O, loop only: queues {@code payload} on {@code port} and makes sure a flush follows it, even if
     * no other flush comes (the sender's own flush call may run before this task).
     */
    void queueForeign(MmsgPort port, ByteBuf payload, InetAddress destination) {
        port.queue(payload, destination);
        if (!flushQueued) {
            try {
                loop.execute(queuedFlush);
                flushQueued = true;
            } catch (RejectedExecutionException e) {
                flushPorts(); // the loop is shutting down: send now rather than never
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
