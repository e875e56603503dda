package io.vtep4j.examples.gateway;

import io.vtep4j.examples.gateway.TrunkChannel.Counter;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A {@link Trunk} over a channel it may close and reopen: its counters are those of {@link TrunkChannel}, summed over
 * every channel it had. A counter the channel type does not have reads as 0, as {@link Trunk}'s defaults do.
 * Thread-safe as {@link TrunkChannel} describes.
 *
 * @param <C> the channel type
 */
abstract class ChannelTrunk<C> implements Trunk {
    /** The current channel and the closed channels' counts. */
    final TrunkChannel<C> channel;

    ChannelTrunk(Map<Counter, ToLongFunction<C>> readers) {
        this.channel = new TrunkChannel<>(readers);
    }

    @Override
    public final long received() {
        return channel.total(Counter.RECEIVED);
    }

    @Override
    public final long sent() {
        return channel.total(Counter.SENT);
    }

    @Override
    public final long readErrors() {
        return channel.total(Counter.READ_ERRORS);
    }

    @Override
    public final long truncated() {
        return channel.total(Counter.TRUNCATED);
    }

    @Override
    public final long overruns() {
        return channel.total(Counter.OVERRUNS);
    }

    @Override
    public final long sendFailures() {
        return channel.total(Counter.SEND_FAILURES);
    }

    /**
     * Stops the thread that watches for the interface (waits for it up to 10 s), then closes the current channel, if
     * any, with {@code close}.
     */
    final void shutDown(Thread watcher, Consumer<C> close) {
        watcher.interrupt();
        try {
            watcher.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        C c = channel.current();
        if (c != null) {
            close.accept(c);
        }
    }
}
