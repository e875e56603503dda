package io.vtep4j.examples.gateway;

import io.vtep4j.examples.gateway.TrunkChannel.Counter;
import java.util.Map;
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
}
