package io.vtep4j;

import io.netty.buffer.ByteBuf;

/**
 * An attachment point of the application on a {@link Segment}: frames sent into it enter the overlay; frames for it
 * reach its {@link FrameHandler}. Obtained from {@link Segment#attach}.
 *
 * <p>Threading: every method may be called from any thread, concurrently. Buffers: {@link #send} and {@link #write}
 * take ownership of the frame in every case (also when they throw).
 */
public interface LocalPort extends AutoCloseable {

    /** This port's id, unique within its {@link Vtep}; the forwarding table names it by id. */
    int id();

    /** The display name given at attach time (or {@code "port-<id>"}). */
    String name();

    /** The segment this port belongs to. */
    Segment segment();

    /**
     * Forwards one Ethernet frame into the segment and writes it out now: learns its source MAC on this port, then
     * unicasts to the remote VTEP or local port that owns the destination, or floods (RFC 7348 §4.1, §4.2).
     * Called on this VTEP's event loop (from a handler), the flush waits for the end of the read batch; called on
     * another Netty event loop (another VTEP's handler), one flush is queued behind that loop's current task, so a
     * task that never returns to its loop must call {@link #flush()} itself.
     *
     * <p>Called from a thread that is no event loop of this VTEP (an application thread), the tunnel packets are
     * handed over to an event loop. With direct I/O ({@link Vtep#directIo()}) at most 4096 such packets wait
     * per event loop at once; on Netty's datagram path at most 64 MiB of tunnel packets per socket. Past that bound
     * the packet is dropped and counted as {@link io.vtep4j.encap.DropReason#SEND_QUEUE_FULL} (a sender faster than
     * the loop loses packets instead of growing a queue without limit). The call itself never blocks.
     *
     * @param frame from the destination MAC on, without FCS; ownership passes to the port
     * @throws IllegalStateException if the port or its VTEP is closed, or the VTEP's event loops are shut down (an
     *         application-owned group shut down before the VTEP was closed); the frame is released first
     */
    void send(ByteBuf frame);

    /** Like {@link #send} but without the flush: call {@link #flush()} after a batch of writes. Takes ownership. */
    void write(ByteBuf frame);

    /** Writes out everything queued by {@link #write} on this VTEP's underlay. */
    void flush();

    /** False once closed (by {@link #close}, the segment's or the VTEP's close). */
    boolean isOpen();

    /** Detaches the port: no more frames reach its handler and the MACs learned on it are forgotten. Idempotent. */
    @Override
    void close();
}
