package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.mmsg.MmsgPort;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;

/**
 * VXLAN and GRE-in-UDP over kernel UDP sockets driven by Netty (epoll on Linux, NIO elsewhere).
 *
 * <p>On epoll: one channel per event loop and local address, all bound to the same address and port with
 * SO_REUSEPORT so that the kernel spreads flows over the loops; receive with {@code recvmmsg} (a fixed receive buffer
 * holding {@link UnderlayConfig#readBatch()} slots of {@link UnderlayConfig#maxFrameLength()} bytes); sends are
 * queued per channel and written with one {@code sendmmsg} per {@link #flush}. Channels are bound by
 * {@link UdpSockets}. Outer header: TTL, DF and (IPv4) a zero
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
 * 49152..65535, and the flow hash picks one per packet (RFC 7348 §5 entropy, from a pool of N ports). With
 * {@link OuterSend#sourcePortRange()}, unicast leaves instead through each lane's {@link RawSourcePorts} with any
 * port of the range (falling back, with one warning, where raw sockets cannot be had).
 *
 * <p>Direct I/O ({@link UnderlayConfig#directIo()}, epoll only): every channel is still bound and configured by
 * Netty but never reads; an {@link MmsgPort} on a duplicate of its descriptor receives and sends with
 * {@code recvmmsg} / {@code sendmmsg} over native vectors, so that forwarding creates no objects per packet. Sends
 * made on a lane's own loop go straight into its vector; sends from other threads are handed over as a task, and a flush
 * from another thread hands over one flush task behind them ({@link UdpLane#handOverFlush}), so batching is kept and
 * no handed-over send waits for later traffic. At most {@link UdpLane#MAX_HANDED_OVER} handed-over frames wait per
 * loop; beyond that a send from another thread is dropped and counted as {@code SEND_QUEUE_FULL}.
 * Thread-safe as {@link Underlay} requires.
 */
public final class UdpUnderlay implements Underlay {

    /** Outer IPv4 (20) + UDP (8). */
    static final int IPV4_UDP_OVERHEAD = 20 + 8;
    /** Outer IPv6 (40) + UDP (8). */
    static final int IPV6_UDP_OVERHEAD = 40 + 8;

    private final UnderlayConfig config;
    private final boolean epoll;
    /** Direct I/O: {@link MmsgPort}s do the reading and writing (asked for, and epoll). */
    private final boolean direct;
    /** Shared by the coalescers and the MmsgPorts of every channel. */
    private final SendCounters sendCounters = new SendCounters();
    /** Counted by the MmsgPorts of every channel (direct I/O). */
    private final ReceiveCounters receiveCounters = new ReceiveCounters();
    /** Binds, configures and finally closes every channel (and direct-I/O port) of this underlay. */
    private final UdpSockets sockets;

    /** Netty path: the socket address of each destination, bounded ({@link DestinationCache#CAPACITY}). */
    private final DestinationCache recipients;
    /** What the wildcard-bound group channels deliver: the local addresses and the joined groups. */
    private final Destinations destinations;

    private final List<InetSocketAddress> bound = new ArrayList<>();
    private volatile UdpLane[] lanes = new UdpLane[0];
    /** Joined groups and the channels that receive them. */
    private final UdpGroups groups;

    private volatile boolean open;
    /** The lanes send unicast through their {@link RawSourcePorts}. */
    private volatile boolean rawSend;

    private boolean closed;

    /** Creates the underlay; touches no socket until {@link #open}. */
    public UdpUnderlay(UnderlayConfig config) {
        this.config = config;
        this.recipients = new DestinationCache(config.port());
        this.destinations = new Destinations(config.localAddresses());
        this.epoll = Transports.epoll();
        this.sockets = new UdpSockets(config, epoll, destinations, sendCounters, receiveCounters);
        this.direct = sockets.direct();
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
        sockets.receiver(receiver);
        List<UdpLane> laneList = new ArrayList<>();
        for (EventExecutor executor : config.group()) {
            laneList.add(new UdpLane((EventLoop) executor, recipients, receiver));
            if (!epoll) {
                break; // NIO has no SO_REUSEPORT: one channel per address.
            }
        }
        lanes = laneList.toArray(new UdpLane[0]);
        try {
            for (InetAddress local : config.localAddresses()) {
                boolean v6 = local instanceof Inet6Address;
                for (UdpLane lane : lanes) {
                    Channel ch =
                            sockets.bind(lane.loop, new InetSocketAddress(local, config.port()), v6, true, true, false);
                    Channel[] pool = sockets.sourcePortPool(lane.loop, local, v6);
                    lane.unicast.channel(v6, ch);
                    if (v6) {
                        lane.pool6 = pool;
                    } else {
                        lane.pool4 = pool;
                    }
                    if (direct) {
                        List<MmsgPort> ports = new ArrayList<>(List.of(lane.ports));
                        ports.add(UdpSockets.port(ch));
                        for (Channel c : pool) {
                            ports.add(UdpSockets.port(c));
                        }
                        lane.ports = ports.toArray(new MmsgPort[0]);
                    }
                }
                bound.add((InetSocketAddress) lanes[0].unicast.channel(v6).localAddress());
            }
            if (config.outerSend().sourcePortRange() && epoll) {
                rawSend = RawSourcePorts.openAll(lanes, config, receiver, sendCounters);
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        open = true;
    }

    @Override
    public SendCounters sendCounters() {
        return sendCounters;
    }

    @Override
    public ReceiveCounters receiveCounters() {
        return receiveCounters;
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash) {
        return send(payload, destination, flowHash, -1);
    }

    /** Per-packet outer fields go out as control messages on the direct path; Netty's path keeps the socket's. */
    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash, int outer) {
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
        RawSourcePorts raw = lane.raw;
        if (raw != null && raw.carries(destination)) {
            return raw.send(lane, onLoop, payload, destination, flowHash, outer);
        }
        boolean v6 = destination instanceof Inet6Address;
        Channel ch = lane.unicast.channel(v6);
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
            return lane.queue(UdpSockets.port(ch), onLoop, payload, destination, outer);
        }
        if (!onLoop && !ch.isWritable()) {
            // an application thread faster than the loop: past the bytes a channel may hold, dropped and counted
            payload.release();
            lane.dropped(DropReason.SEND_QUEUE_FULL);
            return true;
        }
        if (pool.length > 0) {
            lane.unicast.write(ch, payload, destination);
            return true;
        }
        return lane.unicast.send(payload, destination);
    }

    @Override
    public void flush() {
        if (direct || rawSend) {
            for (UdpLane lane : lanes) {
                if (lane.loop.inEventLoop()) {
                    lane.flushPorts();
                } else {
                    lane.handOverFlush();
                }
            }
        }
        if (direct) {
            return;
        }
        for (UdpLane lane : lanes) {
            lane.unicast.flush();
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
            return sockets.bind(
                    lanes[0].loop, new InetSocketAddress(address, config.port()), v6, false, true, wildcard);
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
        rawSend = false;
        RawSourcePorts.closeAll(lanes);
        sockets.close();
    }

    /** For tests: destinations the Netty path holds a socket address for. */
    int destinationCount() {
        return recipients.size();
    }

    /** For tests: the channels of the unicast lanes. */
    List<Channel> channels() {
        return sockets.channels();
    }
}
