package io.vtep4j.internal;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.util.AttributeKey;
import io.vtep4j.internal.mmsg.MmsgPort;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Binds and configures the channels of a {@link UdpUnderlay}: socket options, receive buffers, the pipeline, the
 * outer-header options through {@link SocketOptions} and, with direct I/O, the {@link MmsgPort} on each channel's
 * descriptor; keeps every channel and port it made so that {@link #close} releases them. Also binds the send-only
 * source-port pools (RFC 7348 §5).
 *
 * <p>Not thread-safe: the underlay calls it while opening and joining groups, under its own lock.
 */
final class UdpSockets {

    /** Socket buffers we ask for: forced where we may (CAP_NET_ADMIN), else capped at net.core.[rw]mem_max. */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    /**
     * Netty's datagram path: the most bytes of tunnel packets that wait in a channel, written and not yet sent (Netty
     * counts a packet written from another thread from the moment it is handed over, and a packet leaves the count
     * once a flush has sent it). Past it a send from a thread other than the channel's loop is dropped and counted
     * ({@link UdpUnderlay#send}), as direct I/O drops past its hand-over bound. Large enough for the biggest flood
     * a segment sends between two flushes: a copy of a 9,216-byte frame to each of 4,096 remotes, each copy counted
     * whole although they share one buffer.
     */
    static final int WAITING_BYTES = 64 << 20;

    private static final long CLOSE_TIMEOUT_SECONDS = 10;
    /** The direct-I/O port of a channel, in direct mode. */
    private static final AttributeKey<MmsgPort> DIRECT = AttributeKey.valueOf(UdpSockets.class, "direct");
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
    /** What the wildcard-bound group channels deliver: the local addresses and the joined groups. */
    private final Destinations destinations;
    /** Shared by the coalescers and the MmsgPorts of every channel. */
    private final SendCounters sendCounters;
    /** Counted by the MmsgPorts of every channel. */
    private final ReceiveCounters receiveCounters;

    private final List<MmsgPort> allPorts = new ArrayList<>();
    private final List<Channel> allChannels = new ArrayList<>();
    private UnderlayReceiver receiver;
    private UdpInbound inbound;

    UdpSockets(
            UnderlayConfig config,
            boolean epoll,
            Destinations destinations,
            SendCounters sendCounters,
            ReceiveCounters receiveCounters) {
        this.config = config;
        this.epoll = epoll;
        this.destinations = destinations;
        this.sendCounters = sendCounters;
        this.receiveCounters = receiveCounters;
        // A GRO super-datagram can be up to 64 KiB; a smaller slot would truncate it (split afterwards: by Netty on
        // its path, by the MmsgReceiver on the direct one).
        this.slot = config.udpGro() && epoll ? 65535 : config.maxFrameLength() + 1;
        this.direct = config.directIo() && epoll;
        this.gsoSend = config.udpGso() && epoll && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
        this.gso = gsoSend && !direct;
    }

    /** Whether direct I/O is on: {@link #port} then gives each channel's {@link MmsgPort}. */
    boolean direct() {
        return direct;
    }

    /** The receiver every channel bound from now on hands its datagrams to. */
    void receiver(UnderlayReceiver receiver) {
        this.receiver = receiver;
        this.inbound = new UdpInbound(receiver, maxPayload(), null);
    }

    /** Direct I/O: the port reading and writing {@code ch}'s descriptor. */
    static MmsgPort port(Channel ch) {
        return ch.attr(DIRECT).get();
    }

    /**
     * Send-only sockets bound to ports of the dynamic range, so that a packet's UDP source port follows its inner
     * flow (RFC 7348 §5). No SO_REUSEADDR/REUSEPORT: a port someone else holds is skipped, never shared.
     */
    Channel[] sourcePortPool(EventLoop loop, InetAddress local, boolean v6) throws IOException {
        int n = config.sourcePorts();
        Channel[] pool = new Channel[n];
        int start = ThreadLocalRandom.current().nextInt(SOURCE_PORT_RANGE);
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
    Channel bind(
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
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (gso) {
                            ch.pipeline().addLast(new GsoCoalescer(sendCounters));
                        }
                        if (epoll && !direct) {
                            ch.pipeline().addLast(new SocketDropsInbound(receiver)); // direct I/O: SO_RXQ_OVFL
                        }
                        ch.pipeline().addLast(handler);
                    }
                });
        if (direct) {
            b.option(ChannelOption.AUTO_READ, false); // the MmsgPort reads this socket
        } else {
            b.option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(WAITING_BYTES / 2, WAITING_BYTES));
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
            // Netty splits a GRO super-datagram only on its recvmsg path (it reads the segment size there), so on
            // Netty's path GRO and recvmmsg exclude each other: one 64 KiB read already carries up to 64 datagrams.
            // The direct path batches GRO messages itself (MmsgReceiver); this allocator then goes unused.
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
            SocketOptions.configureOuterHeader(fd, v6, config.ttl(), !gsoSend, true);
            SocketOptions.configureSend(fd, v6, config.outerSend(), gsoSend);
            SocketOptions.forceBuffers(fd, SOCKET_BUFFER_BYTES);
            if (config.busyPollMicros() > 0) {
                SocketOptions.busyPoll(fd, config.busyPollMicros());
            }
            if (wildcard && !direct && v6) {
                SocketOptions.receiveOriginalDestinationV6(fd);
            }
            if (direct) {
                SocketOptions.receiveDropCount(fd);
                if (wildcard) {
                    SocketOptions.receiveDestination(fd, v6);
                }
                SocketOptions.receiveTos(fd, v6); // the outer ECN field, for RFC 6040 decapsulation
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
                                sendCounters,
                                config.udpGro(),
                                receiveCounters));
                allPorts.add(port);
                ch.attr(DIRECT).set(port);
            }
        }
        return ch;
    }

    /** Largest payload an MTU-sized IPv4 packet can carry: anything longer cannot be a tunnel packet for us. */
    int maxPayload() {
        return config.maxFrameLength() - UdpUnderlay.IPV4_UDP_OVERHEAD;
    }

    private NetworkInterface multicastInterface() throws SocketException {
        return MulticastInterfaces.required(config.multicastInterface());
    }

    /** Every channel bound so far. */
    List<Channel> channels() {
        return List.copyOf(allChannels);
    }

    /** Closes the ports, then the channels; blocks until the channels are closed (bounded per channel). */
    void close() {
        for (MmsgPort port : allPorts) {
            port.close(); // before the channels: the ports hold duplicates of their descriptors
        }
        allPorts.clear();
        for (Channel ch : allChannels) {
            ch.close().awaitUninterruptibly(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
        allChannels.clear();
    }
}
