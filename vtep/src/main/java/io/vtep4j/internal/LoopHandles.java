package io.vtep4j.internal;

import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandle;
import io.netty.channel.IoRegistration;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Registration and the close protocol shared by the native ports registered directly with an epoll
 * {@link IoEventLoop}: their resources are released on the loop, so a ring or descriptor is never freed while the
 * loop's handler still reads it.
 */
public final class LoopHandles {
    private static final long WAIT_SECONDS = 10;

    private LoopHandles() {}

    /**
     * Registers {@code handle} with {@code loop}, waiting at most 10 s; on failure or timeout throws an
     * {@link IOException} whose message is {@code what} followed by "cannot register with" the loop and the cause.
     * Never call it on {@code loop} itself.
     */
    public static IoRegistration register(IoEventLoop loop, IoHandle handle, String what) throws IOException {
        Future<IoRegistration> f = loop.register(handle);
        if (!f.awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS) || !f.isSuccess()) {
            throw new IOException(what + "cannot register with " + loop + ": " + f.cause(), f.cause());
        }
        return f.getNow();
    }

    /**
     * Called first by a port's {@code close()}. Off the loop it hands {@code close} over to the loop and waits for it
     * (at most 10 s), returning true: the caller returns, the close has run there. If the loop is shutting down (or
     * starts to meanwhile) it waits for the loop to terminate (at most 10 s), after which the loop no longer calls the
     * port, and returns false. On the loop it returns false at once. On false the caller releases its resources
     * itself, once (the loop may have closed its registrations as it shut down).
     */
    public static boolean handedOver(IoEventLoop loop, Runnable close) {
        if (loop.inEventLoop()) {
            return false;
        }
        if (!loop.isShuttingDown()) {
            try {
                loop.submit(close).awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS);
                return true;
            } catch (RejectedExecutionException e) {
                // the loop began shutting down meanwhile: wait for it below
            }
        }
        loop.terminationFuture().awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS);
        return false;
    }

    /**
     * Cancels {@code registration} (nothing if null); a loop that has terminated took its epoll instance, and the
     * registration with it, along already.
     */
    public static void cancel(IoRegistration registration) {
        if (registration == null) {
            return;
        }
        try {
            registration.cancel();
        } catch (RejectedExecutionException e) {
            // the loop has terminated: nothing left to cancel
        }
    }
}
