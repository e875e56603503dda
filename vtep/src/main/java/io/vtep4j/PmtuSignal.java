package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.function.LongSupplier;

/**
 * Path MTU signalling of one VTEP: decides whether a frame too big for the tunnel gets an ICMP answer, spends a
 * token of the VTEP-wide rate limit for it, and builds it ({@link PacketTooBig}). RFC 7348 §4.3 forbids fragmenting
 * the tunnel packet; without an answer, a sender with DF set would retry the same size for ever (a PMTU black hole).
 *
 * <p>Thread-safe (the limiter is lock-free); allocates only the answer, which the caller owns.
 */
final class PmtuSignal {

    /** Answers per second by default: Linux's {@code net.ipv4.icmp_msgs_per_sec}. */
    static final int DEFAULT_RATE = 1000;
    /** Answers back to back by default: Linux's {@code net.ipv4.icmp_msgs_burst}. */
    static final int DEFAULT_BURST = 50;

    /** The validated settings of a {@link Vtep.Builder}: answers per second and burst. */
    record Settings(int rate, int burst) {}

    private final FloodLimiter limiter;
    private final LongSupplier ticker;
    private final ByteBufAllocator allocator;

    PmtuSignal(Settings settings, LongSupplier ticker, ByteBufAllocator allocator) {
        this.ticker = ticker;
        this.allocator = allocator;
        this.limiter = new FloodLimiter(settings.rate(), settings.burst(), ticker.getAsLong());
    }

    /** Whether the frame at {@code offset} of {@code packet} (to its end) may be due an answer (IPv4 + DF, IPv6). */
    static boolean due(ByteBuf packet, int offset) {
        return PacketTooBig.mayAnswer(packet, offset, packet.writerIndex() - offset);
    }

    /** Takes a token of the rate limit; false if there is none now. */
    boolean tryAcquire() {
        return limiter.tryAcquire(ticker.getAsLong());
    }

    /**
     * The answer to the inner frame at {@code offset} of {@code packet} (to its end) that did not fit, when the
     * largest frame that would have fitted is {@code maxFrame} bytes; null if none is due after all. Does not take
     * ownership of {@code packet} nor move its indices; the caller owns the answer.
     */
    ByteBuf answer(ByteBuf packet, int offset, int maxFrame) {
        return PacketTooBig.answer(allocator, packet, offset, packet.writerIndex() - offset, maxFrame);
    }
}
