package io.vtep4j.internal;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.IoEventLoop;
import io.vtep4j.internal.libc.LibC;
import io.vtep4j.internal.mmsg.MmsgPort;
import io.vtep4j.internal.raw.RawIpSocket;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * One event loop's raw send path of a {@link UdpUnderlay}: unicast tunnel packets leave through send-only
 * {@code socket(AF_INET[6], SOCK_RAW, IPPROTO_UDP)} sockets on which the UDP header is written here, so that the
 * source port can be any port of {@link OuterSend#sourcePortMin()}..{@link OuterSend#sourcePortMax()}, picked per
 * inner flow by the flow hash (RFC 7348 §5), without one socket per port.
 *
 * <p>The kernel still builds the IP header (no IP_HDRINCL): routing, source address, TOS / TTL per packet through the
 * same control messages as the UDP socket ({@link MmsgPort} does the sending, on the raw descriptor). UDP checksum:
 * zero over IPv4 (RFC 7348 §5); over IPv6 the kernel computes it (IPV6_CHECKSUM at offset 6) unless
 * {@link OuterSend#zeroChecksum6()}. DF per packet: IPv4 has two sockets, one with IP_PMTUDISC_DO, one with
 * IP_PMTUDISC_DONT, and {@link OuterSend#NO_DF} in a packet's outer fields picks the second.
 *
 * <p>A raw UDP socket would also get a copy of every UDP packet addressed to its local address: a socket filter
 * that accepts nothing is attached at once, and whatever arrived before it is drained, so it never reads anything.
 *
 * <p>Threading: opened while the underlay opens; {@link #send} from any thread (hands over to the loop like direct
 * I/O); the ports are flushed with the lane's. Buffers: {@link #send} owns the payload.
 */
final class RawSourcePorts {

    static final int IPPROTO_UDP = 17;
    static final int UDP_HEADER_LENGTH = 8;
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** Packets that may have arrived before the drop-all filter: drained, at most this many. */
    private static final int DRAIN_LIMIT = 100_000;

    private static final int SOL_SOCKET = 1;
    private static final int SO_ATTACH_FILTER = 26;
    private static final int IPPROTO_IP = 0;
    private static final int IP_TOS = 1;
    private static final int IPPROTO_IPV6 = 41;
    private static final int IPV6_CHECKSUM = 7;
    private static final int IPV6_TCLASS = 67;
    private static final int IP_PMTUDISC_DONT = 0;

    private final UnderlayConfig config;
    private final int min;
    private final int range;
    private final boolean dontFragment;
    private final List<RawIpSocket> sockets = new ArrayList<>();
    private final List<MmsgPort> ports = new ArrayList<>();

    /** IPv4 with DF, IPv4 without, IPv6; null where that family has no local address. */
    private volatile MmsgPort df4;

    private volatile MmsgPort noDf4;
    private volatile MmsgPort v6;

    RawSourcePorts(UnderlayConfig config) {
        OuterSend send = config.outerSend();
        this.config = config;
        this.min = send.sourcePortMin();
        this.range = send.sourcePortMax() - send.sourcePortMin() + 1;
        this.dontFragment = send.dontFragment();
    }

    /**
     * Opens the raw sockets of {@code local}'s family on {@code loop} and returns their ports (to flush with the
     * lane's).
     *
     * @throws IOException if a socket cannot be opened (no CAP_NET_RAW: the message says so) or configured
     */
    List<MmsgPort> open(IoEventLoop loop, InetAddress local, UnderlayReceiver receiver, SendCounters sent)
            throws IOException {
        boolean ipv6 = local instanceof Inet6Address;
        MmsgPort.Options options = new MmsgPort.Options(
                config.allocator(),
                0, // raw sockets
                64,
                0,
                config.readBatch(),
                1,
                false,
                null,
                sent,
                false,
                new ReceiveCounters()); // receives nothing (dropEverythingReceived)
        if (ipv6) {
            v6 = port(loop, local, receiver, options, true);
            return List.of(v6);
        }
        df4 = port(loop, local, receiver, options, true);
        noDf4 = port(loop, local, receiver, options, false);
        return List.of(df4, noDf4);
    }

    private MmsgPort port(
            IoEventLoop loop, InetAddress local, UnderlayReceiver receiver, MmsgPort.Options options, boolean df)
            throws IOException {
        RawIpSocket socket = RawIpSocket.open(local, IPPROTO_UDP);
        sockets.add(socket);
        int fd = socket.fd();
        dropEverythingReceived(fd);
        drain(socket);
        socket.buffers(SOCKET_BUFFER_BYTES);
        SocketOptions.forceBuffers(fd, SOCKET_BUFFER_BYTES);
        boolean ipv6 = socket.isIpv6();
        // TTL, hop limit and DF=do as on the UDP sockets; then the raw-only ones.
        SocketOptions.configureOuterHeader(fd, ipv6, config.ttl(), false);
        if (ipv6) {
            SocketOptions.set(fd, IPPROTO_IPV6, IPV6_TCLASS, config.dscp() << 2, "IPV6_TCLASS");
            if (!config.outerSend().zeroChecksum6()) {
                SocketOptions.set(fd, IPPROTO_IPV6, IPV6_CHECKSUM, 6, "IPV6_CHECKSUM");
            }
        } else {
            SocketOptions.set(fd, IPPROTO_IP, IP_TOS, config.dscp() << 2, "IP_TOS");
            if (!df) {
                SocketOptions.set(fd, IPPROTO_IP, SocketOptions.IP_MTU_DISCOVER, IP_PMTUDISC_DONT, "IP_MTU_DISCOVER");
            }
        }
        MmsgPort port = MmsgPort.open(loop, fd, receiver, options);
        ports.add(port);
        return port;
    }

    /**
     * Queues {@code payload} (a UDP payload) to {@code destination} with a UDP header whose source port follows
     * {@code flowHash}; on the lane's loop straight into the port's vector, else handed over. Owns {@code payload}.
     * Returns false (payload released) if this family has no raw socket or the loop is gone.
     */
    boolean send(UdpLane lane, boolean onLoop, ByteBuf payload, InetAddress destination, int flowHash, int outer) {
        boolean ipv6 = destination instanceof Inet6Address;
        MmsgPort port = ipv6 ? v6 : (outer == -1 ? dontFragment : (outer & OuterSend.NO_DF) == 0) ? df4 : noDf4;
        if (port == null) {
            payload.release();
            return false;
        }
        return lane.queue(
                port, onLoop, withUdpHeader(payload, sourcePort(flowHash), config.port()), destination, outer);
    }

    /** Whether a packet to {@code destination} leaves here: unicast of a family with a raw socket. */
    boolean carries(InetAddress destination) {
        return !destination.isMulticastAddress() && (destination instanceof Inet6Address ? v6 != null : df4 != null);
    }

    /** The source port of a flow: the same for one hash, spread evenly over the range. */
    int sourcePort(int flowHash) {
        return min + ((flowHash ^ flowHash >>> 16) & Integer.MAX_VALUE) % range;
    }

    /**
     * {@code payload} with a UDP header in front (checksum 0; the IPv6 socket's kernel fills it in): written into the
     * headroom when the buffer has 8 bytes of it and may be written, else into a new direct buffer (one copy, which
     * the send vector would otherwise make of a composite anyway). Owns {@code payload}; the caller owns the result.
     */
    static ByteBuf withUdpHeader(ByteBuf payload, int sourcePort, int destinationPort) {
        int length = UDP_HEADER_LENGTH + payload.readableBytes();
        long header = (long) sourcePort << 48 | (long) destinationPort << 32 | (long) length << 16;
        int ri = payload.readerIndex();
        if (ri >= UDP_HEADER_LENGTH && !payload.isReadOnly() && payload.hasMemoryAddress()) {
            payload.readerIndex(ri - UDP_HEADER_LENGTH);
            payload.setLong(ri - UDP_HEADER_LENGTH, header);
            return payload;
        }
        ByteBuf out = payload.alloc().directBuffer(length, length);
        out.writeLong(header);
        out.writeBytes(payload, ri, payload.readableBytes());
        payload.release();
        return out;
    }

    /**
     * Opens the raw path on every lane for every local address, adding its ports to the lane's. Where it cannot run
     * (no CAP_NET_RAW, no direct I/O platform) closes what it opened, logs ONE warning saying why and what is sent
     * instead, and returns false; the underlay then sends as without a range.
     */
    static boolean openAll(UdpLane[] lanes, UnderlayConfig config, UnderlayReceiver receiver, SendCounters sent) {
        String unsupported = Transports.epoll() ? MmsgPort.unsupportedReason(config.allocator()) : "needs epoll";
        try {
            if (unsupported != null) {
                throw new IOException(unsupported);
            }
            for (UdpLane lane : lanes) {
                RawSourcePorts raw = new RawSourcePorts(config);
                lane.raw = raw; // first, so that closeAll finds it if opening fails half way
                List<MmsgPort> all = new ArrayList<>(List.of(lane.ports));
                for (InetAddress local : config.localAddresses()) {
                    all.addAll(raw.open((IoEventLoop) lane.loop, local, receiver, sent));
                }
                lane.ports = all.toArray(new MmsgPort[0]);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            closeAll(lanes);
            OuterSend send = config.outerSend();
            String instead = config.sourcePorts() > 0
                    ? "a pool of " + config.sourcePorts() + " source ports per event loop"
                    : "the bound port " + config.port();
            System.getLogger("io.vtep4j")
                    .log(
                            System.Logger.Level.WARNING,
                            "sourcePortRange " + send.sourcePortMin() + "-" + send.sourcePortMax()
                                    + ": raw UDP send path unavailable (" + e.getMessage() + "); sending from "
                                    + instead + ", DF per packet not applied");
            return false;
        }
    }

    /** Closes and forgets every lane's raw path (its ports leave the lane's list). */
    static void closeAll(UdpLane[] lanes) {
        for (UdpLane lane : lanes) {
            RawSourcePorts raw = lane.raw;
            if (raw != null) {
                lane.raw = null;
                List<MmsgPort> kept = new ArrayList<>(List.of(lane.ports));
                kept.removeAll(raw.ports);
                lane.ports = kept.toArray(new MmsgPort[0]);
                raw.close();
            }
        }
    }

    /** Closes the ports, then the raw sockets they duplicated. */
    private void close() {
        for (MmsgPort port : ports) {
            port.close();
        }
        ports.clear();
        for (RawIpSocket socket : sockets) {
            socket.close();
        }
        sockets.clear();
    }

    /** A classic BPF program of one instruction, {@code ret #0}: every packet is cut to 0 bytes, that is dropped. */
    private static void dropEverythingReceived(int fd) throws IOException {
        // the kernel copies the program: both may go once the call returns, not before
        try (Memory filter = new Memory(8);
                Memory program = new Memory(16)) {
            filter.clear();
            filter.setShort(0, (short) 0x06); // BPF_RET | BPF_K, jt 0, jf 0, k 0
            program.clear();
            program.setShort(0, (short) 1); // struct sock_fprog { unsigned short len; struct sock_filter *filter; }
            program.setPointer(8, filter);
            long address = Pointer.nativeValue(program);
            SocketOptions.call(
                    "setsockopt(SO_ATTACH_FILTER) on raw UDP socket",
                    () -> LibC.setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, address, 16));
        }
    }

    /** Reads and discards what the socket got before its filter was attached (non-blocking: ends at EAGAIN). */
    private static void drain(RawIpSocket socket) {
        byte[] scratch = new byte[65_536];
        for (int i = 0; i < DRAIN_LIMIT; i++) {
            try {
                socket.receive(scratch);
            } catch (IOException e) {
                return; // EAGAIN: empty
            }
        }
    }
}
