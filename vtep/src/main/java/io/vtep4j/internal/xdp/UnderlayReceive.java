package io.vtep4j.internal.xdp;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.UnderlayReceiver;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.internal.mmsg.AddressCache;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The receive half of the AF_XDP underlay: each frame the socket reads is checked as Ethernet / IPv4 / UDP to the
 * VTEP's address and port ({@link UdpFrame#check}: every length and field, the IPv4 header checksum and a non-zero UDP
 * checksum; a frame that fails is dropped under the named reason), and its UDP payload is copied out of the UMEM
 * into a pooled buffer shared by the batch and handed to the engine as a slice, with the outer source address
 * (mapped to a shared {@code InetAddress}) and the outer TOS: what the socket path's {@code recvmmsg} receiver hands
 * on, so learning, ECN and counters are the same. No object per frame in the steady state.
 *
 * <p>Event loop only (the channel's), but for {@link #delivered()}.
 */
final class UnderlayReceive implements RingSink {
    /** Bytes of the buffer payloads are copied into; a new one when the next payload does not fit. */
    static final int BATCH_BYTES = 64 * 1024;

    private static final VarHandle DELIVERED;

    static {
        try {
            DELIVERED = MethodHandles.lookup().findVarHandle(UnderlayReceive.class, "delivered", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final UnderlayReceiver receiver;
    private final ByteBufAllocator allocator;
    private final AddressCache sources = new AddressCache();
    private final long localMac;
    private final int localAddress;
    private final int port;
    private final int maxPayload;
    private ByteBuf batch;
    /** Written on the event loop only, opaquely so that other threads read a recent value (no fence per packet). */
    private long delivered;

    /**
     * @param localMac the interface's MAC (48 bits)
     * @param localAddress the VTEP's IPv4 address, network order in the int
     * @param maxPayload the largest payload (tunnel header and inner frame) accepted; longer is {@code MTU_EXCEEDED}
     */
    UnderlayReceive(
            UnderlayReceiver receiver,
            ByteBufAllocator allocator,
            long localMac,
            int localAddress,
            int port,
            int maxPayload) {
        this.receiver = receiver;
        this.allocator = allocator;
        this.localMac = localMac;
        this.localAddress = localAddress;
        this.port = port;
        this.maxPayload = maxPayload;
    }

    @Override
    public void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid) {
        DropReason why = vlanTci >= 0
                ? DropReason.OUTER_ETHERNET_MALFORMED // a tag the driver took out: not our untagged underlay
                : UdpFrame.check(ring, offset, length, localMac, localAddress, port);
        int n = why == null ? UdpFrame.payloadLength(ring, offset) : 0;
        if (why == null && n > maxPayload) {
            why = DropReason.MTU_EXCEEDED; // RFC 7348 §4.3: longer than any tunnel packet of ours
        }
        if (why != null) {
            receiver.dropped(why);
            return;
        }
        if (batch == null || batch.writableBytes() < n) {
            releaseBatch();
            batch = allocator.directBuffer(BATCH_BYTES, BATCH_BYTES);
        }
        int at = batch.writerIndex();
        batch.writeBytes(ring, offset + UdpFrame.PAYLOAD_OFFSET, n);
        ByteBuf payload = batch.retainedSlice(at, n);
        DELIVERED.setOpaque(this, delivered + 1);
        try {
            receiver.receivedWithTos(payload, sources.ipv4(UdpFrame.source(ring, offset)), UdpFrame.tos(ring, offset));
        } catch (Throwable ignored) {
            // The receiver owns the slice from the call on; it must not throw, but the loop survives.
        }
    }

    /**
     * Hands the engine the UDP payload's place in the frame, unchecked: the frame is taken as untagged IPv4 without
     * options, which is what {@link UdpFrame#check} accepts; anything else costs the engine two table reads at most.
     */
    @Override
    public long readAhead(ByteBuf ring, int offset, int length, int vlanTci) {
        return length <= UdpFrame.PAYLOAD_OFFSET || vlanTci >= 0
                ? 0
                : receiver.readAhead(ring, offset + UdpFrame.PAYLOAD_OFFSET, length - UdpFrame.PAYLOAD_OFFSET);
    }

    @Override
    public void batchEnd() {
        releaseBatch();
        receiver.readComplete();
    }

    /** Payloads handed to the engine; from any thread. */
    long delivered() {
        return (long) DELIVERED.getOpaque(this);
    }

    /** Gives back this side's reference to the batch buffer (the slices handed on keep it alive). */
    void releaseBatch() {
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }
}
