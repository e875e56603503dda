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
import io.vtep4j.internal.afpacket.RingChannel;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.internal.libc.LibC;
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
public final class XdpChannel implements EpollIoHandle, RingChannel {
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
    private final XdpOptions options;
    private final XskSocket socket;
    private final XdpAttachment attachment;
    private final XskReceive rx;
    private final XskTransmit tx;
    private final long[] stats = new long[6];
    private final Runnable flushTask = this::runFlush;
    private final Runnable pollTask = this::runPoll;
    private boolean flushScheduled;
    private boolean pollScheduled;
    /** Busy polling asked for and not yet found impossible (the socket has no NAPI id to poll). */
    private volatile boolean busyPolling;
    /** Whether the socket's NAPI id was read (once, at the first traffic). */
    private boolean napiChecked;

    private IoRegistration registration;
    private volatile boolean closed;
    private boolean released;

    private XdpChannel(
            String interfaceName,
            IoEventLoop loop,
            RingSink sink,
            XdpOptions options,
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
        this.rx = new XskReceive(socket, sink, options.chunkSize(), half);
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
                        return LibC.errno();
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
            LibC.errno(); // binds libc now
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
    public static XdpChannel open(IoEventLoop loop, String interfaceName, RingSink sink, XdpOptions options)
            throws IOException {
        return open(loop, interfaceName, sink, options, BpfProgram::redirectAllToSockets, true);
    }

    /**
     * {@link #open(IoEventLoop, String, RingSink, XdpOptions)} with {@code program} (built for the map's fd) instead of
     * the trunk's; {@code oneQueue} false allows an interface with several receive queues (the program must pass the
     * frames of queues without a socket to the kernel).
     */
    static XdpChannel open(
            IoEventLoop loop,
            String interfaceName,
            RingSink sink,
            XdpOptions options,
            IntFunction<BpfProgram> program,
            boolean oneQueue)
            throws IOException {
        String unsupported = unsupportedReason();
        if (unsupported != null) {
            throw new IOException("AF_XDP " + unsupported);
        }
        int index = LibC.if_nametoindex(interfaceName);
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
        XdpOptions used = options;
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
            XskReceive.stock(socket, used.chunkSize(), used.chunks() / 2);
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
            if (rx.receive(options.frameBudget()) > 0) {
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
            if (rx.receive(options.frameBudget()) > 0) {
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

    /**
     * Transmits one frame, with an 802.1Q tag carrying {@code vlanTci} inserted after the MACs unless it is -1. On the
     * loop the frame joins the current batch (published when the batch is full or at the end of the loop's current
     * task); elsewhere it is handed to the loop. Takes ownership; false if it cannot be sent (closed, too long, no
     * free chunk).
     */
    @Override
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
    @Override
    public long received() {
        return rx.received();
    }

    /** Frames the kernel completed on transmit. */
    @Override
    public long sent() {
        return tx.completed();
    }

    /** Transmit descriptors the kernel found invalid ({@code tx_invalid_descs}), and kicks that failed. */
    @Override
    public synchronized long sendFailures() {
        readStatistics();
        return stats[2] + tx.kickErrors();
    }

    /** Receive descriptors that pointed outside the receive half of the UMEM (not seen from a sane kernel). */
    @Override
    public long truncated() {
        return rx.malformed();
    }

    /**
     * Frames the kernel dropped before the channel saw them: no free chunk or too long for one ({@code rx_dropped}),
     * or the receive ring full ({@code rx_ring_full}). Reads the kernel's counters.
     */
    @Override
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
