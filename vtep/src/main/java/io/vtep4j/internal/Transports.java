package io.vtep4j.internal;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SelectStrategyFactory;
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

    /**
     * A loop that never sleeps: every turn polls for ready I/O without waiting ({@code epoll_wait} with a zero
     * timeout), handles what is ready, runs its tasks (scheduled ones that are due included) and turns again.
     */
    private static final SelectStrategyFactory SPIN = () -> (selectNow, hasTasks) -> selectNow.get();

    /** The select strategy of busy-waiting loops, for groups built elsewhere on {@code EpollIoHandler}. */
    public static SelectStrategyFactory busyWaitStrategy() {
        return SPIN;
    }

    /** A new event loop group of {@code threads} daemon threads named {@code vtep4j-<name>-N}, waiting in the kernel. */
    public static EventLoopGroup newGroup(int threads, String name) {
        return newGroup(threads, name, false);
    }

    /**
     * A new event loop group of {@code threads} daemon threads named {@code vtep4j-<name>-N}; with {@code busyWait}
     * its loops poll without sleeping (see {@link #ioHandlerFactory}).
     */
    public static EventLoopGroup newGroup(int threads, String name, boolean busyWait) {
        return new MultiThreadIoEventLoopGroup(
                threads, new DefaultThreadFactory("vtep4j-" + name, true), ioHandlerFactory(busyWait));
    }

    /**
     * The I/O handler of the transport in use. With {@code busyWait} each loop keeps its CPU at 100 % and never
     * blocks in the kernel: no wake-up latency, and on a virtual machine no halt and wake of the CPU for every
     * burst. Scheduled tasks still run on time.
     */
    public static IoHandlerFactory ioHandlerFactory(boolean busyWait) {
        if (!busyWait) {
            return epoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        }
        return epoll()
                ? EpollIoHandler.newFactory(0, SPIN)
                : NioIoHandler.newFactory(java.nio.channels.spi.SelectorProvider.provider(), SPIN);
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
