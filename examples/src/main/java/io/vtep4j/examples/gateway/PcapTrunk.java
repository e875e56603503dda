package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.examples.gateway.TrunkChannel.Counter;
import io.vtep4j.internal.pcap.PcapChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A {@link Trunk} on a Linux interface through libpcap, promiscuous (a trunk port must see every MAC), that survives
 * its interface going away.
 *
 * <p>Built on the engine's {@code PcapChannel}, the same capture/inject channel {@code io.vtep4j.PcapPort} uses:
 * {@code PcapPort} binds an interface to one segment, a trunk needs the raw frames to demultiplex by VLAN.
 *
 * <p>Recovery: a watch thread looks every {@link #CHECK_MILLIS} ms at the interface's index (a deleted and recreated
 * interface gets a new one, and a capture bound to the old index never sees a frame again) and at libpcap's read
 * errors (an interface that went down). On either it closes the capture and reopens it once the interface exists
 * again, after a backoff from {@link #MIN_BACKOFF_MILLIS} ms doubling up to {@link #MAX_BACKOFF_MILLIS} ms for
 * captures that keep failing (reset once one lasts {@link #HEALTHY_MILLIS} ms);
 * each loss and each reopening is counted and reported to the log in one line. While the trunk is down, frames for
 * it are counted as send errors and released.
 *
 * <p>Thread-safe as {@link Trunk} describes.
 */
final class PcapTrunk extends ChannelTrunk<PcapChannel> {
    private static final Map<Counter, ToLongFunction<PcapChannel>> READERS = Map.of(
            Counter.RECEIVED, PcapChannel::received,
            Counter.SENT, PcapChannel::sent,
            Counter.READ_ERRORS, PcapChannel::readErrors,
            Counter.TRUNCATED, PcapChannel::truncated,
            Counter.OVERRUNS, PcapChannel::dropped);
    static final long CHECK_MILLIS = 200;
    static final long MIN_BACKOFF_MILLIS = 200;
    static final long MAX_BACKOFF_MILLIS = 5_000;
    /** A capture that ran this long without failing resets the backoff. */
    static final long HEALTHY_MILLIS = 10_000;

    private final String interfaceName;
    private final Consumer<ByteBuf> sink;
    private final Consumer<String> log;
    private final Thread watcher;
    private final LongAdder reopens = new LongAdder();

    private volatile boolean open = true;

    private PcapTrunk(String interfaceName, Consumer<ByteBuf> sink, Consumer<String> log, PcapChannel first) {
        super(READERS);
        this.interfaceName = interfaceName;
        this.sink = sink;
        this.log = log;
        this.channel.install(first);
        this.watcher = new Thread(this::watch, "vtep4j-trunk-watch-" + interfaceName);
        this.watcher.setDaemon(true);
    }

    /**
     * Opens {@code interfaceName} and starts watching it; its problems at start become one-line
     * {@link ConfigException}s naming {@code --port}.
     */
    static Trunk open(String interfaceName, Consumer<ByteBuf> sink, Consumer<String> log) {
        PcapTrunk trunk = new PcapTrunk(interfaceName, sink, log, openChannel(interfaceName, sink));
        trunk.watcher.start();
        return trunk;
    }

    private static PcapChannel openChannel(String interfaceName, Consumer<ByteBuf> sink) {
        try {
            return PcapChannel.open(interfaceName, true, PooledByteBufAllocator.DEFAULT, sink);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--port " + interfaceName + ": no such interface", e);
        } catch (IllegalStateException e) {
            String why = String.valueOf(e.getMessage()).replace("PcapPort " + interfaceName + ": ", "");
            throw new ConfigException("--port " + interfaceName + ": " + why, e);
        }
    }

    /** The watch thread: detects a lost capture, closes it, reopens with a bounded backoff. */
    private void watch() {
        int index = InterfaceIndex.of(interfaceName);
        long seenReadErrors = 0;
        long backoff = MIN_BACKOFF_MILLIS;
        long nextAttempt = System.nanoTime();
        long healthySince = System.nanoTime();
        while (open) {
            try {
                TimeUnit.MILLISECONDS.sleep(CHECK_MILLIS);
            } catch (InterruptedException e) {
                return; // close()
            }
            long clock = System.nanoTime();
            int now = InterfaceIndex.of(interfaceName);
            PcapChannel current = channel.current();
            if (current != null) {
                long readErrors = current.readErrors();
                String lost = lossOf(index, now, readErrors, seenReadErrors);
                seenReadErrors = readErrors;
                if (lost == null) {
                    if (clock - healthySince > TimeUnit.MILLISECONDS.toNanos(HEALTHY_MILLIS)) {
                        backoff = MIN_BACKOFF_MILLIS; // a capture that lasted: the next loss starts afresh
                    }
                    continue;
                }
                retire(current);
                log.accept("trunk " + interfaceName + " lost: " + lost + "; reopening in " + backoff + " ms or when "
                        + "it is back");
                nextAttempt = clock + TimeUnit.MILLISECONDS.toNanos(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
            if (now == InterfaceIndex.NONE || clock - nextAttempt < 0) {
                continue;
            }
            try {
                PcapChannel fresh = PcapChannel.open(interfaceName, true, PooledByteBufAllocator.DEFAULT, sink);
                if (!open) {
                    fresh.close();
                    return;
                }
                channel.install(fresh);
                index = now;
                seenReadErrors = 0;
                healthySince = clock;
                reopens.increment();
                log.accept("trunk " + interfaceName + " reopened (interface index " + now + ", reopening #"
                        + reopens.sum() + ")");
            } catch (RuntimeException e) {
                nextAttempt = clock + TimeUnit.MILLISECONDS.toNanos(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    /** Why the capture on interface {@code was} is lost now, or null if it is fine. */
    private static String lossOf(int was, int now, long readErrors, long seenReadErrors) {
        if (now == InterfaceIndex.NONE) {
            return "interface gone";
        }
        if (now != was) {
            return "interface recreated (index " + was + " -> " + now + ")";
        }
        if (readErrors > seenReadErrors) {
            return "capture failing (" + readErrors + " read errors)";
        }
        return null;
    }

    /** Takes {@code lost} out of service, keeping its counts. */
    private void retire(PcapChannel lost) {
        channel.retire(lost);
        try {
            lost.close();
        } catch (IllegalStateException stuck) {
            // its receive thread is still inside libpcap: the handle stays open rather than freed under it
        }
    }

    @Override
    public boolean send(ByteBuf frame) {
        PcapChannel c = channel.current();
        if (c == null) {
            frame.release();
            return false;
        }
        return c.inject(frame);
    }

    @Override
    public long reopens() {
        return reopens.sum();
    }

    @Override
    public void close() {
        open = false;
        shutDown(watcher, PcapChannel::close);
    }
}
