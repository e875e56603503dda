package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link UnderlayReceiver} for transport tests: queues every received payload with its source, counts batch ends
 * and drops by reason, records read-ahead calls. Thread-safe; the test owns the queued payloads ({@link #releaseAll} after each test).
 */
public final class RecordingReceiver implements UnderlayReceiver {

    /** One received datagram. */
    public record Received(ByteBuf payload, InetAddress source) {}

    /**
     * One {@link #readAhead} call: the first byte at {@code offset}, the length, and how many datagrams had been
     * received by then.
     */
    public record ReadAhead(int firstByte, int length, int receivedBefore) {}

    public final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
    public final AtomicLong readCompletes = new AtomicLong();
    public final ConcurrentLinkedQueue<ReadAhead> readAheads = new ConcurrentLinkedQueue<>();
    private final AtomicInteger receivedCount = new AtomicInteger();
    public final Map<DropReason, AtomicLong> drops = new ConcurrentHashMap<>();

    @Override
    public void received(ByteBuf payload, InetAddress source) {
        receivedCount.incrementAndGet();
        received.add(new Received(payload, source));
    }

    @Override
    public long readAhead(ByteBuf batch, int offset, int length) {
        readAheads.add(new ReadAhead(batch.getUnsignedByte(offset), length, receivedCount.get()));
        return length;
    }

    @Override
    public void readComplete() {
        readCompletes.incrementAndGet();
    }

    @Override
    public void dropped(DropReason reason) {
        drops.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
    }

    /** Drops of {@code reason} so far. */
    public long drops(DropReason reason) {
        AtomicLong n = drops.get(reason);
        return n == null ? 0 : n.get();
    }

    /** The next datagram within {@code seconds}, or null. */
    public Received next(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    /** Releases whatever is still queued. */
    public void releaseAll() {
        for (Received r; (r = received.poll()) != null; ) {
            r.payload().release();
        }
    }
}
