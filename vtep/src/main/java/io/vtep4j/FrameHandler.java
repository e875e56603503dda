package io.vtep4j;

import io.netty.buffer.ByteBuf;

/**
 * Receives the Ethernet frames a {@link LocalPort} delivers to the application.
 *
 * <p>Threading: called on the thread that forwarded the frame — the underlay event loop that received and
 * decapsulated it, or the thread that called {@link LocalPort#send} on another port of the same segment. It may be
 * called concurrently from different event loops (SO_REUSEPORT spreads flows over them); frames of one flow from one
 * remote arrive on one loop, in order. Keep it short and never block: it runs on the data path.
 *
 * <p>Buffers: the handler owns {@code frame} and must release it (also when it throws). The readable bytes are the
 * frame from the destination MAC on, without FCS. When a frame is flooded to several ports, each gets its own
 * read-only view of shared content ({@code isReadOnly()}); copy it to change bytes. A frame for one port alone is
 * writable, with headroom in front: sending it on into another VTEP's port encapsulates it without a copy.
 *
 * <p>Memory: a frame from the underlay is a slice of the buffer its whole read batch was received into (about 48 KiB
 * for 32 datagrams at the default MTU; up to 512 KiB with UDP GRO). A handler that keeps frames beyond the call, in
 * a queue say, keeps those buffers alive: copy what it keeps ({@code ByteBuf.copy()}) and release the frame.
 */
@FunctionalInterface
public interface FrameHandler {

    /** One frame for the application; ownership passes to the handler. */
    void onFrame(ByteBuf frame);
}
