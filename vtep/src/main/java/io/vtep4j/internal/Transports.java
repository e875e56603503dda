package io.vtep4j.internal;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * Picks Netty's epoll transport on Linux and NIO elsewhere, in one place. Stateless, thread-safe.
 *
 * <p>The system property {@code vtep4j.transport=nio} forces NIO (to test the fallback, or to compare).
 */
public final class Transports {

    private Transports() {}

    /** True when the epoll transport is available and not disabled by {@code -Dvtep4j.transport=nio}. */
    public static boolean epoll() {
        return !"nio".equalsIgnoreCase(System.getProperty("vtep4j.transport")) && Epoll.isAvailable();
    }

    /** A new event loop group of {@code threads} daemon threads named {@code vtep4j-<name>-N}. */
    public static EventLoopGroup newGroup(int threads, String name) {
        IoHandlerFactory factory = epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("vtep4j-" + name, true), factory);
    }

    /** Creates datagram channels of the transport in use for the given address family. */
    public static ChannelFactory<DatagramChannel> datagramChannels(boolean ipv6) {
        SocketProtocolFamily family = ipv6 ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        if (epoll()) {
            return () -> new EpollDatagramChannel(family);
        }
        return () -> new NioDatagramChannel(family);
    }
}
