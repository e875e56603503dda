package io.vtep4j.internal;

import io.netty.channel.ChannelFuture;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Blocking waits on Netty futures for the underlays' control paths (join, leave); never on an event loop. */
public final class ChannelFutures {

    private ChannelFutures() {}

    /**
     * Waits for {@code future} at most {@code seconds}; turns timeout, interruption and failure into an
     * {@link IOException} whose message starts with {@code what}. Restores the interrupt flag.
     */
    public static void await(ChannelFuture future, String what, long seconds) throws IOException {
        try {
            if (!future.await(seconds, TimeUnit.SECONDS)) {
                throw new IOException(what + ": timed out after " + seconds + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(what + ": interrupted", e);
        }
        if (!future.isSuccess()) {
            throw new IOException(what + ": " + future.cause().getMessage(), future.cause());
        }
    }
}
