package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.socket.DatagramPacket;
import io.vtep4j.encap.DropReason;

/**
 * The receive end of the {@link UdpUnderlay} channels: drops datagrams too long for the underlay MTU and, on a
 * channel bound to a wildcard address, datagrams addressed to neither a local address nor a joined group (read from
 * {@link DatagramPacket#recipient()}, which Netty's epoll channel fills from IP_RECVORIGDSTADDR); hands the rest on
 * through {@link DatagramInbound}. The unicast instance is shared by the channels of one underlay; runs on their
 * event loops.
 */
final class UdpInbound extends DatagramInbound {

    /** Largest payload an MTU-sized IPv4 packet can carry: anything longer cannot be a tunnel packet for us. */
    private final int maxPayload;
    /** Null where the socket is bound to one address (the kernel filters); else what may be delivered. */
    private final Destinations destinations;

    UdpInbound(UnderlayReceiver receiver, int maxPayload, Destinations destinations) {
        super(receiver);
        this.maxPayload = maxPayload;
        this.destinations = destinations;
    }

    @Override
    public boolean isSharable() {
        return true;
    }

    @Override
    protected ByteBuf payload(DatagramPacket packet) {
        if (packet.content().readableBytes() > maxPayload) {
            // Longer than an MTU-sized packet can carry (a full receive slot means the read truncated it):
            // RFC 7348 §4.3, no fragmentation, so it cannot be a valid tunnel packet for this underlay.
            packet.release();
            receiver.dropped(DropReason.MTU_EXCEEDED);
            return null;
        }
        if (destinations != null && !destinations.accepts(packet.recipient().getAddress())) {
            packet.release();
            receiver.dropped(DropReason.WRONG_DESTINATION);
            return null;
        }
        return packet.content();
    }
}
