package io.vtep4j.internal.pcap;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.PcapNetworkInterface.PromiscuousMode;
import org.pcap4j.core.RawPacketListener;

/**
 * A live libpcap handle on one interface: a receive thread hands every frame arriving on the interface
 * (direction IN only, so injected frames are never re-captured) to a sink, and {@link #inject(ByteBuf)}
 * transmits frames on it.
 *
 * <p>Threading: the sink (and the flush after each batch) runs on this channel's own receive thread; {@link #inject(ByteBuf)} may be called
 * from any thread. Buffers: the sink receives a fresh pooled buffer (one copy from libpcap's memory) and owns
 * it; {@code inject} takes ownership of its argument and releases it.
 */
public final class PcapChannel implements AutoCloseable {

    /** Bytes left free in front of each captured frame, so encapsulation can write headers in place. */
    public static final int HEADROOM = 64;
    /** Largest frame captured: a jumbo frame of 9000 bytes of payload plus Ethernet and 802.1Q headers. */
    public static final int SNAP_LENGTH = 9000 + 18;
    /** How long libpcap waits for a frame before the receive loop re-checks whether it should stop. */
    public static final int READ_TIMEOUT_MILLIS = 50;
    /** libpcap's kernel ring, enough for a burst of full-size frames. */
    private static final int RING_BYTES = 4 << 20;

    private static final long JOIN_MILLIS = 5_000;

    private final String interfaceName;
    private final PcapHandle handle;
    private final ByteBufAllocator allocator;
    private final Consumer<ByteBuf> sink;
    private final Runnable flush;
    private final Thread receiver;
    private final AtomicBoolean open = new AtomicBoolean(true);
    private final ThreadLocal<byte[]> scratch = ThreadLocal.withInitial(() -> new byte[SNAP_LENGTH]);
    private final LongAdder received = new LongAdder();
    private final LongAdder sent = new LongAdder();
    private final LongAdder sendErrors = new LongAdder();
    private final LongAdder sinkErrors = new LongAdder();
    private final LongAdder truncated = new LongAdder();
    private final LongAdder readErrors = new LongAdder();
    /** Guards the handle's statistics against its close. */
    private final Object statsLock = new Object();
    /** libpcap's drop count as last read; guarded by statsLock. */
    private long lastDropped;

    private PcapChannel(
            String interfaceName,
            PcapHandle handle,
            ByteBufAllocator allocator,
            Consumer<ByteBuf> sink,
            Runnable flush) {
        this.interfaceName = interfaceName;
        this.handle = handle;
        this.allocator = allocator;
        this.sink = sink;
        this.flush = flush;
        this.receiver = new Thread(this::receiveLoop, "vtep4j-pcap-" + interfaceName);
        this.receiver.setDaemon(true);
    }

    /**
     * Opens {@code interfaceName} in promiscuous, immediate mode and starts the receive thread.
     *
     * @throws IllegalArgumentException if no such interface exists in this network namespace
     * @throws IllegalStateException if this process lacks root / CAP_NET_RAW, or libpcap fails otherwise
     */
    public static PcapChannel open(
            String interfaceName, boolean promiscuous, ByteBufAllocator allocator, Consumer<ByteBuf> sink) {
        return open(interfaceName, promiscuous, allocator, sink, () -> {});
    }

    /**
     * Like {@link #open(String, boolean, ByteBufAllocator, Consumer)}, calling {@code flush} on the receive thread
     * after each batch of frames handed to {@code sink} (frames read from libpcap's buffer in one go).
     */
    public static PcapChannel open(
            String interfaceName,
            boolean promiscuous,
            ByteBufAllocator allocator,
            Consumer<ByteBuf> sink,
            Runnable flush) {
        Objects.requireNonNull(interfaceName, "interfaceName");
        Objects.requireNonNull(flush, "flush");
        Objects.requireNonNull(allocator, "allocator");
        Objects.requireNonNull(sink, "sink");
        checkExists(interfaceName);
        PcapHandle handle;
        try {
            handle = new PcapHandle.Builder(interfaceName)
                    .snaplen(SNAP_LENGTH)
                    .promiscuousMode(promiscuous ? PromiscuousMode.PROMISCUOUS : PromiscuousMode.NONPROMISCUOUS)
                    .timeoutMillis(READ_TIMEOUT_MILLIS)
                    .immediateMode(true)
                    .bufferSize(RING_BYTES)
                    // Only frames arriving from the wire: what we inject must not come back to us.
                    .direction(PcapHandle.PcapDirection.IN)
                    .build();
        } catch (PcapNativeException | RuntimeException e) {
            throw PcapErrors.openFailed(interfaceName, e);
        }
        PcapChannel channel = new PcapChannel(interfaceName, handle, allocator, sink, flush);
        channel.receiver.start();
        return channel;
    }

    private static void checkExists(String interfaceName) {
        // /proc/self/net/dev lists every interface of the caller's network namespace, up or down, with or
        // without addresses (java.net.NetworkInterface misses some of those).
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/self/net/dev"));
        } catch (IOException e) {
            return; // not Linux, or /proc not mounted: let libpcap report what it finds
        }
        boolean found = lines.stream().map(String::strip).anyMatch(line -> line.startsWith(interfaceName + ":"));
        if (!found) {
            throw new IllegalArgumentException(
                    "interfaceName: " + interfaceName + " (expected: an existing interface of this network namespace)");
        }
    }

    private void receiveLoop() {
        RawPacketListener listener = this::onPacket;
        while (open.get()) {
            try {
                // All frames waiting in libpcap's buffer in one call (immediate mode: returns as soon as there is
                // one; 0 after the read timeout), then one flush for the batch.
                if (handle.dispatch(-1, listener) > 0) {
                    flushSink();
                }
            } catch (InterruptedException e) {
                // breakLoop() from close(): the while condition decides
            } catch (NotOpenException e) {
                return;
            } catch (PcapNativeException e) {
                // e.g. the interface went down: count, back off a little, and keep going until closed
                readErrors.increment();
                parkQuietly();
            }
        }
    }

    private void onPacket(byte[] frame) {
        if (!open.get()) {
            return;
        }
        Integer wireLength = handle.getOriginalLength(); // set by pcap4j for this callback
        if (wireLength != null && wireLength > frame.length) {
            // Longer than the snap length (a jumbo or GSO super-frame): forwarding the cut frame would corrupt it.
            truncated.increment();
            return;
        }
        received.increment();
        ByteBuf buf = allocator.buffer(HEADROOM + frame.length);
        buf.writerIndex(HEADROOM).readerIndex(HEADROOM);
        buf.writeBytes(frame);
        try {
            sink.accept(buf); // the sink owns buf from here, even when it throws
        } catch (Throwable t) {
            sinkErrors.increment();
        }
    }

    private void flushSink() {
        try {
            flush.run();
        } catch (Throwable t) {
            sinkErrors.increment();
        }
    }

    private static void parkQuietly() {
        try {
            Thread.sleep(READ_TIMEOUT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Transmits {@code frame} (a whole Ethernet frame) on the interface; takes ownership and releases it.
     * Never throws for a transmit failure: returns false and counts it. Thread-safe.
     */
    public boolean inject(ByteBuf frame) {
        try {
            int length = frame.readableBytes();
            if (!open.get() || length > SNAP_LENGTH) {
                sendErrors.increment();
                return false;
            }
            byte[] bytes = scratch.get();
            frame.getBytes(frame.readerIndex(), bytes, 0, length);
            handle.sendPacket(bytes, length);
            sent.increment();
            return true;
        } catch (PcapNativeException | NotOpenException | RuntimeException e) {
            sendErrors.increment();
            return false;
        } finally {
            frame.release();
        }
    }

    /** The interface this channel is bound to. */
    public String interfaceName() {
        return interfaceName;
    }

    /** Frames captured so far. */
    public long received() {
        return received.sum();
    }

    /** Frames injected so far. */
    public long sent() {
        return sent.sum();
    }

    /** Frames that could not be injected (closed, too long, libpcap error). */
    public long sendErrors() {
        return sendErrors.sum();
    }

    /** Frames longer than {@link #SNAP_LENGTH} on the wire, dropped rather than forwarded cut short. */
    public long truncated() {
        return truncated.sum();
    }

    /** libpcap read failures (e.g. the interface went down); the receive thread keeps trying until closed. */
    public long readErrors() {
        return readErrors.sum();
    }

    /** Captured frames whose sink (or flush) threw. */
    public long sinkErrors() {
        return sinkErrors.sum();
    }

    /**
     * Frames libpcap reports it dropped because its buffer was full (ps_drop: on Linux the packet socket's ring
     * overruns); asks libpcap, so call it from a status thread, not per frame. After close: the last value read.
     */
    public long dropped() {
        synchronized (statsLock) {
            if (open.get()) {
                try {
                    lastDropped = Math.max(lastDropped, handle.getStats().getNumPacketsDropped());
                } catch (PcapNativeException | NotOpenException | RuntimeException e) {
                    // no statistics from this handle now: the last value stands
                }
            }
            return lastDropped;
        }
    }

    /** True until {@link #close()}. */
    public boolean isOpen() {
        return open.get();
    }

    /** Stops the receive thread (waiting for it a few seconds at most) and closes the handle. Idempotent. */
    @Override
    public void close() {
        if (!open.compareAndSet(true, false)) {
            return;
        }
        try {
            handle.breakLoop();
        } catch (NotOpenException ignored) {
            // already closed: nothing to interrupt
        }
        try {
            receiver.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (receiver.isAlive()) {
            // Closing under a thread still inside libpcap would free memory it reads: leave the handle open.
            throw new IllegalStateException(
                    "PcapPort " + interfaceName + ": receive thread did not stop within " + JOIN_MILLIS + " ms");
        }
        synchronized (statsLock) {
            handle.close();
        }
    }
}
