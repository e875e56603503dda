package io.vtep4j.internal;

import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramChannel;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The multicast groups a {@link UdpUnderlay} joined and the channels that receive them (RFC 7348 §4.2).
 *
 * <p>A group's datagrams reach only a socket bound to the wildcard address or to the group itself. Per family, one
 * channel bound to the wildcard address receives every joined group; it also gets what is sent to any other address
 * of the host, so it delivers only what {@link Destinations} accepts (its inbound reads each datagram's destination).
 * Netty's epoll path reads no IPv6 destination, so there each IPv6 group gets a channel bound to the group address,
 * and the kernel filters.
 *
 * <p>Bound: one wildcard channel per family, plus one channel per joined IPv6 group on Netty's path (the engine joins
 * each group once, at most one per segment). Thread-safe: joins and leaves are serialised on this object.
 */
final class UdpGroups {

    private static final long TIMEOUT_SECONDS = 10;

    /** Binds a receive channel: to the wildcard address (filtering by destination) or to a group address. */
    interface Binder {
        Channel bind(InetAddress address, boolean wildcard) throws IOException;
    }

    /** The interface groups are joined on; fails when none was configured. */
    interface InterfaceSource {
        NetworkInterface get() throws IOException;
    }

    private final Destinations destinations;
    private final boolean channelPerGroupV6;
    private final InterfaceSource nif;
    private final Binder binder;

    private Channel wildcard4;
    private Channel wildcard6;
    private final Map<InetAddress, Channel> perGroup6 = new HashMap<>();

    /**
     * @param destinations gets every joined group (and loses it on leave)
     * @param channelPerGroupV6 Netty's epoll path: IPv6 groups get a channel each, bound to the group address
     */
    UdpGroups(Destinations destinations, boolean channelPerGroupV6, InterfaceSource nif, Binder binder) {
        this.destinations = destinations;
        this.channelPerGroupV6 = channelPerGroupV6;
        this.nif = nif;
        this.binder = binder;
    }

    /** Joins {@code group} on the multicast interface; blocks until done. */
    synchronized void join(InetAddress group) throws IOException {
        NetworkInterface on = check(group);
        DatagramChannel ch = channel(group, on);
        destinations.join(group);
        ChannelFutures.await(ch.joinGroup(new InetSocketAddress(group, 0), on), "join " + group, TIMEOUT_SECONDS);
    }

    /** Leaves {@code group}; never throws for a group not joined. Blocks until done. */
    synchronized void leave(InetAddress group) throws IOException {
        NetworkInterface on = check(group);
        boolean own = channelPerGroupV6 && group instanceof Inet6Address;
        Channel ch = own ? perGroup6.remove(group) : group instanceof Inet6Address ? wildcard6 : wildcard4;
        if (ch != null) {
            ChannelFutures.await(
                    ((DatagramChannel) ch).leaveGroup(new InetSocketAddress(group, 0), on),
                    "leave " + group,
                    TIMEOUT_SECONDS);
        }
        destinations.leave(group);
        if (own && ch != null) {
            ch.close().awaitUninterruptibly(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private NetworkInterface check(InetAddress group) throws IOException {
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("group: " + group.getHostAddress() + " (expected: a multicast address)");
        }
        return nif.get();
    }

    /** The channel that receives {@code group}, bound on first use. */
    private DatagramChannel channel(InetAddress group, NetworkInterface on) throws IOException {
        if (!(group instanceof Inet6Address)) {
            if (wildcard4 == null) {
                wildcard4 = binder.bind(InetAddress.getByName("0.0.0.0"), true);
            }
            return (DatagramChannel) wildcard4;
        }
        if (!channelPerGroupV6) {
            if (wildcard6 == null) {
                wildcard6 = binder.bind(InetAddress.getByName("::"), true);
            }
            return (DatagramChannel) wildcard6;
        }
        Channel ch = perGroup6.get(group);
        if (ch == null) {
            // A scope makes link-local groups (ff02::/16) bindable; harmless for wider scopes.
            ch = binder.bind(Inet6Address.getByAddress(null, group.getAddress(), on), false);
            perGroup6.put(group, ch);
        }
        return (DatagramChannel) ch;
    }
}
