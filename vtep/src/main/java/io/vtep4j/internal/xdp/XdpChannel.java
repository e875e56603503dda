package io.vtep4j.internal.xdp;

import com.sun.jna.Native;
import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEvent;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoRegistration;
import io.netty.channel.epoll.EpollIoHandle;
import io.netty.channel.epoll.EpollIoOps;
import io.netty.channel.unix.FileDescriptor;
import io.vtep4j.internal.LoopHandles;
import io.vtep4j.internal.afpacket.RingSink;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * One Ethernet interface through an {@code AF_XDP} socket in copy mode: a small XDP program this class loads itself
 * (no clang, libbpf or libxdp) redirects every frame arriving on the interface to the socket, whose receive ring is
 * read on a Netty epoll event loop with no system call per frame; transmitted frames are copied into UMEM chunks and
 * pushed in batches ({@link XskTransmit}). The program is attached with a BPF link, native mode where the driver
 * has it, else generic; it is detached when the channel closes or the process ends.
 *
 * <p>A trunk sees every frame: the kernel's own stack on this interface receives nothing while the channel is open.
 * One receive queue: an interface with more is refused (frames of the other queues would bypass the channel).
 * Frames longer than a chunk less 256 bytes of headroom are dropped by the kernel and counted.
 *
 * <p>VLAN tags: XDP sees the frame as the driver hands it over, so tags are in the frame ({@link RingSink#frame} gets
 * -1) unless the driver took them out (receive VLAN offload; on a veth, the peer's transmit VLAN offload): turn that
 * off ({@code ethtool -K DEV rxvlan off}) for a tagged trunk.
 *
 * <p>Losses: {@code XDP_STATISTICS} ({@link #overruns()}: dropped and receive ring full; {@link #fillRingEmpty()},
 * {@link #sendFailures()}: descriptors the kernel found invalid).
 *
 * <p>Threading: {@link RingSink} callbacks, {@link #send} and {@link #flush} run on {@link #loop()} ({@link #send}
 * from another thread hands the frame to the loop); counters and {@link #close} from any thread. {@link #send} takes
 * ownership of the frame.
 */
public final class XdpChannel implements EpollIoHandle {
    private static final int RX_HEADROOM = 256; // XDP_PACKET_HEADROOM: copy mode puts the frame this far in
    /**
     * Frames one busy-poll round moves into the receive ring at most (a NAPI poll's usual weight): short rounds keep
     * the time between two polls well inside the device's {@code gro_flush_timeout}, after which the kernel would run
     * the receive itself, beside the loop.
     */
    private static final int BUSY_POLL_BUDGET = 64;

    private static final System.Logger LOG = System.getLogger("io.vtep4j");

    private final String interfaceName;
    private final IoEventLoop loop;
    private final FileDescriptor fd;
    private final RingSink sink;
    private final Options options;
    private final XskSocket socket;
    private final XdpAttachment attachment;
    private final XskTransmit tx;
    private final long[] stats = new long[6];
    private final Runnable flushTask = this::runFlush;
    private final Runnable pollTask = this::runPoll;
    private boolean flushScheduled;
    private boolean pollScheduled;
    /** Busy polling asked for and not yet found impossible (the socket has no NAPI id to poll). */
    private volatile boolean busyPolling;

    private boolean napiChecked;
    private IoRegistration registration;
    private volatile boolean closed;
    private boolean released;
    private long received;
    private long malformed;

    /**
     * What a channel is opened with.
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
     */
    public record Options(int chunkSize, int chunks, int frameBudget, int txBatch, int busyPollMicros) {
        /** Checks every value, naming the one that is wrong. */
        public Options {
            if (chunkSize != 2048 && chunkSize != 4096) {
                throw new IllegalArgumentException("chunkSize: " + chunkSize + " (expected: 2048 or 4096)");
            }
            if (chunks < 64 || chunks > 65536 || Integer.bitCount(chunks) != 1) {
                throw new IllegalArgumentException("chunks: " + chunks + " (expected: a power of two 64..65536)");
            }
            if (frameBudget < 1 || frameBudget > chunks / 2) {
                throw new IllegalArgumentException(
                        "frameBudget: " + frameBudget + " (expected: 1.." + (chunks / 2) + ")");
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
         * frames at 100,000 a second, for the loop to fall behind by), 256 frames per wakeup, 64 per kick. Where the
         * process may not lock 32 MiB, {@link XdpChannel#open} uses a quarter of it.
         */
        public static Options defaults() {
            return sized(2048);
        }

        /** {@link #defaults()} with chunks of {@code chunkSize} bytes (2048 or 4096): a 32 MiB UMEM. */
        public static Options sized(int chunkSize) {
            return new Options(chunkSize, (32 << 20) / chunkSize, 256, 64, 0);
        }

        /** These options with preferred busy polling of {@code micros} (0: off); see {@link Options}. */
        public Options withBusyPoll(int micros) {
            return new Options(chunkSize, chunks, frameBudget, txBatch, micros);
        }

        /** These options with a quarter of the chunks, for a process that may not lock the full UMEM. */
        Options smaller() {
            int fewer = Math.max(64, chunks / 4);
            return new Options(
                    chunkSize, fewer, Math.min(frameBudget, fewer / 2), Math.min(txBatch, fewer / 2), busyPollMicros);
        }
    }

    private XdpChannel(
            String interfaceName,
            IoEventLoop loop,
            RingSink sink,
            Options options,
            XskSocket socket,
            XdpAttachment attachment) {
        this.interfaceName = interfaceName;
        this.loop = loop;
        this.fd = new FileDescriptor(socket.fd);
        this.sink = sink;
        this.options = options;
        this.socket = socket;
        this.attachment = attachment;
        int half = options.chunks() / 2;
        this.tx = new XskTransmit(
                socket.umem,
                socket.tx,
                socket.completion,
                new XskTransmit.Kicker() {
                    @Override
                    public long kick() {
                        return socket.kick();
                    }

                    @Override
                    public int errno() {
                        return XdpCalls.errno();
                    }
                },
                (long) half * options.chunkSize(),
                half,
                options.chunkSize());
    }

    /**
     * Null if this platform can run the channel (Linux with epoll, a little-endian 64-bit CPU the bpf system call's
     * number is known for, JNA); else why not. Permissions and kernel support are found out by {@link #open}.
     */
    public static String unsupportedReason() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            return "needs Linux; this is " + System.getProperty("os.name");
        }
        try {
            if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN
                    || Native.POINTER_SIZE != 8
                    || XdpCalls.SYS_BPF < 0) {
                return "needs a little-endian 64-bit CPU it knows the bpf system call of; this is "
                        + System.getProperty("os.arch");
            }
            if (!io.netty.channel.epoll.Epoll.isAvailable()) {
                return "needs Netty's native epoll: " + io.netty.channel.epoll.Epoll.unavailabilityCause();
            }
            XdpCalls.errno(); // binds libc now
        } catch (LinkageError e) {
            return "needs JNA's native library for this platform: " + e;
        }
        return null;
    }

    /** Receive queues of {@code interfaceName} as sysfs lists them (1 when it cannot tell). */
    static int receiveQueues(String interfaceName) {
        Path queues = Path.of("/sys/class/net", interfaceName, "queues");
        try (Stream<Path> list = Files.list(queues)) {
            return (int) Math.max(
                    1,
                    list.filter(p -> p.getFileName().toString().startsWith("rx-"))
                            .count());
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    /**
     * Loads the program, opens the socket on queue 0 of {@code interfaceName}, attaches the program, registers with
     * {@code loop} and starts receiving. Call from a thread that is not {@code loop}. Nothing is left behind on
     * failure.
     *
     * @throws IOException naming the step that failed and the kernel's reason (no such interface, more than one
     *     receive queue, no permission, locked-memory limit, XDP not supported)
     */
    public static XdpChannel open(IoEventLoop loop, String interfaceName, RingSink sink, Options options)
            throws IOException {
        return open(loop, interfaceName, sink, options, BpfProgram::redirectAllToSockets, true);
    }

    /**
     * {@link #open(IoEventLoop, String, RingSink, Options)} with {@code program} (built for the map's fd) instead of
     * the trunk's; {@code oneQueue} false allows an interface with several receive queues (the program must pass the
     * frames of queues without a socket to the kernel).
     */
    static XdpChannel open(
            IoEventLoop loop,
            String interfaceName,
            RingSink sink,
            Options options,
            IntFunction<BpfProgram> program,
            boolean oneQueue)
            throws IOException {
        String unsupported = unsupportedReason();
        if (unsupported != null) {
            throw new IOException("AF_XDP " + unsupported);
        }
        int index = XdpCalls.if_nametoindex(interfaceName);
        if (index == 0) {
            throw new IOException(interfaceName + ": no such interface");
        }
        int queues = receiveQueues(interfaceName);
        if (queues != 1 && oneQueue) {
            throw new IOException(interfaceName + ": " + queues + " receive queues; the XDP trunk reads queue 0 only "
                    + "(ethtool -L " + interfaceName + " rx 1, or combined 1)");
        }
        XdpAttachment attachment = null;
        XskSocket socket = null;
        Options used = options;
        try {
            attachment = XdpAttachment.load(1, program);
            try {
                socket = XskSocket.open(used.chunks(), used.chunkSize(), used.chunks() / 2);
            } catch (XskSocket.LockedMemoryException e) {
                if (used.chunks() <= 4096) {
                    throw e;
                }
                used = used.smaller(); // a smaller ring rather than no AF_XDP at all
                socket = XskSocket.open(used.chunks(), used.chunkSize(), used.chunks() / 2);
            }
            stock(socket, used);
            if (used.busyPollMicros() > 0) {
                socket.busyPoll(used.busyPollMicros(), Math.min(BUSY_POLL_BUDGET, used.frameBudget()));
            }
            socket.bind(index, 0);
            attachment.steer(0, socket.fd);
            attachment.attach(index);
        } catch (IOException | RuntimeException e) {
            if (attachment != null) {
                attachment.close();
            }
            if (socket != null) {
                socket.close();
            }
            throw new IOException(interfaceName + ": " + e.getMessage(), e);
        }
        XdpChannel channel = new XdpChannel(interfaceName, loop, sink, used, socket, attachment);
        channel.busyPolling = used.busyPollMicros() > 0;
        try {
            channel.registration = LoopHandles.register(loop, channel, "");
            channel.registration.submit(EpollIoOps.EPOLLIN);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException(interfaceName + ": " + e.getMessage(), e);
        }
        return channel;
    }

    /** Gives the kernel every receive chunk (the first half of the UMEM) through the fill ring. */
    private static void stock(XskSocket socket, Options options) {
        XskRing fill = socket.fill;
        int half = options.chunks() / 2;
        int n = fill.reserve(half);
        for (int i = 0; i < n; i++) {
            fill.memory().setLongLE(fill.slot(fill.next() + i), (long) i * options.chunkSize());
        }
        fill.submit(n);
    }

    /** The event loop the rings are driven on. */
    public IoEventLoop loop() {
        return loop;
    }

    /** Bytes of UMEM this channel registered (less than asked for where the process may not lock that much). */
    public long umemBytes() {
        return (long) options.chunks() * options.chunkSize();
    }

    /**
     * Whether the loop drives the interface's receive itself: busy polling was asked for and the kernel linked the
     * socket to a NAPI context. False where the driver has none to offer (a veth on Linux 6.14 and later, which gives
     * an XDP socket no NAPI id); then the channel reads the receive ring when epoll reports it, as without busy
     * polling, and the interface's deferred interrupts (if set) still batch its receive work.
     */
    public boolean busyPolling() {
        return busyPolling;
    }

    /** "native" or "generic": how the program is attached. */
    public String attachMode() {
        return attachment.mode();
    }

    @Override
    public FileDescriptor fd() {
        return fd;
    }

    @Override
    public void handle(IoRegistration registration, IoEvent ioEvent) {
        if (closed) {
            return;
        }
        try {
            if (receive(options.frameBudget()) > 0) {
                sink.batchEnd();
            }
            if (busyPolling) {
                if (!napiChecked) {
                    napiChecked = true;
                    busyPolling = napiId() != 0; // 0: nothing to drive, a poll round would be a system call for nothing
                    if (!busyPolling) {
                        LOG.log(
                                System.Logger.Level.INFO,
                                "AF_XDP on " + interfaceName + ": no busy polling, the kernel linked the socket to "
                                        + "no NAPI context (its driver does not register one per queue, as a veth does not); "
                                        + "the ring is read when epoll reports it");
                    }
                }
                if (busyPolling) {
                    schedulePoll(); // traffic has started: from here on the loop drives the device's receive itself
                }
            }
        } catch (Throwable t) {
            // nothing leaves the event loop
        }
        flush();
    }

    /**
     * One round of busy polling: the device's receive runs in this thread (up to the budget) and what it put into the
     * receive ring is read at once. While rounds find frames the next round is queued behind the loop's other work;
     * the first empty round hands waking up back to epoll (the device's deferred interrupt, or the next frame).
     */
    private void runPoll() {
        pollScheduled = false;
        if (closed) {
            return;
        }
        try {
            socket.poll();
            if (receive(options.frameBudget()) > 0) {
                sink.batchEnd();
                schedulePoll();
            }
        } catch (Throwable t) {
            // nothing leaves the event loop
        }
        flush();
    }

    private void schedulePoll() {
        if (!pollScheduled && !closed) {
            try {
                loop.execute(pollTask);
                pollScheduled = true;
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Reads at most {@code budget} frames, handing each to the sink and its chunk back to the fill ring. */
    private int receive(int budget) {
        XskRing rx = socket.rx;
        XskRing fill = socket.fill;
        int n = rx.peek(budget);
        n = n == 0 ? 0 : fill.reserve(n);
        ByteBuf ring = rx.memory();
        ByteBuf fillRing = fill.memory();
        ByteBuf umem = socket.umem;
        long mask = ~(long) (options.chunkSize() - 1);
        long rxEnd = (long) options.chunks() / 2 * options.chunkSize();
        int start = rx.next();
        int fillStart = fill.next();
        int delivered = 0;
        for (int i = 0; i < n; i++) {
            int slot = rx.slot(start + i);
            long addr = ring.getLongLE(slot);
            int length = ring.getIntLE(slot + 8);
            long chunk = addr & mask;
            if (chunk < 0 || chunk >= rxEnd || length < 0 || addr + length > chunk + options.chunkSize()) {
                malformed++; // not from a sane kernel; its chunk (if any) is lost
                continue;
            }
            delivered++;
            try {
                sink.frame(umem, (int) addr, length, -1, 0x8100);
            } catch (RuntimeException ignored) {
                // the sink must not throw; the rings and the loop survive if it does
            }
            fillRing.setLongLE(fill.slot(fillStart + delivered - 1), chunk);
        }
        if (n > 0) {
            rx.release(n);
            fill.submit(delivered);
            received += delivered;
        }
        return delivered;
    }

    /**
     * Transmits one frame, with an 802.1Q tag carrying {@code vlanTci} inserted after the MACs unless it is -1. On the
     * loop the frame joins the current batch (published when the batch is full or at the end of the loop's current
     * task); elsewhere it is handed to the loop. Takes ownership; false if it cannot be sent (closed, too long, no
     * free chunk).
     */
    public boolean send(ByteBuf frame, int vlanTci) {
        if (closed) {
            frame.release();
            return false;
        }
        if (!loop.inEventLoop()) {
            try {
                loop.execute(() -> {
                    send(frame, vlanTci);
                    flush();
                });
                return true;
            } catch (RejectedExecutionException e) {
                frame.release();
                return false;
            }
        }
        if (!tx.queue(frame, vlanTci, options.txBatch())) {
            return false;
        }
        if (tx.pending() > 0 && !flushScheduled) {
            try {
                loop.execute(flushTask);
                flushScheduled = true;
            } catch (RejectedExecutionException e) {
                tx.flush();
            }
        }
        return true;
    }

    /** For a frame the caller writes itself: see {@link XskTransmit#claim}; -1 when closed. Event loop only. */
    long claim(int length) {
        return closed ? -1 : tx.claim(length);
    }

    /** Queues a claimed chunk of {@code length} bytes for transmission (see {@link XskTransmit#commit}). */
    void commit(long chunk, int length) {
        tx.commit(chunk, length, options.txBatch());
    }

    /** The UMEM, to write claimed chunks into. */
    ByteBuf umem() {
        return socket.umem;
    }

    /** Publishes and kicks what {@link #send} batched so far. Event loop only. */
    public void flush() {
        if (!closed && tx.flush() && !flushScheduled) {
            // descriptors still queued while the kernel makes progress: go on after the loop's other work
            try {
                loop.execute(flushTask);
                flushScheduled = true;
            } catch (RejectedExecutionException e) {
                // closing: what is queued is lost with the socket
            }
        }
    }

    private void runFlush() {
        flushScheduled = false;
        flush();
    }

    /** Frames received and handed to the sink so far. */
    public long received() {
        return received;
    }

    /** Frames the kernel completed on transmit. */
    public long sent() {
        return tx.completed();
    }

    /** Transmit descriptors the kernel found invalid ({@code tx_invalid_descs}), and kicks that failed. */
    public synchronized long sendFailures() {
        readStatistics();
        return stats[2] + tx.kickErrors();
    }

    /** Receive descriptors that pointed outside the receive half of the UMEM (not seen from a sane kernel). */
    public long truncated() {
        return malformed;
    }

    /**
     * Frames the kernel dropped before the channel saw them: no free chunk or too long for one ({@code rx_dropped}),
     * or the receive ring full ({@code rx_ring_full}). Reads the kernel's counters.
     */
    public synchronized long overruns() {
        readStatistics();
        return stats[0] + stats[3];
    }

    /** Times the kernel found the fill ring empty ({@code rx_fill_ring_empty_descs}). Reads the kernel's counters. */
    public synchronized long fillRingEmpty() {
        readStatistics();
        return stats[4];
    }

    /** The socket's NAPI id (the scratch buffer is shared with the statistics, hence the lock). */
    private synchronized int napiId() {
        return released ? 0 : socket.napiId();
    }

    private void readStatistics() {
        if (!released) {
            socket.statistics(stats);
        }
    }

    /** Detaches the program, unmaps the rings and UMEM, closes the socket; runs on the loop (waits elsewhere). */
    @Override
    public void close() {
        if (LoopHandles.handedOver(loop, this::close)) {
            return;
        }
        closed = true;
        synchronized (this) {
            if (released) {
                return;
            }
            readStatistics();
            released = true;
            LoopHandles.cancel(registration);
            attachment.close();
            socket.close();
        }
    }
}
