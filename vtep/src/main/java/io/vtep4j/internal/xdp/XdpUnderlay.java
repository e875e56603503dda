package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.IoEventLoop;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.HandOver;
import io.vtep4j.internal.OuterSend;
import io.vtep4j.internal.ReceiveCounters;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.UdpUnderlay;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.UnderlayConfig;
import io.vtep4j.internal.UnderlayReceiver;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * A UDP underlay (VXLAN, GRE-in-UDP over IPv4) that receives and sends through an {@code AF_XDP} socket on the
 * interface holding the VTEP's IPv4 address, beside a {@link UdpUnderlay} that stays open in any case: it owns the
 * port, receives what the XDP program leaves to the kernel (multicast groups, other protocols), sends what the
 * AF_XDP path cannot (IPv6, multicast, a next hop whose MAC the kernel does not know yet), and carries the whole underlay when AF_XDP cannot be had (then one line says why).
 * With {@link UnderlayConfig#afXdpReceiveOnly()} the socket carries every send (with UDP GSO where configured) and
 * the AF_XDP socket only receives: no next-hop lookups, no transmit chunks claimed.
 *
 * <p>Receive: the program ({@link BpfProgram#redirectUdpToSockets}) steers IPv4 UDP to our address and port arriving
 * on any receive queue to that queue's socket ({@link XdpChannel}: one per queue), whose rings are read on the first
 * event loop of {@link UnderlayConfig#group()}
 * ({@link UnderlayReceive}); ARP, ICMP and the rest reach the kernel as before. Transmit: Ethernet, IPv4 (header
 * checksum, TOS, TTL, DF, an IP id) and UDP (source port 49152..65535 from the flow hash, RFC 7348 §5; checksum 0)
 * are written straight into a UMEM chunk in front of the payload, batched and kicked at {@link #flush}; the next hop's
 * MAC comes from the kernel's route and neighbour tables ({@link NextHops}, {@link RouteNeighbors}). Sends from
 * other threads are handed to the socket's loop as tasks, at most {@link #MAX_HANDED_OVER} waiting; a flush from
 * another thread queues one flush behind them.
 *
 * <p>Losses the kernel counts on the socket ({@code XDP_STATISTICS}) are offered through {@link #lossTotals()};
 * its {@code fill_ring_empty} and {@code tx_ring_empty} counts are events, not packets lost (a frame lost to an empty
 * fill ring is in {@code rx_dropped}), so they are not counted as drops.
 * Thread-safe as {@link Underlay} requires.
 */
public final class XdpUnderlay implements Underlay {
    private static final System.Logger LOG = System.getLogger("io.vtep4j");
    /** Source ports of the AF_XDP path: RFC 7348 §5's recommended dynamic range. */
    static final int SOURCE_PORT_MIN = 49152;

    static final int SOURCE_PORT_RANGE = 65536 - SOURCE_PORT_MIN;

    private final UnderlayConfig config;
    private final UdpUnderlay socket;
    /** Every send through {@link #socket}; AF_XDP receives only. */
    private final boolean receiveOnly;

    private final boolean dontFragment;
    private final int fixedOuter;
    /** Sends from other threads waiting for the socket's loop, at most. */
    static final int MAX_HANDED_OVER = HandOver.MAX_WAITING;

    private final HandOver handOvers = new HandOver();
    private final AtomicBoolean foreignSends = new AtomicBoolean();
    private final Runnable flushTask = this::flushOnLoop;
    private volatile XdpChannel channel;
    private UnderlayReceiver receiver;
    private UnderlayReceive receive;
    private NextHops hops;
    private RouteNeighbors resolver;
    private ThreadPoolExecutor background;
    private long localMac;
    private int localAddress;
    private int ipId;
    private volatile long kernelSends;
    private volatile long queued;
    private String fallback;
    /** Where the AF_XDP path runs ("10.0.0.1:4789 on eth0"), for the log. */
    private String where;

    /** Creates the underlay; touches no socket until {@link #open}. */
    public XdpUnderlay(UnderlayConfig config) {
        this.config = config;
        this.socket = new UdpUnderlay(config);
        this.receiveOnly = config.afXdpReceiveOnly();
        this.dontFragment = config.outerSend().dontFragment();
        this.fixedOuter = (config.dscp() << 2) << 8 | config.ttl();
    }

    /**
     * Why a configuration cannot use AF_XDP (null if it can, as far as the configuration tells): options the frame
     * path does not implement.
     */
    static String refusal(UnderlayConfig config) {
        if (config.afXdpReceiveOnly()) {
            if (config.udpGro()) {
                return "udpGro true with XDP_RECEIVE (expected: udpGro false; the AF_XDP socket takes the datagrams"
                        + " before the kernel's UDP layer could coalesce them)";
            }
        } else if (config.udpGso() || config.udpGro()) {
            return "udpGso/udpGro true with XDP (expected: both false, or XDP_RECEIVE for udpGso; AF_XDP sends and"
                    + " receives one packet per frame)";
        }
        if (config.sourcePorts() > 0 || config.outerSend().sourcePortRange()) {
            return "source-port sockets or a source-port range were asked for";
        }
        if (config.localAddresses().stream().noneMatch(a -> a instanceof Inet4Address)) {
            return "no IPv4 local address (the AF_XDP path is IPv4 only)";
        }
        return null;
    }

    @Override
    public synchronized void open(UnderlayReceiver receiver) throws IOException {
        socket.open(receiver);
        this.receiver = receiver;
        String why;
        try {
            why = start();
        } catch (IOException | RuntimeException | LinkageError e) {
            why = e.getMessage();
            stop();
        }
        if (why != null) {
            fallback = why;
            LOG.log(
                    System.Logger.Level.WARNING,
                    "underlay I/O: kernel UDP sockets instead of AF_XDP (" + (receiveOnly ? "XDP_RECEIVE" : "XDP")
                            + "): " + why);
        } else {
            LOG.log(
                    System.Logger.Level.INFO,
                    "underlay I/O: AF_XDP " + (receiveOnly ? "receive (sends through the kernel UDP socket) " : "")
                            + "for " + where + " (" + channel.attachMode() + " XDP, copy mode, "
                            + channel.queueCount() + (channel.queueCount() == 1 ? " queue" : " queues")
                            + ")");
        }
    }

    /** Opens the AF_XDP path; null when it runs, else why not (nothing left open then). */
    private String start() throws IOException {
        String unsupported = XdpChannel.unsupportedReason();
        if (unsupported != null) {
            return "AF_XDP " + unsupported;
        }
        if (!Transports.epoll()) {
            return "AF_XDP needs Netty's epoll transport; NIO is in use";
        }
        InetAddress local = null;
        for (InetAddress a : config.localAddresses()) {
            if (a instanceof Inet4Address) {
                local = a;
                break;
            }
        }
        String refused = refusal(config);
        if (refused != null) {
            return refused;
        }
        NetworkInterface nif = NetworkInterface.getByInetAddress(local);
        if (nif == null) {
            return "no interface holds " + local.getHostAddress();
        }
        byte[] mac = nif.getHardwareAddress();
        if (mac == null || mac.length != 6 || nif.isLoopback()) {
            return nif.getName() + " has no Ethernet address";
        }
        EventExecutor first = config.group().iterator().next();
        if (!(first instanceof IoEventLoop)) {
            return "the event loops are not Netty IoEventLoops";
        }
        int longest = UdpFrame.PAYLOAD_OFFSET + config.maxFrameLength();
        int chunk = longest <= 2048 - 256 ? 2048 : longest <= 4096 - 256 ? 4096 : 0;
        if (chunk == 0) {
            return "MTU " + config.maxFrameLength() + " does not fit an AF_XDP frame (at most " + (4096 - 256 - 42)
                    + " bytes of payload)";
        }
        localMac = UdpFrame.mac(Unpooled.wrappedBuffer(mac), 0);
        localAddress = local.hashCode(); // Inet4Address: the address, network order
        IoEventLoop loop = (IoEventLoop) first;
        where = local.getHostAddress() + ":" + config.port() + " on " + nif.getName();
        if (!receiveOnly) {
            resolver = RouteNeighbors.open(nif.getIndex());
            background = new ThreadPoolExecutor(
                    1,
                    1,
                    0,
                    TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(NextHops.PROBES * 8),
                    new DefaultThreadFactory("vtep4j-nexthops", true));
            hops = new NextHops(resolver, background, loop, System::nanoTime);
        }
        receive = new UnderlayReceive(
                receiver, config.allocator(), localMac, localAddress, config.port(), config.maxFrameLength());
        int address = localAddress;
        int port = config.port();
        channel = XdpChannel.open(
                loop,
                nif.getName(),
                receive,
                XdpOptions.sized(chunk).withBusyPoll(config.busyPollMicros()).withMode(config.xdpMode()),
                map -> BpfProgram.redirectUdpToSockets(map, address, port));
        return null;
    }

    /** Whether packets go through AF_XDP (false: the kernel's sockets carry everything). Valid after open. */
    @Override
    public boolean afXdp() {
        return channel != null;
    }

    /** Why AF_XDP is not in use, or null. */
    String fallback() {
        return fallback;
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash) {
        return send(payload, destination, flowHash, -1);
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash, int outer) {
        XdpChannel ch = channel;
        if (ch == null || receiveOnly || !(destination instanceof Inet4Address) || destination.isMulticastAddress()) {
            return socket.send(payload, destination, flowHash, outer);
        }
        if (!ch.loop().inEventLoop()) {
            return handOver(ch, payload, destination, flowHash, outer);
        }
        return sendOnLoop(ch, payload, destination, flowHash, outer);
    }

    /**
     * A send from another thread: queued as a task for the socket's loop, at most {@link #MAX_HANDED_OVER} waiting
     * (beyond: released and counted as {@link DropReason#SEND_QUEUE_FULL}).
     */
    private boolean handOver(XdpChannel ch, ByteBuf payload, InetAddress destination, int flowHash, int outer) {
        switch (handOvers.offer(ch.loop(), () -> sendOnLoop(ch, payload, destination, flowHash, outer))) {
            case FULL -> {
                payload.release();
                receiver.dropped(DropReason.SEND_QUEUE_FULL);
                return true;
            }
            case GONE -> {
                payload.release();
                return false;
            }
            default -> {
                foreignSends.set(true);
                return true;
            }
        }
    }

    private boolean sendOnLoop(XdpChannel ch, ByteBuf payload, InetAddress destination, int flowHash, int outer) {
        if (channel != ch) {
            return socket.send(payload, destination, flowHash, outer); // closed meanwhile
        }
        int to = destination.hashCode(); // Inet4Address: the address, network order
        long mac = hops.lookup(to);
        if (mac < 0) {
            kernelSends++; // no neighbour yet (the kernel resolves it), or another interface
            return socket.send(payload, destination, flowHash, outer);
        }
        int length = payload.readableBytes();
        long chunk = ch.claim(UdpFrame.PAYLOAD_OFFSET + length);
        if (chunk < 0) {
            payload.release();
            receiver.dropped(DropReason.SEND_QUEUE_FULL); // every transmit chunk in flight
            return true;
        }
        ByteBuf umem = ch.umem();
        int at = (int) chunk;
        boolean df = outer < 0 ? dontFragment : (outer & OuterSend.NO_DF) == 0;
        int sourcePort = SOURCE_PORT_MIN + ((flowHash ^ flowHash >>> 16) & Integer.MAX_VALUE) % SOURCE_PORT_RANGE;
        UdpFrame.writeHeaders(
                umem,
                at,
                mac,
                localMac,
                localAddress,
                to,
                sourcePort,
                config.port(),
                length,
                outer < 0 ? fixedOuter : outer & 0xFFFF,
                df,
                ipId++);
        payload.getBytes(payload.readerIndex(), umem, at + UdpFrame.PAYLOAD_OFFSET, length);
        payload.release();
        ch.commit(chunk, UdpFrame.PAYLOAD_OFFSET + length);
        queued++;
        return true;
    }

    @Override
    public void flush() {
        XdpChannel ch = receiveOnly ? null : channel; // receive only: nothing is queued on the channel
        if (ch != null && ch.loop().inEventLoop()) {
            ch.flush();
        } else if (ch != null && foreignSends.getAndSet(false)) {
            try {
                ch.loop().execute(flushTask); // behind the handed-over sends
            } catch (RejectedExecutionException e) {
                // closing: what is queued goes with the socket
            }
        }
        socket.flush();
    }

    /** The flush behind handed-over sends: theirs, and the socket's for those that went to the kernel. */
    private void flushOnLoop() {
        XdpChannel c = channel;
        if (c != null) {
            c.flush();
        }
        socket.flush();
    }

    @Override
    public int outerHeaderLength(InetAddress destination) {
        return socket.outerHeaderLength(destination);
    }

    @Override
    public void joinGroup(InetAddress group) throws IOException {
        socket.joinGroup(group);
    }

    @Override
    public void leaveGroup(InetAddress group) throws IOException {
        socket.leaveGroup(group);
    }

    @Override
    public SendCounters sendCounters() {
        return socket.sendCounters();
    }

    @Override
    public ReceiveCounters receiveCounters() {
        return socket.receiveCounters(); // what the kernel socket read; AF_XDP frames are not counted
    }

    @Override
    public List<InetSocketAddress> boundAddresses() {
        return socket.boundAddresses();
    }

    /**
     * {@code XDP_STATISTICS} as running totals: frames the kernel could not hand to the socket (no fill chunk, receive
     * ring full, invalid descriptors) as {@link DropReason#UNDERLAY_RECEIVE_OVERFLOW}, transmit descriptors it refused
     * and failed kicks as {@link DropReason#SEND_FAILED}. Empty when AF_XDP is not in use.
     */
    @Override
    public Map<DropReason, LongSupplier> lossTotals() {
        XdpChannel ch = channel;
        if (ch == null) {
            return Map.of();
        }
        return Map.of(DropReason.UNDERLAY_RECEIVE_OVERFLOW, ch::overruns, DropReason.SEND_FAILED, ch::sendFailures);
    }

    /** Payloads received through AF_XDP and handed to the engine. */
    @Override
    public long afXdpReceived() {
        UnderlayReceive r = receive;
        return r == null ? 0 : r.delivered();
    }

    /** Frames written for AF_XDP transmission. */
    long xdpQueued() {
        return queued;
    }

    /** Unicast IPv4 packets sent through the kernel's socket because the next hop's MAC was not known. */
    long kernelSends() {
        return kernelSends;
    }

    @Override
    public synchronized void close() {
        stop();
        socket.close();
    }

    private void stop() {
        XdpChannel ch = channel;
        channel = null;
        if (ch != null) {
            ch.close(); // on its loop: the receive batch was released at its end
        }
        if (background != null) {
            background.shutdownNow();
            try {
                background.awaitTermination(RouteNeighbors.TIMEOUT_SECONDS * 2L, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            background = null;
        }
        if (resolver != null) {
            resolver.close();
            resolver = null;
        }
    }
}
