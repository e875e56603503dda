package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.vtep4j.examples.gateway.TrunkChannel.Counter;
import io.vtep4j.internal.afpacket.AfPacketChannel;
import io.vtep4j.internal.afpacket.RingSink;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * A {@link Trunk} on a Linux interface through an {@code AF_PACKET} socket with a {@code TPACKET_V3} receive ring
 * ({@link AfPacketChannel}), read and written on one event loop: the loop the gateway's VTEP runs on, so a frame goes
 * from the ring through the engine into the underlay's send batch on one thread, with no hand-over between threads.
 *
 * <p>Each received frame is copied once out of the ring into a pooled direct buffer with {@link #HEADROOM} bytes
 * in front, so the encapsulation header is written in place. A tag the kernel took out of the frame reaches the
 * gateway as {@link Trunk.Receiver#acceptTagged}; transmitted frames get their tag inserted while they are copied
 * into the send batch.
 *
 * <p>Recovery: a watch thread looks every {@link #CHECK_MILLIS} ms at the interface's index; when the interface is
 * gone or was recreated it closes the socket and opens a new one once the interface exists again, logging each in one
 * line and counting the reopenings. Counters of closed sockets are kept. Thread-safe as {@link Trunk} describes.
 */
final class AfPacketTrunk extends ChannelTrunk<AfPacketChannel> implements RingSink {
    private static final Map<Counter, ToLongFunction<AfPacketChannel>> READERS = Map.of(
            Counter.RECEIVED, AfPacketChannel::received,
            Counter.SENT, AfPacketChannel::sent,
            Counter.TRUNCATED, AfPacketChannel::truncated,
            Counter.OVERRUNS, AfPacketChannel::overruns,
            Counter.SEND_FAILURES, AfPacketChannel::sendFailures);
    static final long CHECK_MILLIS = 200;
    /** Bytes kept free in front of each received frame: the VXLAN / GRE header and a tag fit without a copy. */
    static final int HEADROOM = 64;

    private final String interfaceName;
    private final IoEventLoop loop;
    private final Receiver sink;
    private final Consumer<String> log;
    private final ByteBufAllocator allocator;
    private final AfPacketChannel.Options options;
    private final Thread watcher;
    private volatile boolean open = true;
    private volatile long reopens;

    private AfPacketTrunk(String interfaceName, IoEventLoop loop, Receiver sink, Consumer<String> log) {
        super(READERS);
        this.interfaceName = interfaceName;
        this.loop = loop;
        this.sink = sink;
        this.log = log;
        this.allocator = ByteBufAllocator.DEFAULT;
        this.options = AfPacketChannel.Options.defaults(allocator);
        this.watcher = new Thread(this::watch, "vtep4j-trunk-watch-" + interfaceName);
        this.watcher.setDaemon(true);
    }

    /**
     * Opens {@code interfaceName} on {@code loop}; its problems at start become one-line {@link ConfigException}s
     * naming {@code --port}.
     */
    static Trunk open(String interfaceName, IoEventLoop loop, Receiver sink, Consumer<String> log) {
        AfPacketTrunk trunk = new AfPacketTrunk(interfaceName, loop, sink, log);
        try {
            trunk.channel.install(AfPacketChannel.open(loop, interfaceName, trunk, trunk.options));
        } catch (IOException e) {
            throw new ConfigException("--port " + interfaceName + ": " + e.getMessage(), e);
        }
        trunk.watcher.start();
        return trunk;
    }

    @Override
    public void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid) {
        ByteBuf frame = allocator.directBuffer(HEADROOM + length);
        frame.writerIndex(HEADROOM).readerIndex(HEADROOM);
        frame.writeBytes(ring, offset, length);
        if (vlanTci < 0) {
            sink.accept(frame);
        } else {
            sink.acceptTagged(frame, vlanTci & 0xFFF);
        }
    }

    @Override
    public void batchEnd() {
        sink.batchEnd();
    }

    @Override
    public boolean send(ByteBuf frame) {
        AfPacketChannel c = channel.current();
        if (c == null) {
            frame.release();
            return false;
        }
        return c.send(frame, -1);
    }

    @Override
    public boolean send(ByteBuf frame, int vlanId) {
        AfPacketChannel c = channel.current();
        if (c == null) {
            frame.release();
            return false;
        }
        return c.send(frame, vlanId);
    }

    /** The watch thread: notices a lost interface, closes the socket, reopens it when the interface is back. */
    private void watch() {
        int index = InterfaceIndex.of(interfaceName);
        while (open) {
            try {
                TimeUnit.MILLISECONDS.sleep(CHECK_MILLIS);
            } catch (InterruptedException e) {
                return; // close()
            }
            int now = InterfaceIndex.of(interfaceName);
            AfPacketChannel current = channel.current();
            if (current != null && now != index) {
                retire(current);
                log.accept("trunk " + interfaceName + " lost: "
                        + (now == InterfaceIndex.NONE ? "interface gone" : "interface recreated")
                        + "; reopening when it is back");
                current = null;
            }
            if (current != null || now == InterfaceIndex.NONE) {
                continue;
            }
            try {
                AfPacketChannel fresh = AfPacketChannel.open(loop, interfaceName, this, options);
                if (!open) {
                    fresh.close();
                    return;
                }
                channel.install(fresh);
                index = now;
                reopens++;
                log.accept("trunk " + interfaceName + " reopened (interface index " + now + ", reopening #" + reopens
                        + ")");
            } catch (IOException e) {
                // not ready yet (down, being renamed): the next check tries again
            }
        }
    }

    private void retire(AfPacketChannel lost) {
        channel.retire(lost);
        lost.close();
    }

    @Override
    public long reopens() {
        return reopens;
    }

    @Override
    public void close() {
        open = false;
        shutDown(watcher, AfPacketChannel::close);
    }
}
