package io.vtep4j.examples.gateway;

import io.vtep4j.internal.xdp.XdpChannel;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * {@code --trunk-io xdp}: a gateway whose trunk is an {@link XdpChannel} on the VTEP's event loop, or, where XDP is
 * unavailable (platform, permissions, driver, more than 64 receive queues, locked-memory limit), nothing but one log
 * line saying why, so the caller falls back to AF_PACKET.
 */
final class XdpStart {
    private XdpStart() {}

    /**
     * Starts the gateway with an XDP trunk; null, after one line to {@code log}, if the trunk could not be opened
     * through XDP (everything started is closed again).
     *
     * @throws ConfigException for a problem that is not the XDP trunk's (the fallback would fail the same way)
     */
    static Gateway start(GatewayConfig config, Consumer<String> log) {
        String why = XdpChannel.unsupportedReason();
        if (why == null) {
            AtomicReference<String> trunkFailure = new AtomicReference<>();
            AtomicReference<String> attachMode = new AtomicReference<>("?");
            try {
                Gateway gateway = Gateway.startOnLoop(config, loop -> sink -> {
                    try {
                        return AfPacketTrunk.openXdp(
                                config.port, loop, sink, log, config.busyPollMicros, config.xdpMode, attachMode::set);
                    } catch (ConfigException e) {
                        trunkFailure.set(e.getMessage());
                        throw e;
                    }
                });
                log.accept("trunk " + config.port + ": AF_XDP, copy mode, XDP program attached by a BPF link in "
                        + attachMode.get() + " mode, on the VTEP's event loop");
                return gateway;
            } catch (ConfigException e) {
                if (trunkFailure.get() == null) {
                    throw e;
                }
                why = trunkFailure.get();
            }
        }
        log.accept("trunk " + config.port + ": AF_XDP unavailable (" + why + "); falling back to AF_PACKET");
        return null;
    }
}
