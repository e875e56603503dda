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

    /** Stops receiving and releases the interface. Idempotent. */
    @Override
    void close();
}
