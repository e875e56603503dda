package io.vtep4j.internal;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import java.net.InetAddress;
import java.util.List;

/** Underlay configurations for the transport tests, built in one place: TTL 64, DSCP 0, MTU 1500, batch 16. */
final class TestConfigs {

    private TestConfigs() {}

    /** A UDP or raw configuration on {@code locals} and {@code port}, optionally with direct I/O. */
    static UnderlayConfig of(EventLoopGroup group, List<InetAddress> locals, int port, boolean direct) {
        return of(group, locals, port, null, direct);
    }

    /** As {@link #of(EventLoopGroup, List, int, boolean)}, joining groups on {@code multicastInterface}. */
    static UnderlayConfig of(
            EventLoopGroup group, List<InetAddress> locals, int port, String multicastInterface, boolean direct) {
        return UnderlayConfig.builder(group)
                .allocator(PooledByteBufAllocator.DEFAULT)
                .localAddresses(locals)
                .port(port)
                .ttl(64)
                .multicastInterface(multicastInterface)
                .maxFrameLength(1500)
                .readBatch(16)
                .directIo(direct)
                .build();
    }
}
