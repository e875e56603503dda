package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;

/**
 * The gateway's L2 side: an interface that carries 802.1Q-tagged (and untagged) Ethernet frames.
 *
 * <p>Frames arriving on the trunk go to the sink given when it was opened, on the trunk's own receive thread, and
 * the sink owns them. {@link #send} may be called from any thread and takes ownership of the frame.
 */
public interface Trunk extends AutoCloseable {
    /** Opens a trunk that hands every arriving frame to its sink. */
    @FunctionalInterface
    interface Opener {
        /**
         * Opens the trunk.
         *
         * @throws ConfigException if it cannot be opened (no such interface, no permission)
         */
        Trunk open(Receiver sink);
    }

    /**
     * Where a trunk hands its frames: {@link #accept} for a frame as it was on the wire (tags inline), {@link
     * #acceptTagged} for one whose tag the kernel already took out, and {@link #batchEnd} after a batch of either
     * (a trunk that does not batch never calls it, and each frame is sent on by itself).
     */
    interface Receiver extends java.util.function.Consumer<ByteBuf> {
        /** A frame without its 802.1Q tag, which carried VLAN {@code vlanId} (0: a priority tag); takes ownership. */
        void acceptTagged(ByteBuf frame, int vlanId);

        /**
         * A hint before a receive batch is handed on: the frame at {@code offset} of {@code ring}, {@code length}
         * bytes, comes next through {@link #accept} ({@code vlanId} -1: tags inline) or {@link #acceptTagged} (the
         * kernel took out the tag of VLAN {@code vlanId}). A trunk that reads a batch at once calls this for each
         * frame first, so that the forwarding-table memory the batch needs is read while the frames are handed on.
         * Reads only, takes no ownership, never throws; the value returned is to be kept by the caller so that the
         * reads are not optimised away. The default reads nothing.
         */
        default long readAhead(ByteBuf ring, int offset, int length, int vlanId) {
            return 0;
        }

        /** The end of a receive batch: what the frames produced is written out now. */
        void batchEnd();
    }

    /** Transmits one whole Ethernet frame; takes ownership; false (and counted by the caller) if it failed. */
    boolean send(ByteBuf frame);

    /**
     * Transmits one frame with an 802.1Q tag carrying {@code vlanId} inserted after the MACs; takes ownership; false
     * if it failed. By default the tag is pushed into the buffer and the frame goes through {@link #send(ByteBuf)}.
     */
    default boolean send(ByteBuf frame, int vlanId) {
        return send(io.vtep4j.encap.Ethernet.pushVlanTag(frame, vlanId));
    }

    /** Frames received from the trunk so far. */
    long received();

    /** Frames transmitted on the trunk so far. */
    long sent();

    /** Receive failures so far (libpcap read errors); 0 for a trunk that cannot fail that way. */
    default long readErrors() {
        return 0;
    }

    /** Frames received longer than the capture length, dropped rather than forwarded cut short. */
    default long truncated() {
        return 0;
    }

    /**
     * Frames lost before the gateway saw them because the receive side was full: the kernel's ring or socket
     * overruns ({@code PACKET_STATISTICS} tp_drops), or libpcap's drop count. Reading it may ask the kernel.
     */
    default long overruns() {
        return 0;
    }

    /**
     * Frames the trunk accepted from {@link #send} and failed to transmit later (a batch the kernel refused in part);
     * failures {@link #send} reports itself are counted by the caller, not here.
     */
    default long sendFailures() {
        return 0;
    }

    /** Times the interface was reopened after it went away, was recreated or kept failing. */
    default long reopens() {
        return 0;
    }

    /** Stops receiving and releases the interface. Idempotent. */
    @Override
    void close();
}
