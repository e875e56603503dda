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
import io.vtep4j.internal.netlink.LinkKind;
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
 * pushed in batches ({@link XskTransmit}). The program is attached with a BPF link in the mode
 * {@link XdpOptions#mode()} asks for (by default generic on a veth, else native where the driver has it, else
 * generic); it is detached when the channel closes or the process ends.
 *
 * <p>A trunk sees every frame: the kernel's own stack on this interface receives nothing while the channel is open.
 * Every receive queue of the interface gets a socket of its own (at most {@link #MAX_QUEUES}), with its own UMEM of
 * {@link XdpOptions#chunks()} divided by the number of queues (at least {@link #MIN_QUEUE_CHUNKS} chunks); all of
 * them are read on the one event loop, and frames are transmitted through the first queue's socket. Frames longer
 * than a chunk less 256 bytes of headroom are dropped by the kernel and counted.
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
public final class XdpChannel implements RingChannel {
    /** Receive queues one channel serves at most: a socket, a UMEM and a ring set each. */
    public static final int MAX_QUEUES = 64;
    /** Chunks of each queue's UMEM at least, however many queues share the options' chunks. */
    static final int MIN_QUEUE_CHUNKS = 1024;

    /**
     * Frames one busy-poll round moves into the receive ring at most (a NAPI poll's usual weight): short rounds keep
     * the time between two polls well inside the device's {@code gro_flush_timeout}, after which the kernel would run
     * the receive itself, beside the loop.
     */
    private static final int BUSY_POLL_BUDGET = 64;

    private static final System.Logger LOG = System.getLogger("io.vtep4j");

    private final String interfaceName;
    private final IoEventLoop loop;
    private final RingSink sink;
    private final XdpOptions options;
    private final XdpAttachment attachment;
    /** One per receive queue, by queue index; frames leave through the first one's socket. */
    private final Queue[] queues;

    private final XskTransmit tx;
    /** Each queue's {@code struct xdp_statistics}, as last read. */
    private final long[][] stats;

    private final Runnable flushTask = this::runFlush;
    private boolean flushScheduled;

    private volatile boolean closed;
    private boolean released;
    /** Whether a queue has said that it cannot busy-poll (loop only). */
    private boolean noNapiLogged;

    private XdpChannel(
            String interfaceName,
            IoEventLoop loop,
            RingSink sink,
            XdpOptions options,
            XskSocket[] sockets,
            XdpAttachment attachment) {
        this.interfaceName = interfaceName;
        this.loop = loop;
        this.sink = sink;
        this.options = options;
        this.attachment = attachment;
        int half = options.chunks() / 2;
        this.queues = new Queue[sockets.length];
        this.stats = new long[sockets.length][6];
        for (int q = 0; q < sockets.length; q++) {
            queues[q] = new Queue(q, sockets[q], new XskReceive(sockets[q], sink, options.chunkSize(), half));
        }
        XskSocket first = sockets[0];
        this.tx = new XskTransmit(
                first.umem,
                first.tx,
                first.completion,
                new XskTransmit.Kicker() {
                    @Override
                    public long kick() {
                        return first.kick();
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
     * Loads the program, opens a socket on every receive queue of {@code interfaceName}, attaches the program,
     * registers with {@code loop} and starts receiving. Call from a thread that is not {@code loop}. Nothing is left
     * behind on failure.
     *
     * @throws IOException naming the step that failed and the kernel's reason (no such interface, more than
     *     {@link #MAX_QUEUES} receive queues, no permission, locked-memory limit, XDP not supported)
     */
    public static XdpChannel open(IoEventLoop loop, String interfaceName, RingSink sink, XdpOptions options)
            throws IOException {
        return open(loop, interfaceName, sink, options, BpfProgram::redirectAllToSockets);
    }

    /**
     * {@link #open(IoEventLoop, String, RingSink, XdpOptions)} with {@code program} (built for the map's fd) instead of
     * the trunk's.
     */
    static XdpChannel open(
            IoEventLoop loop, String interfaceName, RingSink sink, XdpOptions options, IntFunction<BpfProgram> program)
            throws IOException {
        String unsupported = unsupportedReason();
        if (unsupported != null) {
            throw new IOException("AF_XDP " + unsupported);
        }
        int index = LibC.if_nametoindex(interfaceName);
        if (index == 0) {
            throw new IOException(interfaceName + ": no such interface");
        }
        int queueCount = receiveQueues(interfaceName);
        if (queueCount > MAX_QUEUES) {
            throw new IOException(interfaceName + ": " + queueCount + " receive queues; an XDP channel serves at most "
                    + MAX_QUEUES + " (ethtool -L " + interfaceName + " rx " + MAX_QUEUES + ", or combined "
                    + MAX_QUEUES + ")");
        }
        XdpAttachment attachment = null;
        XskSocket[] sockets = null;
        XdpOptions used = options.perQueue(queueCount, MIN_QUEUE_CHUNKS);
        try {
            attachment = XdpAttachment.load(queueCount, program);
            try {
                sockets = openSockets(queueCount, used);
            } catch (XskSocket.LockedMemoryException e) {
                if (used.chunks() <= MIN_QUEUE_CHUNKS) {
                    throw e;
                }
                used = used.smaller(); // smaller rings rather than no AF_XDP at all
                sockets = openSockets(queueCount, used);
            }
            for (int q = 0; q < queueCount; q++) {
                sockets[q].bind(index, q);
                attachment.steer(q, sockets[q].fd);
            }
            attachment.attach(index, used.mode(), LinkKind.of(index));
        } catch (IOException | RuntimeException e) {
            if (attachment != null) {
                attachment.close();
            }
            closeAll(sockets);
            throw new IOException(interfaceName + ": " + e.getMessage(), e);
        }
        XdpChannel channel = new XdpChannel(interfaceName, loop, sink, used, sockets, attachment);
        try {
            for (Queue queue : channel.queues) {
                queue.busyPolling = used.busyPollMicros() > 0;
                queue.registration = LoopHandles.register(loop, queue, "");
                queue.registration.submit(EpollIoOps.EPOLLIN);
            }
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException(interfaceName + ": " + e.getMessage(), e);
        }
        return channel;
    }

    /**
     * One socket per queue with {@code options}' UMEM and rings, receive chunks stocked and busy polling set; all
     * closed again if one fails.
     */
    private static XskSocket[] openSockets(int count, XdpOptions options) throws IOException {
        XskSocket[] sockets = new XskSocket[count];
        try {
            for (int q = 0; q < count; q++) {
                sockets[q] = XskSocket.open(options.chunks(), options.chunkSize(), options.chunks() / 2);
                XskReceive.stock(sockets[q], options.chunkSize(), options.chunks() / 2);
                if (options.busyPollMicros() > 0) {
                    sockets[q].busyPoll(options.busyPollMicros(), Math.min(BUSY_POLL_BUDGET, options.frameBudget()));
                }
            }
            return sockets;
        } catch (IOException | RuntimeException e) {
            closeAll(sockets);
            throw e;
        }
    }

    private static void closeAll(XskSocket[] sockets) {
        if (sockets != null) {
            for (XskSocket socket : sockets) {
                if (socket != null) {
                    socket.close();
                }
            }
        }
    }

    /** The event loop the rings are driven on. */
    public IoEventLoop loop() {
        return loop;
    }

    /**
     * Bytes of UMEM this channel registered over all its queues (less than asked for where the process may not lock
     * that much).
     */
    public long umemBytes() {
        return (long) queues.length * options.chunks() * options.chunkSize();
    }

    /**
     * Whether the loop drives the interface's receive itself: busy polling was asked for and the kernel linked the
     * sockets to NAPI contexts. False where the driver has none to offer (a veth on Linux 6.14 and later, which gives
     * an XDP socket no NAPI id); then the channel reads the receive rings when epoll reports them, as without busy
     * polling, and the interface's deferred interrupts (if set) still batch its receive work.
     */
    public boolean busyPolling() {
        for (Queue queue : queues) {
            if (!queue.busyPolling) {
                return false;
            }
        }
        return true;
    }

    /** The AF_XDP socket of receive queue {@code queue}, for reading its options. */
    public FileDescriptor fd(int queue) {
        return queues[queue].fd;
    }

    /** The receive queues served, one socket each. */
    public int queueCount() {
        return queues.length;
    }

    /** "native" or "generic": how the program is attached. */
    public String attachMode() {
        return attachment.mode();
    }

    /**
     * One receive queue: its socket, registered with the loop on its own, and its receive ring. Busy polling is per
     * queue, since each queue has its own NAPI context.
     */
    private final class Queue implements EpollIoHandle {
        final int id;
        final XskSocket socket;
        final FileDescriptor fd;
        final XskReceive rx;
        final Runnable pollTask = this::runPoll;
        IoRegistration registration;
        boolean pollScheduled;
        /** Busy polling asked for and not yet found impossible (the socket has no NAPI id to poll). */
        volatile boolean busyPolling;
        /** Whether the socket's NAPI id was read (once, at the first traffic). */
        boolean napiChecked;

        Queue(int id, XskSocket socket, XskReceive rx) {
            this.id = id;
            this.socket = socket;
            this.fd = new FileDescriptor(socket.fd);
            this.rx = rx;
        }

        @Override
        public FileDescriptor fd() {
            return fd;
        }

        /** Netty closes a handle when its loop shuts down: the whole channel goes with it. */
        @Override
        public void close() {
            XdpChannel.this.close();
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
                        busyPolling = napiId(this) != 0; // 0: nothing to drive, a round would be a call for nothing
                        if (!busyPolling && !noNapiLogged) {
                            noNapiLogged = true; // once per channel, not once per queue
                            LOG.log(
                                    System.Logger.Level.INFO,
                                    "AF_XDP on " + interfaceName + ": no busy polling on queue " + id
                                            + " (said once for "
                                            + "all queues): the kernel linked its socket to no NAPI context (the driver "
                                            + "does not register one per queue, as a veth does not); such a queue's ring "
                                            + "is read when epoll reports it");
                        }
                    }
                    if (busyPolling) {
                        schedulePoll(); // traffic has started: from here on the loop drives the receive itself
                    }
                }
            } catch (Throwable t) {
                // nothing leaves the event loop
            }
            flush();
        }

        /**
         * One round of busy polling: the device's receive runs in this thread (up to the budget) and what it put into
         * the receive ring is read at once. While rounds find frames the next round is queued behind the loop's other
         * work; the first empty round hands waking up back to epoll (the device's deferred interrupt, or the next
         * frame).
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
        return queues[0].socket.umem;
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

    /** Frames received and handed to the sink so far, over every queue. */
    @Override
    public long received() {
        long sum = 0;
        for (Queue queue : queues) {
            sum += queue.rx.received();
        }
        return sum;
    }

    /** Frames received on queue {@code queue} so far. */
    public long received(int queue) {
        return queues[queue].rx.received();
    }

    /** Frames the kernel completed on transmit. */
    @Override
    public long sent() {
        return tx.completed();
    }

    /** Transmit descriptors the kernel found invalid ({@code tx_invalid_descs}), and kicks that failed. */
    @Override
    public long sendFailures() {
        return statistics(2, -1) + tx.kickErrors();
    }

    /** Receive descriptors that pointed outside the receive half of a UMEM (not seen from a sane kernel). */
    @Override
    public long truncated() {
        long sum = 0;
        for (Queue queue : queues) {
            sum += queue.rx.malformed();
        }
        return sum;
    }

    /**
     * Frames the kernel dropped before the channel saw them, over every queue: no free chunk or too long for one
     * ({@code rx_dropped}), or the receive ring full ({@code rx_ring_full}). Reads the kernel's counters.
     */
    @Override
    public long overruns() {
        return statistics(0, 3);
    }

    /** Times the kernel found a fill ring empty ({@code rx_fill_ring_empty_descs}). Reads the kernel's counters. */
    public long fillRingEmpty() {
        return statistics(4, -1);
    }

    /**
     * Fields {@code field} and {@code other} (-1: none) of {@code struct xdp_statistics}, summed over the queues'
     * sockets: read from the kernel while open, the final reading once closed.
     */
    private synchronized long statistics(int field, int other) {
        if (!released) {
            for (int q = 0; q < queues.length; q++) {
                queues[q].socket.statistics(stats[q]);
            }
        }
        long sum = 0;
        for (long[] s : stats) {
            sum += s[field] + (other < 0 ? 0 : s[other]);
        }
        return sum;
    }

    /** A queue's socket's NAPI id (the scratch buffer is shared with the statistics, hence the lock). */
    private synchronized int napiId(Queue queue) {
        return released ? 0 : queue.socket.napiId();
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
            for (int q = 0; q < queues.length; q++) {
                queues[q].socket.statistics(stats[q]);
            }
            released = true;
            for (Queue queue : queues) {
                LoopHandles.cancel(queue.registration);
            }
            attachment.close();
            for (Queue queue : queues) {
                queue.socket.close();
            }
        }
    }
}
