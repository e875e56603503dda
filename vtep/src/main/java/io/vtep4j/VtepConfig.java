package io.vtep4j;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vtep4j.learning.Encapsulation;
import io.vtep4j.learning.FdbListener;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What {@link Vtep.Builder} validated, handed to the {@link VtepRuntime}; {@code sharedGroup} may be null; {@code nvgreFlowId}
 * is 0..255 or -1 for the inner-flow hash. Immutable.
 */
record VtepConfig(
        List<InetAddress> localAddresses,
        Encapsulation encapsulation,
        int port,
        Duration ageing,
        int maxMacs,
        int maxMacsPerVni,
        int ttl,
        int dscp,
        int mtu,
        boolean strictReserved,
        int nvgreFlowId,
        String multicastInterface,
        int eventLoops,
        LongSupplier ticker,
        VtepListener listener,
        FdbListener fdbListener,
        Duration sweepInterval,
        int readBatch,
        boolean udpGro,
        boolean udpGso,
        int sourcePorts,
        boolean directIo,
        ByteBufAllocator allocator,
        EventLoopGroup sharedGroup) {}
