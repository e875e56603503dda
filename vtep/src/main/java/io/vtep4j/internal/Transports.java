package io.vtep4j.internal;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.SelectStrategyFactory;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.IntSupplier;
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

    /** A new event loop group of {@code threads} daemon threads named {@code vtep4j-<name>-N}, waiting in the kernel. */
    public static EventLoopGroup newGroup(int threads, String name) {
        return newGroup(threads, name, 0);
    }

    /**
     * A new event loop group of {@code threads} daemon threads named {@code vtep4j-<name>-N}, whose loops keep
     * polling for {@code busyWaitNanos} after their last work before they sleep (0: they sleep at once; see
     * {@link #busyWaitStrategy}).
     */
    public static EventLoopGroup newGroup(int threads, String name, long busyWaitNanos) {
        return new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("vtep4j-" + name, true), ioHandlerFactory(busyWaitNanos));
    }

    /** The I/O handler of the transport in use, its loops busy-waiting for {@code busyWaitNanos} (0: not at all). */
    public static IoHandlerFactory ioHandlerFactory(long busyWaitNanos) {
        if (busyWaitNanos <= 0) {
            return epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        }
        return epoll()
                ? epollFactory(busyWaitNanos)
                : NioIoHandler.newFactory(
                        java.nio.channels.spi.SelectorProvider.provider(), busyWaitStrategy(busyWaitNanos));
    }

    /**
     * Epoll's I/O handler, for groups that need epoll whatever {@link #epoll()} says (AF_PACKET and AF_XDP channels),
     * its loops busy-waiting for {@code busyWaitNanos} (0: not at all).
     */
    public static IoHandlerFactory epollFactory(long busyWaitNanos) {
        return busyWaitNanos <= 0
                ? EpollIoHandler.newFactory()
                : EpollIoHandler.newFactory(0, busyWaitStrategy(busyWaitNanos));
    }

    /**
     * Loops that poll without sleeping while there is work, and for {@code nanos} after it. Each turn polls for ready
     * I/O with a zero timeout ({@code epoll_wait(..., 0)}); ready I/O or queued tasks make the turn count as work.
     * After a turn without work the loop turns again if its last work is less than {@code nanos} ago, and otherwise
     * waits in the kernel as usual (until I/O, a task, or its next scheduled task). Scheduled tasks run on time
     * either way. Each loop keeps its own clock.
     *
     * @throws IllegalArgumentException if {@code nanos} is not positive
     */
    public static SelectStrategyFactory busyWaitStrategy(long nanos) {
        if (nanos <= 0) {
            throw new IllegalArgumentException("busyWait: " + nanos + " ns (expected: > 0)");
        }
        return () -> new SelectStrategy() {
            private long lastWork = System.nanoTime();

            @Override
            public int calculateStrategy(IntSupplier selectNow, boolean hasTasks) throws Exception {
                int ready = selectNow.get();
                long now = System.nanoTime();
                if (ready > 0 || hasTasks) {
                    lastWork = now;
                    return ready;
                }
                return now - lastWork < nanos ? 0 : SelectStrategy.SELECT;
            }
        };
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
