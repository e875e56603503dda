package io.vtep4j.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.XdpMode;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything an {@link Underlay} needs to know, made by {@link #builder(EventLoopGroup)}; the public
 * {@code Vtep.Builder} has validated the values it passes in. Immutable, thread-safe.
 *
 * <pre>{@code
 * UnderlayConfig config = UnderlayConfig.builder(group)
 *         .localAddress(InetAddress.getLoopbackAddress())
 *         .port(4789)
 *         .udpGso(true)
 *         .build();
 * }</pre>
 */
public final class UnderlayConfig {

    private final EventLoopGroup group;
    private final ByteBufAllocator allocator;
    private final List<InetAddress> localAddresses;
    private final int port;
    private final int ttl;
    private final int dscp;
    private final String multicastInterface;
    private final int maxFrameLength;
    private final int readBatch;
    private final int busyPollMicros;
    private final boolean udpGro;
    private final boolean udpGso;
    private final int sourcePorts;
    private final boolean directIo;
    private final OuterSend outerSend;
    private final boolean afXdp;
    private final boolean afXdpReceiveOnly;
    private final XdpMode xdpMode;

    private UnderlayConfig(Builder b) {
        this.group = b.group;
        this.allocator = b.allocator;
        this.localAddresses = List.copyOf(b.localAddresses);
        this.port = b.port;
        this.ttl = b.ttl;
        this.dscp = b.dscp;
        this.multicastInterface = b.multicastInterface;
        this.maxFrameLength = b.maxFrameLength;
        this.readBatch = b.readBatch;
        this.busyPollMicros = b.busyPollMicros;
        this.udpGro = b.udpGro;
        this.udpGso = b.udpGso;
        this.sourcePorts = b.sourcePorts;
        this.directIo = b.directIo;
        this.outerSend = b.outerSend;
        this.afXdp = b.afXdp;
        this.afXdpReceiveOnly = b.afXdpReceiveOnly;
        this.xdpMode = b.xdpMode;
    }

    /** Whether to move packets through {@code AF_XDP} where it can run ({@code XdpUnderlay}), else sockets. */
    public boolean afXdp() {
        return afXdp;
    }

    /**
     * With {@link #afXdp()}: receive through AF_XDP only, and send everything through the kernel UDP socket (which
     * {@link #udpGso()} then applies to).
     */
    public boolean afXdpReceiveOnly() {
        return afXdpReceiveOnly;
    }

    /** With {@link #afXdp()}: how the XDP program is attached. */
    public XdpMode xdpMode() {
        return xdpMode;
    }

    /** Source-port range, DF and IPv6 zero checksum of what is sent. */
    public OuterSend outerSend() {
        return outerSend;
    }

    /**
     * A builder whose underlay runs on {@code group}: the underlay registers its channels / file descriptors there
     * and runs every {@link UnderlayReceiver} callback on it; it never shuts the group down.
     */
    public static Builder builder(EventLoopGroup group) {
        return new Builder(group);
    }

    /** The event loops the underlay runs on. */
    public EventLoopGroup group() {
        return group;
    }

    /** Allocator for receive buffers. */
    public ByteBufAllocator allocator() {
        return allocator;
    }

    /** One or more local addresses to bind (IPv4 and/or IPv6; never a wildcard), in the order given. */
    public List<InetAddress> localAddresses() {
        return localAddresses;
    }

    /** UDP port to bind and to send to (VXLAN 4789, GRE-in-UDP 4754, ...); ignored by raw IP transports. */
    public int port() {
        return port;
    }

    /** Outer IPv4 TTL / IPv6 hop limit, 1..255 (also the multicast TTL). */
    public int ttl() {
        return ttl;
    }

    /** Outer DSCP, 0..63 (written as TOS / traffic class {@code dscp << 2}; ECN bits left 0). */
    public int dscp() {
        return dscp;
    }

    /** Interface name for multicast joins and multicast sends, or null if multicast is unused. */
    public String multicastInterface() {
        return multicastInterface;
    }

    /** Largest payload (tunnel header + inner frame) that can arrive; receive buffers are sized by it. */
    public int maxFrameLength() {
        return maxFrameLength;
    }

    /** Datagrams per receive batch (recvmmsg vector length where the transport batches). */
    public int readBatch() {
        return readBatch;
    }

    /** Microseconds of {@code SO_BUSY_POLL} (with {@code SO_PREFER_BUSY_POLL}) on each UDP socket; 0: off. */
    public int busyPollMicros() {
        return busyPollMicros;
    }

    /** Whether to request UDP GRO on receive where the kernel supports it. */
    public boolean udpGro() {
        return udpGro;
    }

    /** Whether to coalesce equal-size sends to one destination into GSO super-datagrams where supported. */
    public boolean udpGso() {
        return udpGso;
    }

    /**
     * UDP transports: 0 sends from the bound port; N &gt; 0 adds N send-only sockets per event loop and local
     * address, bound to ports in 49152..65535, and picks one per packet by flow hash (RFC 7348 §5 source-port
     * entropy); ignored by raw IP transports.
     */
    public int sourcePorts() {
        return sourcePorts;
    }

    /**
     * UDP transports on epoll: receive and send with recvmmsg / sendmmsg over native vectors instead of Netty's
     * datagram channel reads and writes (no objects per packet); works with GSO on send and with GRO on receive
     * (it splits each coalesced message itself).
     */
    public boolean directIo() {
        return directIo;
    }

    /** The first local address of the same family as {@code destination}, or null if there is none. */
    public InetAddress localAddressFor(InetAddress destination) {
        boolean v6 = destination instanceof Inet6Address;
        for (InetAddress local : localAddresses) {
            if ((local instanceof Inet6Address) == v6) {
                return local;
            }
        }
        return null;
    }

    /**
     * Configures an {@link UnderlayConfig}. The values come from {@code Vtep.Builder}, which has checked their ranges
     * (tests pass valid ones); only what the underlay itself relies on is checked at {@link #build()}. Defaults: pooled allocator,
     * port 4789, TTL 64, DSCP 0, no multicast interface, frames up to 1500 bytes, batches of 32, no GRO, no GSO,
     * no source-port sockets, no direct I/O. Not thread-safe.
     */
    public static final class Builder {
        private final EventLoopGroup group;
        private final List<InetAddress> localAddresses = new ArrayList<>();
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private int port = 4789;
        private int ttl = 64;
        private int dscp;
        private String multicastInterface;
        private int maxFrameLength = 1500;
        private int readBatch = 32;
        private int busyPollMicros;
        private boolean udpGro;
        private boolean udpGso;
        private int sourcePorts;
        private boolean directIo;
        private OuterSend outerSend = OuterSend.DEFAULT;
        private boolean afXdp;
        private boolean afXdpReceiveOnly;
        private XdpMode xdpMode = XdpMode.AUTO;

        private Builder(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
        }

        /** Allocator for receive buffers (default {@code PooledByteBufAllocator.DEFAULT}). */
        public Builder allocator(ByteBufAllocator allocator) {
            this.allocator = Objects.requireNonNull(allocator, "allocator");
            return this;
        }

        /** Adds one local address. */
        public Builder localAddress(InetAddress address) {
            localAddresses.add(Objects.requireNonNull(address, "address"));
            return this;
        }

        /** Adds local addresses, in order. */
        public Builder localAddresses(List<InetAddress> addresses) {
            addresses.forEach(this::localAddress);
            return this;
        }

        /** UDP port (0: any, or a raw IP transport). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Outer TTL / hop limit. */
        public Builder ttl(int ttl) {
            this.ttl = ttl;
            return this;
        }

        /** Outer DSCP. */
        public Builder dscp(int dscp) {
            this.dscp = dscp;
            return this;
        }

        /** Interface for multicast, or null. */
        public Builder multicastInterface(String name) {
            this.multicastInterface = name;
            return this;
        }

        /** Largest payload that can arrive, in bytes. */
        public Builder maxFrameLength(int bytes) {
            this.maxFrameLength = bytes;
            return this;
        }

        /** Datagrams per receive batch. */
        public Builder readBatch(int datagrams) {
            this.readBatch = datagrams;
            return this;
        }

        /** Busy polling on each UDP socket for {@code microseconds}; 0: off. */
        public Builder busyPoll(int microseconds) {
            this.busyPollMicros = microseconds;
            return this;
        }

        /** Request UDP GRO on receive. */
        public Builder udpGro(boolean on) {
            this.udpGro = on;
            return this;
        }

        /** Coalesce runs of sends into GSO super-datagrams. */
        public Builder udpGso(boolean on) {
            this.udpGso = on;
            return this;
        }

        /** Send-only source-port sockets per event loop and local address. */
        public Builder sourcePorts(int sockets) {
            this.sourcePorts = sockets;
            return this;
        }

        /** Source-port range, DF and IPv6 zero checksum of what is sent (default {@link OuterSend#DEFAULT}). */
        public Builder outerSend(OuterSend outerSend) {
            this.outerSend = Objects.requireNonNull(outerSend, "outerSend");
            return this;
        }

        /** AF_XDP where it can run, beside the kernel's sockets (default false: sockets only). */
        public Builder afXdp(boolean on) {
            this.afXdp = on;
            return this;
        }

        /** With {@link #afXdp}: AF_XDP for receiving only, every send through the kernel socket (default false). */
        public Builder afXdpReceiveOnly(boolean on) {
            this.afXdpReceiveOnly = on;
            return this;
        }

        /** With {@link #afXdp}: how the XDP program is attached (default {@link XdpMode#AUTO}). */
        public Builder xdpMode(XdpMode mode) {
            this.xdpMode = Objects.requireNonNull(mode, "xdpMode");
            return this;
        }

        /** Direct datagram I/O (recvmmsg / sendmmsg) on epoll. */
        public Builder directIo(boolean on) {
            this.directIo = on;
            return this;
        }

        /**
         * The configuration.
         *
         * @throws IllegalArgumentException without a local address
         */
        public UnderlayConfig build() {
            if (localAddresses.isEmpty()) {
                throw new IllegalArgumentException("localAddresses: [] (expected: at least one address)");
            }
            return new UnderlayConfig(this);
        }
    }
}
