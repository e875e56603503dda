package io.vtep4j.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.EventExecutor;
import io.vtep4j.internal.mmsg.MmsgPort;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * VXLAN and GRE-in-UDP over kernel UDP sockets driven by Netty (epoll on Linux, NIO elsewhere).
 *
 * <p>On epoll: one channel per event loop and local address, all bound to the same address and port with
 * SO_REUSEPORT so that the kernel spreads flows over the loops; receive with {@code recvmmsg} (a fixed receive buffer
 * holding {@link UnderlayConfig#readBatch()} slots of {@link UnderlayConfig#maxFrameLength()} bytes); sends are
 * queued per channel and written with one {@code sendmmsg} per {@link #flush}. Outer header: TTL, DF and (IPv4) a zero
 * UDP checksum through {@link SocketOptions}; DSCP through IP_TOS / IPV6_TCLASS.
 *
 * <p>Multicast: a separate channel bound to the wildcard address of the group's family receives the groups joined on
 * {@link UnderlayConfig#multicastInterface()} (IP_MULTICAST_ALL off, so it gets only what this VTEP joined); sends
 * to a group leave through the unicast channels with IP_MULTICAST_IF / TTL set and multicast loopback off. Bound to
 * the wildcard address, that channel would also get what is sent to any other address of the host on the VXLAN port:
 * on epoll it learns each datagram's destination (IP_RECVORIGDSTADDR on Netty's path, IP_PKTINFO / IPV6_PKTINFO with
 * direct I/O) and drops what is addressed to neither a local address nor a joined group as
 * {@code WRONG_DESTINATION}. Netty reads no IPv6 destination, so on its path each IPv6 group has a channel bound to
 * the group address instead (the kernel then filters; nothing to count). NIO cannot see the destination and delivers
 * everything its wildcard channel receives.
 *
 * <p>Source port: by default every packet leaves from the bound port (a kernel UDP socket has one). With
 * {@link UnderlayConfig#sourcePorts()} N &gt; 0, each loop also owns N send-only sockets bound to ports spread over
 * 49152..65535, and the flow hash picks one per packet (RFC 7348 §5 entropy, from a pool of N ports).
 *
 * <p>Direct I/O ({@link UnderlayConfig#directIo()}, epoll only): every channel is still bound and configured by
 * Netty but never reads; an {@link MmsgPort} on a duplicate of its descriptor receives and sends with
 * {@code recvmmsg} / {@code sendmmsg} over native vectors, so that forwarding creates no objects per packet. Sends
 * made on a lane's own loop go straight into its vector; sends from other threads are handed over as a task, and a flush
 * from another thread hands over one flush task behind them ({@link UdpLane#handOverFlush}), so batching is kept and
 * no handed-over send waits for later traffic.
 * Thread-safe as {@link Underlay} requires.
 */
public final class UdpUnderlay implements Underlay {

    /** Outer IPv4 (20) + UDP (8). */
    static final int IPV4_UDP_OVERHEAD = 20 + 8;
    /** Outer IPv6 (40) + UDP (8). */
    static final int IPV6_UDP_OVERHEAD = 40 + 8;
    /** Socket buffers we ask for: forced where we may (CAP_NET_ADMIN), else capped at net.core.[rw]mem_max. */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private static final long CLOSE_TIMEOUT_SECONDS = 10;
    /** The direct-I/O port of a channel, in direct mode. */
    private static final AttributeKey<MmsgPort> DIRECT = AttributeKey.valueOf(UdpUnderlay.class, "direct");
    /** RFC 7348 §5: source ports SHOULD come from the dynamic range 49152..65535. */
    static final int SOURCE_PORT_MIN = 49152;

    static final int SOURCE_PORT_RANGE = 65536 - SOURCE_PORT_MIN;
    /** Ports tried per pool socket before giving up (others may hold some of the range). */
    private static final int SOURCE_PORT_ATTEMPTS = 64;
    /**
     * Datagrams one epoll wakeup may read before readComplete (one engine flush). A RECVBUF_ALLOCATOR set by hand
     * defaults to ONE message per wakeup: measured 4x fewer datagrams/s that way (bench/RESULTS.md).
     */
    static final int MESSAGES_PER_WAKEUP = 64;

    private final UnderlayConfig config;
    private final boolean epoll;
    /** Receive slot per datagram: one byte more than the largest payload, so a truncated read is recognisable. */
    private final int slot;
    /** Netty path's UDP GSO (the {@link GsoCoalescer}): asked for, epoll, supported, and no direct I/O. */
    private final boolean gso;
    /** UDP GSO on send, by either path (the coalescer above, or the MmsgPorts): UDP checksums are then computed. */
    private final boolean gsoSend;
    /** Direct I/O: {@link MmsgPort}s do the reading and writing (asked for, and epoll). */
    private final boolean direct;

    private final List<MmsgPort> allPorts = new ArrayList<>();
    /** Shared by the coalescers and the MmsgPorts of every channel. */
    private final SendCounters sendCounters = new SendCounters();

    private UdpInbound inbound;
    /** Netty path: the socket address of each destination, bounded ({@link DestinationCache#CAPACITY}). */
    private final DestinationCache recipients;
    /** What the wildcard-bound group channels deliver: the local addresses and the joined groups. */
    private final Destinations destinations;

    private final List<Channel> allChannels = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private volatile UdpLane[] lanes = new UdpLane[0];
    /** Joined groups and the channels that receive them. */
    private final UdpGroups groups;

    private UnderlayReceiver receiver;
    private volatile boolean open;
    private boolean closed;

    /** Creates the underlay; touches no socket until {@link #open}. */
    public UdpUnderlay(UnderlayConfig config) {
        this.config = config;
        this.recipients = new DestinationCache(config.port());
        this.destinations = new Destinations(config.localAddresses());
        this.epoll = Transports.epoll();
        // A GRO super-datagram can be up to 64 KiB; a smaller slot would truncate it (Netty splits it afterwards).
        this.slot = config.udpGro() && epoll ? 65535 : config.maxFrameLength() + 1;
        this.direct = config.directIo() && epoll;
        this.gsoSend = config.udpGso() && epoll && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
        this.gso = gsoSend && !direct;
        this.groups = new UdpGroups(destinations, epoll && !direct, this::multicastInterface, this::bindGroupChannel);
    }

    @Override
    public synchronized void open(UnderlayReceiver receiver) throws IOException {
        if (open || closed) {
            throw new IllegalStateException("underlay already " + (closed ? "closed" : "open"));
        }
        if (config.directIo() && !epoll) {
            throw new IOException("directIo: needs Netty's epoll transport (Linux); the NIO transport is in use");
        }
        this.receiver = receiver;
        this.inbound = new UdpInbound(receiver, maxPayload(), null);
        List<UdpLane> laneList = new ArrayList<>();
        for (EventExecutor executor : config.group()) {
            laneList.add(new UdpLane((EventLoop) executor));
            if (!epoll) {
                break; // NIO has no SO_REUSEPORT: one channel per address.
            }
        }
        lanes = laneList.toArray(new UdpLane[0]);
        try {
            for (InetAddress local : config.localAddresses()) {
                boolean v6 = local instanceof Inet6Address;
                for (UdpLane lane : lanes) {
                    Channel ch = bind(lane.loop, new InetSocketAddress(local, config.port()), v6, true, true, false);
                    Channel[] pool = sourcePortPool(lane.loop, local, v6);
                    if (v6) {
                        lane.v6 = ch;
                        lane.pool6 = pool;
                    } else {
                        lane.v4 = ch;
                        lane.pool4 = pool;
                    }
                    if (direct) {
                        List<MmsgPort> ports = new ArrayList<>(List.of(lane.ports));
                        ports.add(ch.attr(DIRECT).get());
                        for (Channel c : pool) {
                            ports.add(c.attr(DIRECT).get());
                        }
                        lane.ports = ports.toArray(new MmsgPort[0]);
                    }
                }
                bound.add((InetSocketAddress) (v6 ? lanes[0].v6 : lanes[0].v4).localAddress());
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        open = true;
    }

    /**
     * Send-only sockets bound to ports of the dynamic range, so that a packet's UDP source port follows its inner
     * flow (RFC 7348 §5). No SO_REUSEADDR/REUSEPORT: a port someone else holds is skipped, never shared.
     */
    private Channel[] sourcePortPool(EventLoop loop, InetAddress local, boolean v6) throws IOException {
        int n = config.sourcePorts();
        Channel[] pool = new Channel[n];
        int start = java.util.concurrent.ThreadLocalRandom.current().nextInt(SOURCE_PORT_RANGE);
        int candidate = 0;
        for (int i = 0; i < n; i++) {
            IOException last = null;
            for (int attempt = 0; attempt < SOURCE_PORT_ATTEMPTS && pool[i] == null; attempt++, candidate++) {
                // Spread the pool over the range: socket i starts at its own n-th of it.
                int port = SOURCE_PORT_MIN + (start + i * (SOURCE_PORT_RANGE / n) + candidate) % SOURCE_PORT_RANGE;
                try {
                    pool[i] = bind(loop, new InetSocketAddress(local, port), v6, false, false, false);
                } catch (IOException e) {
                    last = e;
                }
            }
            if (pool[i] == null) {
                throw new IOException(
                        "sourcePorts: no free port for socket " + i + " of " + n + " in " + SOURCE_PORT_MIN
                                + "..65535 on " + local.getHostAddress(),
                        last);
            }
            candidate = 0;
        }
        return pool;
    }

    /**
     * Binds one channel. {@code wildcard}: the group channel, bound to the wildcard address, which also sees what is
     * sent to any other address of the host; on epoll it learns each datagram's destination and delivers only what
     * {@link #destinations} accepts (NIO cannot tell, and delivers all).
     */
    private Channel bind(
            EventLoop loop,
            InetSocketAddress address,
            boolean v6,
            boolean reusePort,
            boolean reuseAddr,
            boolean wildcard)
            throws IOException {
        UdpInbound handler = wildcard && epoll ? new UdpInbound(receiver, maxPayload(), destinations) : inbound;
        Bootstrap b = new Bootstrap()
                .group(loop)
                .channelFactory(Transports.datagramChannels(v6))
                .option(ChannelOption.ALLOCATOR, config.allocator())
                .option(ChannelOption.SO_REUSEADDR, reuseAddr)
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER_BYTES)
                .option(ChannelOption.IP_TOS, config.dscp() << 2)
                .option(ChannelOption.IP_MULTICAST_LOOP_DISABLED, true)
                .option(ChannelOption.IP_MULTICAST_TTL, config.ttl())
                .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (gso) {
                            ch.pipeline().addLast(new GsoCoalescer(sendCounters));
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        if (direct) {
            b.option(ChannelOption.AUTO_READ, false); // the MmsgPort reads this socket
        }
        if (epoll) {
            b.option(EpollChannelOption.SO_REUSEPORT, reusePort);
            b.option(EpollChannelOption.IP_MULTICAST_ALL, false);
            if (wildcard && !direct) {
                b.option(EpollChannelOption.IP_RECVORIGDSTADDR, true); // fills DatagramPacket.recipient()
            }
            if (config.udpGro()) {
                b.option(EpollChannelOption.UDP_GRO, true);
            }
            // Netty splits a GRO super-datagram only on the recvmsg path (it reads the segment size there), so GRO
            // and recvmmsg exclude each other: with GRO one 64 KiB read already carries up to 64 datagrams.
            int batch = config.udpGro() ? 1 : config.readBatch();
            if (batch > 1) {
                b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot);
            }
            b.option(
                    ChannelOption.RECVBUF_ALLOCATOR,
                    new FixedRecvByteBufAllocator(slot * batch).maxMessagesPerRead(MESSAGES_PER_WAKEUP));
        } else {
            b.option(
                    ChannelOption.RECVBUF_ALLOCATOR,
                    new FixedRecvByteBufAllocator(slot).maxMessagesPerRead(MESSAGES_PER_WAKEUP));
        }
        if (config.multicastInterface() != null) {
            b.option(ChannelOption.IP_MULTICAST_IF, multicastInterface());
        }
        Channel ch;
        try {
            ch = b.bind(address).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot bind UDP " + address + ": " + e.getMessage(), e);
        }
        allChannels.add(ch);
        if (ch instanceof EpollDatagramChannel) {
            int fd = ((EpollDatagramChannel) ch).fd().intValue();
            // Linux refuses GSO sends on a socket with SO_NO_CHECK (EINVAL): GSO keeps the UDP checksum.
            SocketOptions.configureOuterHeader(fd, v6, config.ttl(), !gsoSend);
            SocketOptions.forceBuffers(fd, SOCKET_BUFFER_BYTES);
            if (wildcard && !direct && v6) {
                SocketOptions.receiveOriginalDestinationV6(fd);
            }
            if (direct) {
                if (wildcard) {
                    SocketOptions.receiveDestination(fd, v6);
                }
                MmsgPort port = MmsgPort.open(
                        (IoEventLoop) loop,
                        fd,
                        receiver,
                        new MmsgPort.Options(
                                config.allocator(),
                                config.port(),
                                slot,
                                maxPayload(),
                                config.readBatch(),
                                MESSAGES_PER_WAKEUP,
                                gsoSend,
                                wildcard ? destinations : null,
                                sendCounters));
                allPorts.add(port);
                ch.attr(DIRECT).set(port);
            }
        }
        return ch;
    }

    /** Largest payload an MTU-sized IPv4 packet can carry: anything longer cannot be a tunnel packet for us. */
    private int maxPayload() {
        return config.maxFrameLength() - IPV4_UDP_OVERHEAD;
    }

    @Override
    public SendCounters sendCounters() {
        return sendCounters;
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash) {
        UdpLane[] ls = lanes;
        if (!open || ls.length == 0) {
            payload.release();
            return false;
        }
        UdpLane lane = null;
        for (UdpLane l : ls) {
            if (l.loop.inEventLoop()) {
                lane = l;
                break;
            }
        }
        boolean onLoop = lane != null;
        if (lane == null) {
            lane = ls[(flowHash & Integer.MAX_VALUE) % ls.length];
        }
        boolean v6 = destination instanceof Inet6Address;
        Channel ch = v6 ? lane.v6 : lane.v4;
        Channel[] pool = v6 ? lane.pool6 : lane.pool4;
        if (pool.length > 0) {
            // RFC 7348 §5: the source port carries the inner flow's entropy; same flow, same socket, same port.
            ch = pool[((flowHash ^ flowHash >>> 16) & Integer.MAX_VALUE) % pool.length];
            lane.poolDirty = true;
        }
        if (ch == null) {
            payload.release();
            return false;
        }
        if (direct) {
            MmsgPort port = ch.attr(DIRECT).get();
            if (onLoop) {
                port.queue(payload, destination);
                return true;
            }
            if (!lane.handOver(port, payload, destination)) {
                payload.release();
                return false;
            }
            return true;
        }
        ch.write(new DatagramPacket(payload, recipients.get(destination)), ch.voidPromise());
        if (pool.length > 0) {
            return true;
        }
        if (v6) {
            lane.dirty6 = true;
        } else {
            lane.dirty4 = true;
        }
        return true;
    }

    @Override
    public void flush() {
        if (direct) {
            for (UdpLane lane : lanes) {
                if (lane.loop.inEventLoop()) {
                    lane.flushPorts();
                } else {
                    lane.handOverFlush();
                }
            }
            return;
        }
        for (UdpLane lane : lanes) {
            if (lane.dirty4) {
                lane.dirty4 = false;
                lane.v4.flush();
            }
            if (lane.dirty6) {
                lane.dirty6 = false;
                lane.v6.flush();
            }
            if (lane.poolDirty) {
                lane.poolDirty = false;
                for (Channel ch : lane.pool4) {
                    ch.flush();
                }
                for (Channel ch : lane.pool6) {
                    ch.flush();
                }
            }
        }
    }

    @Override
    public int outerHeaderLength(InetAddress destination) {
        return destination instanceof Inet6Address ? IPV6_UDP_OVERHEAD : IPV4_UDP_OVERHEAD;
    }

    @Override
    public void joinGroup(InetAddress group) throws IOException {
        groups.join(group);
    }

    @Override
    public void leaveGroup(InetAddress group) throws IOException {
        groups.leave(group);
    }

    private NetworkInterface multicastInterface() throws SocketException {
        return MulticastInterfaces.required(config.multicastInterface());
    }

    /**
     * Binds a receive channel for groups on the first lane's loop: the wildcard one of a family, or (Netty's path,
     * IPv6) one bound to a group's address. For {@link UdpGroups}.
     */
    private Channel bindGroupChannel(InetAddress address, boolean wildcard) throws IOException {
        synchronized (this) {
            if (!open) {
                throw new IllegalStateException("underlay not open");
            }
            boolean v6 = address instanceof Inet6Address;
            return bind(lanes[0].loop, new InetSocketAddress(address, config.port()), v6, false, true, wildcard);
        }
    }

    @Override
    public List<InetSocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        open = false;
        for (MmsgPort port : allPorts) {
            port.close(); // before the channels: the ports hold duplicates of their descriptors
        }
        allPorts.clear();
        for (Channel ch : allChannels) {
            ch.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        allChannels.clear();
    }

    /** For tests: destinations the Netty path holds a socket address for. */
    int destinationCount() {
        return recipients.size();
    }

    /** For tests: the channels of the unicast lanes. */
    List<Channel> channels() {
        return List.copyOf(allChannels);
    }
}
