package io.vtep4j.interop;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.internal.pcap.PcapChannel;

/**
 * A child-process probe for {@link PcapChannelIT}: opens a {@link PcapChannel} on {@code args[0]} and prints
 * the outcome ({@code OPENED} or the exception's class and message). Run without CAP_NET_RAW to see the error.
 */
public final class PcapOpenProbe {

    private PcapOpenProbe() {}

    /** Entry point: {@code PcapOpenProbe IFNAME}. */
    public static void main(String[] args) {
        try (PcapChannel channel = PcapChannel.open(args[0], true, ByteBufAllocator.DEFAULT, ByteBuf::release)) {
            System.out.println("OPENED " + channel.interfaceName());
        } catch (RuntimeException e) {
            System.out.println(e.getClass().getName() + ": " + e.getMessage());
        }
    }
}
