package io.vtep4j.examples.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.vtep4j.XdpMode;
import io.vtep4j.examples.gateway.TrunkChannel.Counter;
import io.vtep4j.internal.afpacket.AfPacketChannel;
import io.vtep4j.internal.afpacket.RingChannel;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.internal.xdp.XdpChannel;
import io.vtep4j.internal.xdp.XdpOptions;
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
 *
 * <p>The same trunk drives an {@link XdpChannel} ({@link #openXdp}): another {@link RingChannel} with the same sink,
 * send, close and counters, its tags always in the frame.
 */
final class AfPacketTrunk extends ChannelTrunk<RingChannel> implements RingSink {
    /** Opens a channel on {@code interfaceName}, registered with {@code loop}, handing frames to {@code sink}. */
    @FunctionalInterface
    interface Opener {
        RingChannel open(IoEventLoop loop, String interfaceName, RingSink sink) throws IOException;
    }

    private static final Map<Counter, ToLongFunction<RingChannel>> READERS = Map.of(
            Counter.RECEIVED, RingChannel::received,
            Counter.SENT, RingChannel::sent,
            Counter.TRUNCATED, RingChannel::truncated,
            Counter.OVERRUNS, RingChannel::overruns,
            Counter.SEND_FAILURES, RingChannel::sendFailures);
    static final long CHECK_MILLIS = 200;
    /** Bytes kept free in front of each received frame: the VXLAN / GRE header and a tag fit without a copy. */
    static final int HEADROOM = 64;

    private final String interfaceName;
    private final IoEventLoop loop;
    private final Receiver sink;
    private final Consumer<String> log;
    private final ByteBufAllocator allocator;
    private final Opener opener;
    private final Thread watcher;
    private volatile boolean open = true;
    private volatile long reopens;

    private AfPacketTrunk(String interfaceName, IoEventLoop loop, Receiver sink, Consumer<String> log, Opener opener) {
        super(READERS);
        this.opener = opener;
        this.interfaceName = interfaceName;
        this.loop = loop;
        this.sink = sink;
        this.log = log;
        this.allocator = ByteBufAllocator.DEFAULT;
        this.watcher = new Thread(this::watch, "vtep4j-trunk-watch-" + interfaceName);
        this.watcher.setDaemon(true);
    }

    /**
     * Opens {@code interfaceName} on {@code loop}; its problems at start become one-line {@link ConfigException}s
     * naming {@code --port}.
     */
    static Trunk open(String interfaceName, IoEventLoop loop, Receiver sink, Consumer<String> log) {
        AfPacketChannel.Options options = AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT);
        return open(
                interfaceName,
                loop,
                sink,
                log,
                (l, name, ringSink) -> AfPacketChannel.open(l, name, ringSink, options));
    }

    /**
     * Opens {@code interfaceName} through AF_XDP ({@link XdpChannel}) on {@code loop}, its program attached as
     * {@code mode} asks; each channel opened (the first, and later ones when the interface comes back) tells
     * {@code attached} how its program was attached ("native" or "generic"). Problems at start become one-line
     * {@link ConfigException}s naming {@code --port}.
     */
    static Trunk openXdp(
            String interfaceName,
            IoEventLoop loop,
            Receiver sink,
            Consumer<String> log,
            int busyPollMicros,
            XdpMode mode,
            Consumer<String> attached) {
        XdpOptions options = XdpOptions.defaults().withBusyPoll(busyPollMicros).withMode(mode);
        return open(interfaceName, loop, sink, log, (l, name, ringSink) -> {
            XdpChannel channel = XdpChannel.open(l, name, ringSink, options);
            attached.accept(channel.attachMode());
            return channel;
        });
    }

    /**
     * Opens {@code interfaceName} on {@code loop} through {@code opener}, which makes each channel (the first here,
     * later ones when the interface comes back) and is handed the trunk as the channel's {@link RingSink}.
     */
    static Trunk open(String interfaceName, IoEventLoop loop, Receiver sink, Consumer<String> log, Opener opener) {
        AfPacketTrunk trunk = new AfPacketTrunk(interfaceName, loop, sink, log, opener);
        try {
            trunk.channel.install(opener.open(loop, interfaceName, trunk));
        } catch (IOException e) {
            throw new ConfigException("--port " + interfaceName + ": " + e.getMessage(), e);
        }
        trunk.watcher.start();
        return trunk;
    }

    @Override
    public void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid) {
        ByteBuf frame = allocator.directBuffer(HEADROOM + length);
        // copied from the ring's side (address to address): writeBytes would go through the destination's NIO view,
        // which Netty's adaptive allocator creates anew for each buffer (an allocation per frame)
        ring.getBytes(offset, frame, HEADROOM, length);
        frame.writerIndex(HEADROOM + length).readerIndex(HEADROOM);
        if (vlanTci < 0) {
            sink.accept(frame);
        } else {
            sink.acceptTagged(frame, vlanTci & 0xFFF);
        }
    }

    @Override
    public long readAhead(ByteBuf ring, int offset, int length, int vlanTci) {
        return sink.readAhead(ring, offset, length, vlanTci < 0 ? -1 : vlanTci & 0xFFF);
    }

    @Override
    public void batchEnd() {
        sink.batchEnd();
    }

    @Override
    public boolean send(ByteBuf frame) {
        return send(frame, -1);
    }

    @Override
    public boolean send(ByteBuf frame, int vlanId) {
        RingChannel c = channel.current();
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
            RingChannel current = channel.current();
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
                RingChannel fresh = opener.open(loop, interfaceName, this);
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

    private void retire(RingChannel lost) {
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
        shutDown(watcher, RingChannel::close);
    }
}
