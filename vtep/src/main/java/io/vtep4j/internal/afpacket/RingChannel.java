package io.vtep4j.internal.afpacket;

import io.netty.buffer.ByteBuf;

/**
 * A channel of whole Ethernet frames on one interface that hands what it receives to a {@link RingSink}: what a trunk
 * drives, whichever socket is underneath ({@link AfPacketChannel}, {@code XdpChannel}). Each counter counts from the
 * channel's opening and never goes down.
 *
 * <p>Threading: {@link #send} on the channel's event loop or from another thread, as the implementation describes;
 * counters and {@link #close} from any thread. {@link #send} takes ownership of the frame.
 */
public interface RingChannel extends AutoCloseable {

    /**
     * Transmits {@code frame} with an 802.1Q tag carrying {@code vlanTci} inserted after the MACs, or as it is when
     * {@code vlanTci} is -1. Takes ownership of {@code frame}, also when it returns false.
     *
     * @return false if the frame cannot be sent (closed, too long, no room)
     */
    boolean send(ByteBuf frame, int vlanTci);

    /** Frames received and handed to the sink so far. */
    long received();

    /** Frames the kernel accepted (or completed) for transmission. */
    long sent();

    /** Frames {@link #send} accepted that the kernel then refused or could not take. */
    long sendFailures();

    /** Received frames dropped here because they did not fit or did not make sense (never forwarded cut short). */
    long truncated();

    /** Frames the kernel dropped before the channel saw them (its ring full). May read the kernel's counters. */
    long overruns();

    /** Stops receiving and releases the socket and its memory; idempotent. */
    @Override
    void close();
}
