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
        Trunk open(java.util.function.Consumer<ByteBuf> sink);
    }

    /** Transmits one whole Ethernet frame; takes ownership; false (and counted by the caller) if it failed. */
    boolean send(ByteBuf frame);

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

    /** Times the interface was reopened after it went away, was recreated or kept failing. */
    default long reopens() {
        return 0;
    }

    /** Stops receiving and releases the interface. Idempotent. */
    @Override
    void close();
}
