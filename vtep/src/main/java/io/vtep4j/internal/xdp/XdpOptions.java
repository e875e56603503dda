package io.vtep4j.internal.xdp;

import io.vtep4j.XdpMode;
import java.util.Objects;

/**
 * What an {@link XdpChannel} is opened with.
 *
 * @param chunkSize bytes per UMEM chunk: 2048 or 4096 (frames up to 256 bytes less are received)
 * @param chunks UMEM chunks, a power of two 64..65536: half receive, half transmit; each ring holds half
 * @param frameBudget frames read per wakeup at most (bounded work per wakeup)
 * @param txBatch frames described before they are published and kicked
 * @param busyPollMicros 0: the loop reads the receive ring when epoll reports it readable; else preferred busy
 *     polling ({@code SO_BUSY_POLL} of this many microseconds, {@code SO_PREFER_BUSY_POLL}, a busy-poll budget of
 *     64 frames): while frames keep coming the loop itself runs the device's receive round by round
 *     instead of waiting for it, and under overload the excess is dropped before the device's receive work is done
 *     for it. Works as meant where the device defers its interrupts ({@code napi_defer_hard_irqs} and
 *     {@code gro_flush_timeout} in sysfs), and only where the kernel links the socket to a NAPI context
 *     ({@link XdpChannel#busyPolling()}); needs CAP_NET_ADMIN
 * @param mode how the XDP program is attached ({@link XdpMode})
 */
public record XdpOptions(int chunkSize, int chunks, int frameBudget, int txBatch, int busyPollMicros, XdpMode mode) {
    /** Checks every value, naming the one that is wrong. */
    public XdpOptions {
        Objects.requireNonNull(mode, "mode: null (expected: AUTO, NATIVE or GENERIC)");
        if (chunkSize != 2048 && chunkSize != 4096) {
            throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 2048 or 4096)");
        }
        if (chunks < 64 || chunks > 65536 || Integer.bitCount(chunks) != 1) {
            throw new IllegalArgumentException("chunks: " + chunks + " (expected: a power of two 64..65536)");
        }
        if (frameBudget < 1 || frameBudget > chunks / 2) {
            throw new IllegalArgumentException("frameBudget: " + frameBudget + " (expected: 1.." + (chunks / 2) + ")");
        }
        if (txBatch < 1 || txBatch > chunks / 2) {
            throw new IllegalArgumentException("txBatch: " + txBatch + " (expected: 1.." + (chunks / 2) + ")");
        }
        if (busyPollMicros < 0 || busyPollMicros > 10_000) {
            throw new IllegalArgumentException("busyPollMicros: " + busyPollMicros + " (expected: 0..10000)");
        }
    }

    /**
     * A 32 MiB UMEM of 2 KiB chunks (frames up to 1792 bytes; an 8192-entry receive ring, about 80 ms of small
     * frames at 100,000 a second, for the loop to fall behind by), 256 frames per wakeup, 64 per kick, the program
     * attached as {@link XdpMode#AUTO} chooses. Where the process may not lock 32 MiB, {@link XdpChannel#open} uses a
     * quarter of it.
     */
    public static XdpOptions defaults() {
        return sized(2048);
    }

    /** {@link #defaults()} with chunks of {@code chunkSize} bytes (2048 or 4096): a 32 MiB UMEM. */
    public static XdpOptions sized(int chunkSize) {
        return new XdpOptions(chunkSize, (32 << 20) / chunkSize, 256, 64, 0, XdpMode.AUTO);
    }

    /** These options with preferred busy polling of {@code micros} (0: off); see {@link XdpOptions}. */
    public XdpOptions withBusyPoll(int micros) {
        return new XdpOptions(chunkSize, chunks, frameBudget, txBatch, micros, mode);
    }

    /** These options with the program attached in {@code xdpMode}. */
    public XdpOptions withMode(XdpMode xdpMode) {
        return new XdpOptions(chunkSize, chunks, frameBudget, txBatch, busyPollMicros, xdpMode);
    }

    /**
     * The options for each of {@code queues} sockets: the chunks divided among them, but at least {@code minChunks}
     * each (or all there are), so that many queues do not lock many times the memory of one.
     */
    XdpOptions perQueue(int queues, int minChunks) {
        int each = Math.max(Math.min(minChunks, chunks), chunks / Integer.highestOneBit(Math.max(1, queues)));
        return new XdpOptions(
                chunkSize, each, Math.min(frameBudget, each / 2), Math.min(txBatch, each / 2), busyPollMicros, mode);
    }

    /** These options with a quarter of the chunks, for a process that may not lock the full UMEM. */
    XdpOptions smaller() {
        int fewer = Math.max(64, chunks / 4);
        return new XdpOptions(
                chunkSize, fewer, Math.min(frameBudget, fewer / 2), Math.min(txBatch, fewer / 2), busyPollMicros, mode);
    }
}
