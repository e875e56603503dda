package io.vtep4j.internal;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The direct I/O tests' event loop and the UDP underlays they open on it: before each test one epoll event loop
 * (the test is skipped without epoll); after it, every underlay opened through {@link #open} is closed, what
 * {@link #receiver} still holds is released and the loop is shut down. Register with {@code @RegisterExtension}.
 * Not thread-safe: call it from the test thread.
 */
final class UnderlayHarness implements BeforeEachCallback, AfterEachCallback {

    /** The receiver the tests hand to {@link #open} when they want datagrams queued. */
    final RecordingReceiver receiver = new RecordingReceiver();

    private final String threadName;
    private final List<UdpUnderlay> underlays = new ArrayList<>();
    private EventLoopGroup group;

    UnderlayHarness(String threadName) {
        this.threadName = threadName;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assumeTrue(Transports.epoll(), "direct I/O needs the epoll transport");
        group = Transports.newGroup(1, threadName);
    }

    /** The test's event loop group (one loop). */
    EventLoopGroup group() {
        return group;
    }

    /** Opens an underlay with {@code config} delivering to {@code to}; closed after the test. */
    UdpUnderlay open(UnderlayConfig config, UnderlayReceiver to) throws IOException {
        UdpUnderlay underlay = new UdpUnderlay(config);
        underlays.add(underlay);
        underlay.open(to);
        return underlay;
    }

    /** Closes every underlay opened so far, now. */
    void closeAll() {
        for (UdpUnderlay u : underlays) {
            u.close();
        }
        underlays.clear();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeAll();
        receiver.releaseAll();
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
