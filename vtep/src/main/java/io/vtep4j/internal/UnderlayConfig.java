package io.vtep4j.internal;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/**
 * Everything an {@link Underlay} needs to know, already validated by the public builder. Immutable, thread-safe.
 *
 * @param group the engine's event loops; the underlay registers its channels / file descriptors here and runs every
 *        {@link UnderlayReceiver} callback on them; it never shuts the group down
 * @param allocator allocator for receive buffers (the engine's, pooled direct by default)
 * @param localAddresses one or more local addresses to bind (IPv4 and/or IPv6; never a wildcard); sends to a
 *        destination use the first local address of the same family
 * @param port UDP port to bind and to send to (VXLAN 4789, GRE-in-UDP 4754, ...); ignored by raw IP transports
 * @param ttl outer IPv4 TTL / IPv6 hop limit, 1..255 (also used as the multicast TTL)
 * @param dscp outer DSCP, 0..63 (written as TOS / traffic class {@code dscp << 2}; ECN bits left 0)
 * @param multicastInterface interface name for multicast joins and multicast sends, or null if multicast is unused
 * @param maxFrameLength largest payload (tunnel header + inner frame) that can arrive; size receive buffers by it
 * @param readBatch datagrams per receive batch (recvmmsg vector length where the transport batches)
 * @param udpGro request UDP GRO on receive where the kernel supports it
 * @param udpGso coalesce equal-size sends to one destination into GSO super-datagrams where supported
 * @param sourcePorts UDP transports: 0 sends from the bound port; N &gt; 0 adds N send-only sockets per event loop
 *        and local address, bound to ports in 49152..65535, and picks one per packet by flow hash (RFC 7348 §5
 *        source-port entropy); ignored by raw IP transports
 * @param directIo UDP transports on epoll: receive and send with recvmmsg / sendmmsg over native vectors instead of
 *        Netty's datagram channel reads and writes (no objects per packet); excludes udpGro, works with udpGso
 */
public record UnderlayConfig(
        EventLoopGroup group,
        ByteBufAllocator allocator,
        List<InetAddress> localAddresses,
        int port,
        int ttl,
        int dscp,
        String multicastInterface,
        int maxFrameLength,
        int readBatch,
        boolean udpGro,
        boolean udpGso,
        int sourcePorts,
        boolean directIo) {

    /** Copies the address list and checks that nothing required is missing. */
    public UnderlayConfig {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(allocator, "allocator");
        localAddresses = List.copyOf(localAddresses);
        if (localAddresses.isEmpty()) {
            throw new IllegalArgumentException("localAddresses: [] (expected: at least one address)");
        }
        if (directIo && udpGro) {
            throw new IllegalArgumentException("directIo: true with udpGro true (expected: direct I/O without GRO)");
        }
    }

    /** The configuration without direct I/O. */
    public UnderlayConfig(
            EventLoopGroup group,
            ByteBufAllocator allocator,
            List<InetAddress> localAddresses,
            int port,
            int ttl,
            int dscp,
            String multicastInterface,
            int maxFrameLength,
            int readBatch,
            boolean udpGro,
            boolean udpGso,
            int sourcePorts) {
        this(
                group,
                allocator,
                localAddresses,
                port,
                ttl,
                dscp,
                multicastInterface,
                maxFrameLength,
                readBatch,
                udpGro,
                udpGso,
                sourcePorts,
                false);
    }

    /** The configuration without source-port entropy (sends leave from the bound port). */
    public UnderlayConfig(
            EventLoopGroup group,
            ByteBufAllocator allocator,
            List<InetAddress> localAddresses,
            int port,
            int ttl,
            int dscp,
            String multicastInterface,
            int maxFrameLength,
            int readBatch,
            boolean udpGro,
            boolean udpGso) {
        this(
                group,
                allocator,
                localAddresses,
                port,
                ttl,
                dscp,
                multicastInterface,
                maxFrameLength,
                readBatch,
                udpGro,
                udpGso,
                0);
    }

    /** The first local address of the same family as {@code destination}, or null if there is none. */
    public InetAddress localAddressFor(InetAddress destination) {
        boolean v6 = destination instanceof java.net.Inet6Address;
        for (InetAddress local : localAddresses) {
            if ((local instanceof java.net.Inet6Address) == v6) {
                return local;
            }
        }
        return null;
    }
}
