package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.pcap.PcapChannel;
import java.util.Objects;

/**
 * A Linux network interface bridged into a {@link Segment} through libpcap (pcap4j). A {@code PcapPort} is not itself
 * a {@link LocalPort}: it owns one, attached to the segment ({@link #localPort()}), and a capture on the interface.
 * Every frame arriving on the interface enters the segment through that port as if {@link LocalPort#write} had been
 * called (flushed once per batch of frames libpcap hands over), and every frame the segment delivers to the port is
 * transmitted on the interface. Put a veth end here and a real host in a network namespace sits behind vtep4j.
 *
 * <pre>{@code
 * try (PcapPort port = PcapPort.open(vtep.segment(5000), "veth-h1")) {
 *     ... // the host behind veth-h1 now talks to the overlay
 * }
 * }</pre>
 *
 * <p>Needs pcap4j ({@code org.pcap4j:pcap4j-core}), which vtep4j-core does not bring: the application adds it,
 * and with it the SLF4J API pcap4j logs through. Needs libpcap on the host and root or CAP_NET_RAW. Captures in
 * promiscuous, immediate mode and only in the IN direction, so frames it injects are never captured again. Turn
 * transmit checksum offload off on the far end of a veth ({@code ethtool -K IFACE tx off}): otherwise captured
 * frames carry partial checksums.
 *
 * <p>Threading: one receive thread per port ({@code vtep4j-pcap-IFACE}) writes and flushes; frames for the port are
 * injected on the thread that forwards them. All methods may be called from any thread. Buffers: each captured
 * frame is copied once into a buffer from the allocator (default pooled) and its ownership passes to the segment;
 * delivered frames are copied out and released.
 */
public final class PcapPort implements AutoCloseable {

    private final LocalPort port;
    private final PcapChannel channel;
    /** libpcap's drops and the failed injections, in the VTEP's drops while the port is open. */
    private final LossCounter overruns;

    private final LossCounter injectFailures;

    private PcapPort(LocalPort port, PcapChannel channel, Counters vtepDrops) {
        this.port = port;
        this.channel = channel;
        this.overruns = vtepDrops.sources().add(DropReason.PORT_RECEIVE_OVERFLOW, channel::dropped);
        this.injectFailures = vtepDrops.sources().add(DropReason.PORT_SEND_FAILED, channel::sendErrors);
    }

    /**
     * Frames libpcap dropped because its buffer was full (the packet socket's ring overruns); also counted in the
     * VTEP's drops as {@link DropReason#PORT_RECEIVE_OVERFLOW}. Asks libpcap: read it from a status thread.
     */
    public long framesDropped() {
        return channel.dropped();
    }

    /**
     * Attaches a port named {@code pcap:IFACE} to {@code segment} and starts capturing on {@code interfaceName},
     * promiscuous, with the pooled allocator.
     *
     * @throws IllegalArgumentException if the interface does not exist in this network namespace
     * @throws IllegalStateException if pcap4j is not on the class path, this process lacks root / CAP_NET_RAW (the
     *         message names the interface), libpcap fails otherwise, or the segment is closed
     */
    public static PcapPort open(Segment segment, String interfaceName) {
        return builder(interfaceName).open(segment);
    }

    /** A builder for a port on {@code interfaceName}. */
    public static Builder builder(String interfaceName) {
        return new Builder(interfaceName);
    }

    /** The interface frames are captured on and injected into. */
    public String interfaceName() {
        return channel.interfaceName();
    }

    /**
     * The local port this interface is attached through: its id and name are what the forwarding table records for
     * MACs learned from the interface. Closing it detaches the interface from the segment (captured frames are then
     * dropped); {@link #close()} closes both.
     */
    public LocalPort localPort() {
        return port;
    }

    /** Frames captured on the interface and handed to the segment. */
    public long framesCaptured() {
        return channel.received();
    }

    /**
     * Frames dropped on capture because they were longer than {@value PcapChannel#SNAP_LENGTH} bytes (a jumbo or
     * a GSO super-frame from a host whose transmit offload is on): never forwarded cut short.
     */
    public long framesTruncated() {
        return channel.truncated();
    }

    /** Frames the segment delivered and that were injected on the interface. */
    public long framesInjected() {
        return channel.sent();
    }

    /**
     * Frames the segment delivered that could not be injected (port closing, oversize, libpcap error); also counted
     * in the VTEP's drops as {@link DropReason#PORT_SEND_FAILED}.
     */
    public long injectErrors() {
        return channel.sendErrors();
    }

    /** True until {@link #close()}. */
    public boolean isOpen() {
        return channel.isOpen() && port.isOpen();
    }

    /** Stops capturing (waits a few seconds at most for the receive thread) and detaches the port. Idempotent. */
    @Override
    public void close() {
        try {
            channel.close();
        } finally {
            overruns.close();
            injectFailures.close();
            port.close();
        }
    }

    @Override
    public String toString() {
        return "PcapPort(" + interfaceName() + " -> " + port.name() + ", captured " + framesCaptured() + ", injected "
                + framesInjected() + ")";
    }

    /** Options of a {@link PcapPort}; not thread-safe, use from one thread. */
    public static final class Builder {
        private final String interfaceName;
        private boolean promiscuous = true;
        private ByteBufAllocator allocator = PooledByteBufAllocator.DEFAULT;
        private String name;

        private Builder(String interfaceName) {
            Objects.requireNonNull(interfaceName, "interfaceName");
            if (interfaceName.isEmpty() || interfaceName.length() > 15) {
                throw new IllegalArgumentException(
                        "interfaceName: '" + interfaceName + "' (expected: 1..15 characters, a Linux interface name)");
            }
            this.interfaceName = interfaceName;
        }

        /** Capture frames for every MAC, not only the interface's own (default true: a bridge port must). */
        public Builder promiscuous(boolean on) {
            this.promiscuous = on;
            return this;
        }

        /** Allocator for captured frames (default pooled). */
        public Builder allocator(ByteBufAllocator value) {
            this.allocator = Objects.requireNonNull(value, "allocator");
            return this;
        }

        /** Display name of the local port in the forwarding table (default {@code pcap:IFACE}). */
        public Builder name(String value) {
            this.name = Objects.requireNonNull(value, "name");
            return this;
        }

        /**
         * Attaches the port to {@code segment} and starts capturing.
         *
         * @throws IllegalArgumentException if the interface does not exist in this network namespace, or {@code segment}
         *         is not one from {@link Vtep#segment}
         * @throws IllegalStateException without pcap4j on the class path, without root / CAP_NET_RAW, on another
         *         libpcap failure, or if the segment is closed
         */
        public PcapPort open(Segment segment) {
            Objects.requireNonNull(segment, "segment");
            if (!(segment instanceof SegmentImpl impl)) { // before anything is attached or opened
                throw new IllegalArgumentException(
                        "segment: " + segment.getClass().getName() + " (expected: a segment from Vtep.segment(vni))");
            }
            requirePcap4j();
            Injector injector = new Injector();
            LocalPort port = segment.attach(name != null ? name : "pcap:" + interfaceName, injector);
            PcapChannel channel;
            try {
                // write per frame, one flush per batch libpcap hands over: fewer wake-ups of the underlay loops
                channel = PcapChannel.open(interfaceName, promiscuous, allocator, port::write, port::flush);
            } catch (RuntimeException e) {
                port.close();
                throw e;
            }
            injector.channel = channel;
            return new PcapPort(port, channel, impl.runtime.forwarder().drops());
        }
    }

    /** vtep4j-core does not bring pcap4j (and its SLF4J API) to applications that never capture: say what to add. */
    private static void requirePcap4j() {
        try {
            Class.forName("org.pcap4j.core.Pcaps", false, PcapPort.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("PcapPort needs pcap4j on the class path: add the dependency"
                    + " org.pcap4j:pcap4j-core (1.8.2 is tested) to the application");
        }
    }

    /** Delivers the segment's frames to the interface; drops (releases) them until the channel is open. */
    private static final class Injector implements FrameHandler {
        private volatile PcapChannel channel;

        @Override
        public void onFrame(ByteBuf frame) {
            PcapChannel target = channel;
            if (target == null) {
                frame.release();
                return;
            }
            target.inject(frame);
        }
    }
}
