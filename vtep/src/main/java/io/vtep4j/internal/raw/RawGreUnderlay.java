package io.vtep4j.internal.raw;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ipv4Header;
import io.vtep4j.internal.ChannelFutures;
import io.vtep4j.internal.DatagramInbound;
import io.vtep4j.internal.DestinationCache;
import io.vtep4j.internal.Destinations;
import io.vtep4j.internal.FamilyChannels;
import io.vtep4j.internal.MulticastInterfaces;
import io.vtep4j.internal.SocketOptions;
import io.vtep4j.internal.Transports;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.UnderlayConfig;
import io.vtep4j.internal.UnderlayReceiver;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * NVGRE directly over IP protocol 47 (RFC 7637 §3): one raw socket per local address, wrapped in Netty's
 * {@link EpollDatagramChannel} and registered on one of the engine's event loops.
 *
 * <p>Why this mechanism: a raw IPv4 socket hands every received packet to userspace with its IPv4 header in front,
 * and lets the kernel build the outer header on send (routing, neighbour resolution, TTL/TOS/DF from socket
 * options). Netty's epoll datagram channel reads and writes such a descriptor unchanged (recvmmsg / sendmmsg
 * batching included), so NVGRE shares the engine's event loops with the UDP underlay: no thread of its own and no
 * hand-over per packet. Measured against a dedicated JNA thread in {@code bench/RESULTS.md} ("NVGRE raw transport").
 *
 * <p>Receive: IPv4 packets are validated with {@link Ipv4Header#validate} (malformed / fragment: dropped and reported)
 * and the header skipped, its TOS passed on for RFC 6040 decapsulation; IPv6 raw sockets deliver the payload without
 * the IPv6 header (RFC 3542 §3), so nothing is stripped and no outer ECN field is seen (no ECN decapsulation over an
 * IPv6 raw underlay). What is handed on starts at the GRE header. The kernel delivers each GRE packet to every raw GRE socket
 * whose bound address matches, so there is exactly one socket per local address (raw sockets have no SO_REUSEPORT
 * load spreading); the first local address of each family sends.
 *
 * <p>Multicast (IPv4, RFC 7637 §4.2: a multicast group per VSID): sends to a group leave through the unicast socket
 * with IP_MULTICAST_IF set to {@link UnderlayConfig#multicastInterface()}, the configured TTL and multicast loopback
 * off. Joined groups are received by a second raw socket bound to the wildcard address (a raw socket bound to a
 * unicast address never sees group traffic), with IP_MULTICAST_ALL off; it also gets a copy of every unicast GRE
 * packet to any address of the host: copies addressed to a local address are discarded uncounted (the unicast socket
 * delivers those), anything addressed to neither a local address nor a joined group is dropped as
 * {@code WRONG_DESTINATION}. Joining costs one extra read per unicast packet. IPv6 groups are refused: an IPv6 raw socket gets no header, so the wildcard socket could not tell group
 * traffic from unicast copies.
 *
 * <p>Needs Linux epoll and root or CAP_NET_RAW; {@link #open} fails with an {@link IOException} saying which.
 * Thread-safe as {@link Underlay} requires.
 */
public final class RawGreUnderlay implements Underlay {

    /** Outer IPv4 header without options. */
    static final int IPV4_OVERHEAD = 20;
    /** Outer IPv6 header without extension headers. */
    static final int IPV6_OVERHEAD = 40;
    /** Largest IPv4 header (IHL 15): the receive slot must hold it in front of the payload. */
    private static final int MAX_IPV4_HEADER = 60;

    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    private static final long TIMEOUT_SECONDS = 10;

    private final UnderlayConfig config;
    /** What the wildcard group socket accepts: the local addresses and the joined groups. */
    private final Destinations destinations;
    /** The socket address of each destination, bounded ({@link DestinationCache#CAPACITY}); raw sockets have no port. */
    private final DestinationCache recipients = new DestinationCache(0);
    /** The first local address of each family: its channel sends (and receives). */
    private final FamilyChannels senders = new FamilyChannels(recipients);

    private final List<InetSocketAddress> bound = new ArrayList<>();
    /** Channels of further local addresses of a family: they receive, the first of the family sends. */
    private final List<EpollDatagramChannel> receiveOnly = new ArrayList<>();

    /** Wildcard-bound IPv4 socket receiving joined groups; created on the first join. */
    private EpollDatagramChannel multicast4;

    private UnderlayReceiver receiver;
    private volatile boolean open;
    private boolean closed;

    /** Keeps the configuration; touches no socket until {@link #open}. */
    public RawGreUnderlay(UnderlayConfig config) {
        this.config = config;
        this.destinations = new Destinations(config.localAddresses());
    }

    @Override
    public synchronized void open(UnderlayReceiver receiver) throws IOException {
        if (open || closed) {
            throw new IllegalStateException("underlay already " + (closed ? "closed" : "open"));
        }
        this.receiver = receiver;
        if (!Transports.epoll()) {
            throw new IOException("NVGRE over IP protocol 47 needs Netty's Linux epoll transport (unavailable here,"
                    + " or disabled by -Dvtep4j.transport=nio); use GRE-in-UDP instead");
        }
        try {
            for (InetAddress local : config.localAddresses()) {
                boolean v6 = local instanceof Inet6Address;
                EpollDatagramChannel ch = openChannel(local, receiver, false);
                // Every address receives (a raw socket sees only packets to its own address); the first of each
                // family also sends, as UnderlayConfig.localAddressFor picks it.
                if (senders.channel(v6) == null) {
                    senders.channel(v6, ch);
                } else {
                    receiveOnly.add(ch);
                }
                bound.add(new InetSocketAddress(local, 0));
            }
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        open = true;
    }

    private EpollDatagramChannel openChannel(InetAddress local, UnderlayReceiver receiver, boolean groupsOnly)
            throws IOException {
        RawIpSocket socket = RawIpSocket.open(local, RawIpSocket.IPPROTO_GRE);
        EpollDatagramChannel ch;
        try {
            socket.buffers(SOCKET_BUFFER_BYTES);
            // RFC 7348 §4.3 (applied to NVGRE): DF on every packet, never fragment; TTL / hop limit as configured.
            SocketOptions.configureOuterHeader(socket.fd(), socket.isIpv6(), config.ttl(), false);
            ch = new EpollDatagramChannel(socket.fd()); // owns and closes the descriptor from here on
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
        try {
            configure(ch, socket.isIpv6(), receiver, groupsOnly);
            ChannelFutures.await(
                    config.group().next().register(ch),
                    "cannot register raw GRE socket on " + local.getHostAddress(),
                    TIMEOUT_SECONDS);
        } catch (IOException | RuntimeException e) {
            // The channel owns the descriptor now; an unregistered one cannot close through its (absent) loop.
            if (ch.isRegistered()) {
                ch.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } else {
                ch.unsafe().closeForcibly();
            }
            throw e;
        }
        return ch;
    }

    /** Receive buffers, outer-header and multicast options, and the inbound handler of a new raw channel. */
    private void configure(EpollDatagramChannel ch, boolean ipv6, UnderlayReceiver receiver, boolean groupsOnly)
            throws IOException {
        // IPv4 raw reads carry the IPv4 header (up to 60 bytes) in front of the tunnel payload.
        int slot = config.maxFrameLength() + (ipv6 ? 0 : MAX_IPV4_HEADER) + 1;
        // Netty's recvmmsg path asks the socket for a UDP-level option that an AF_INET6 raw socket lacks
        // (ENOPROTOOPT on every read), so IPv6 reads one packet per recvmsg.
        int batch = ipv6 ? 1 : Math.max(1, config.readBatch());
        ch.config()
                .setAllocator(config.allocator())
                .setTrafficClass(config.dscp() << 2)
                .setRecvByteBufAllocator(new FixedRecvByteBufAllocator(slot * batch));
        if (batch > 1) {
            ch.config().setOption(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, slot);
        }
        if (config.multicastInterface() != null && !ipv6) {
            // Sends to a group leave through the named interface, with the unicast TTL, and never loop back to us.
            ch.config()
                    .setNetworkInterface(multicastInterface())
                    .setTimeToLive(config.ttl())
                    .setLoopbackModeDisabled(true)
                    .setOption(EpollChannelOption.IP_MULTICAST_ALL, false);
        }
        ch.pipeline().addLast(new Inbound(receiver, !ipv6, groupsOnly, config.maxFrameLength(), destinations));
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash) {
        if (!open) {
            payload.release();
            return false;
        }
        return senders.send(payload, destination);
    }

    @Override
    public void flush() {
        senders.flush();
    }

    @Override
    public int outerHeaderLength(InetAddress destination) {
        return destination instanceof Inet6Address ? IPV6_OVERHEAD : IPV4_OVERHEAD;
    }

    @Override
    public void joinGroup(InetAddress group) throws IOException {
        NetworkInterface nif = checkGroup(group);
        EpollDatagramChannel ch;
        synchronized (this) {
            if (!open) {
                throw new IllegalStateException("underlay not open");
            }
            if (multicast4 == null) {
                multicast4 = openChannel(InetAddress.getByName("0.0.0.0"), receiver, true);
            }
            ch = multicast4;
        }
        destinations.join(group);
        ChannelFutures.await(
                ch.joinGroup(new InetSocketAddress(group, 0), nif), "join " + group.getHostAddress(), TIMEOUT_SECONDS);
    }

    @Override
    public void leaveGroup(InetAddress group) throws IOException {
        NetworkInterface nif = checkGroup(group);
        EpollDatagramChannel ch;
        synchronized (this) {
            ch = multicast4;
        }
        if (ch != null) {
            ChannelFutures.await(
                    ch.leaveGroup(new InetSocketAddress(group, 0), nif),
                    "leave " + group.getHostAddress(),
                    TIMEOUT_SECONDS);
        }
        destinations.leave(group);
    }

    private NetworkInterface checkGroup(InetAddress group) throws IOException {
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("group: " + group.getHostAddress() + " (expected: a multicast address)");
        }
        if (group instanceof Inet6Address) {
            throw new IOException("multicast group " + group.getHostAddress() + ": IPv6 groups are not supported by"
                    + " the NVGRE raw IP transport (use head-end replication: floodTo(unicast address))");
        }
        return multicastInterface();
    }

    private NetworkInterface multicastInterface() throws IOException {
        return MulticastInterfaces.required(config.multicastInterface());
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
        List<Channel> all = new ArrayList<>(receiveOnly);
        all.addAll(Arrays.asList(senders.channel(false), senders.channel(true), multicast4));
        for (Channel ch : all) {
            if (ch != null) {
                ch.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            }
        }
    }

    /** For tests: destinations held as socket addresses. */
    int destinationCount() {
        return recipients.size();
    }

    /** Strips the outer IPv4 header and hands the GRE payload on; nothing escapes the event loop. */
    static final class Inbound extends DatagramInbound {

        private final boolean ipv4;
        private final boolean groupsOnly;
        private final int maxPayload;
        private final Destinations destinations;
        /** The IPv4 TOS of the packet {@link #payload} last returned (IPv6 raw reads carry no header: 0). */
        private int tos;

        /** A unicast socket's inbound (tests), accepting payloads up to 64 KiB. */
        Inbound(UnderlayReceiver receiver, boolean ipv4) {
            this(receiver, ipv4, false, 65535, null);
        }

        /**
         * @param groupsOnly the wildcard socket that receives groups: it delivers only packets to a joined group,
         *        discards copies of packets to a local address (their own socket delivers them) and drops the rest
         * @param maxPayload longest GRE payload accepted; a longer one (or one cut short by the read) is dropped
         * @param destinations what {@code groupsOnly} accepts; may be null otherwise
         */
        Inbound(
                UnderlayReceiver receiver,
                boolean ipv4,
                boolean groupsOnly,
                int maxPayload,
                Destinations destinations) {
            super(receiver);
            this.ipv4 = ipv4;
            this.groupsOnly = groupsOnly;
            this.maxPayload = maxPayload;
            this.destinations = destinations;
        }

        @Override
        protected ByteBuf payload(DatagramPacket packet) {
            ByteBuf content = packet.content();
            if (ipv4) {
                int offset = content.readerIndex();
                if (content.readableBytes() >= Ipv4Header.MIN_LENGTH && groupsOnly) {
                    int destination = Ipv4Header.destination(content, offset);
                    if (!destinations.accepts4(destination)) {
                        return drop(content, DropReason.WRONG_DESTINATION);
                    }
                    if (destinations.isLocal4(destination)) {
                        // The wildcard socket's copy of a unicast packet: the unicast socket delivers it. Not a drop.
                        content.release();
                        return null;
                    }
                }
                if (content.readableBytes() > maxPayload + MAX_IPV4_HEADER) {
                    // A full receive slot: the read cut the packet short (RFC 7637 §4: no fragmentation either).
                    return drop(content, DropReason.MTU_EXCEEDED);
                }
                // The kernel has checked the header checksum before raw delivery; no need to sum it again.
                int headerLength = Ipv4Header.validate(content, offset, content.readableBytes(), false);
                if (headerLength < 0) {
                    return drop(content, DropReason.fromCode(headerLength));
                }
                tos = content.getUnsignedByte(offset + 1); // the outer ECN field, for RFC 6040 decapsulation
                // Trim anything past the IPv4 total length, then skip the header: the GRE header comes first.
                content.writerIndex(offset + Ipv4Header.totalLength(content, offset));
                content.readerIndex(offset + headerLength);
            }
            if (content.readableBytes() > maxPayload) {
                // Longer than any valid packet, or (IPv6, whose slot is maxPayload + 1) cut short by the read.
                return drop(content, DropReason.MTU_EXCEEDED);
            }
            return content;
        }

        @Override
        protected int outerTos() {
            return tos;
        }

        private ByteBuf drop(ByteBuf content, DropReason reason) {
            content.release();
            receiver.dropped(reason);
            return null;
        }
    }
}
