package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.internal.pcap.PcapChannel;
import java.util.function.Consumer;

/**
 * A {@link Trunk} on a Linux interface through libpcap, promiscuous (a trunk port must see every MAC).
 *
 * <p>Built on the engine's {@code PcapChannel}, the same capture/inject channel {@code io.vtep4j.PcapPort} uses:
 * {@code PcapPort} binds an interface to one segment, a trunk needs the raw frames to demultiplex by VLAN.
 * Thread-safe as {@link Trunk} describes.
 */
final class PcapTrunk implements Trunk {
    private final PcapChannel channel;

    private PcapTrunk(PcapChannel channel) {
        this.channel = channel;
    }

    /** Opens {@code interfaceName}; its problems become one-line {@link ConfigException}s naming {@code --port}. */
    static Trunk open(String interfaceName, Consumer<ByteBuf> sink) {
        try {
            return new PcapTrunk(PcapChannel.open(interfaceName, true, PooledByteBufAllocator.DEFAULT, sink));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--port " + interfaceName + ": no such interface", e);
        } catch (IllegalStateException e) {
            String why = String.valueOf(e.getMessage()).replace("PcapPort " + interfaceName + ": ", "");
            throw new ConfigException("--port " + interfaceName + ": " + why, e);
        }
    }

    @Override
    public boolean send(ByteBuf frame) {
        return channel.inject(frame);
    }

    @Override
    public long received() {
        return channel.received();
    }

    @Override
    public long sent() {
        return channel.sent();
    }

    @Override
    public void close() {
        channel.close();
    }
}
