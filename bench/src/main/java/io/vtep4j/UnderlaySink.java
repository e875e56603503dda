package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.UnderlayReceiver;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * For benchmarks of the engine's send path without the kernel's (this class sits in the engine's package to reach
 * its transports): stands in front of a running VTEP's default underlay and takes each tunnel packet the engine sends
 * there, counts it and releases it at once; no socket is written. Everything else the engine asks of the transport
 * (MTU, flush, groups, bound addresses, close) is the real underlay's, which also keeps receiving; the engine reads the
 * underlay's own counters from the real one, which it keeps. The engine counts the packets as sent, as it does those
 * a socket takes.
 */
public final class UnderlaySink implements Underlay {

    private final Underlay real;
    /** Packets taken; written by the sending thread, read after a hand-over from it. */
    private long taken;

    private UnderlaySink(Underlay real) {
        this.real = real;
    }

    /**
     * Puts a sink in front of {@code vtep}'s default underlay (transport 0) and returns how many packets it has
     * taken so far. Call before the VTEP sends; the sending threads must see the change through a hand-over (a task
     * submitted to an event loop after this returns). The VTEP closes the real underlay as before.
     */
    public static LongSupplier install(Vtep vtep) {
        Lanes lanes = vtep.runtime.lanes();
        UnderlaySink sink = new UnderlaySink(lanes.underlay(0));
        lanes.underlay(0, sink);
        return () -> sink.taken;
    }

    @Override
    public void open(UnderlayReceiver receiver) throws IOException {
        throw new IllegalStateException("underlay sink: the underlay behind it is open already");
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash) {
        taken++;
        payload.release();
        return true;
    }

    @Override
    public boolean send(ByteBuf payload, InetAddress destination, int flowHash, int outer) {
        return send(payload, destination, flowHash);
    }

    @Override
    public void flush() {
        real.flush();
    }

    @Override
    public int outerHeaderLength(InetAddress destination) {
        return real.outerHeaderLength(destination);
    }

    @Override
    public void joinGroup(InetAddress group) throws IOException {
        real.joinGroup(group);
    }

    @Override
    public void leaveGroup(InetAddress group) throws IOException {
        real.leaveGroup(group);
    }

    @Override
    public List<InetSocketAddress> boundAddresses() {
        return real.boundAddresses();
    }

    @Override
    public void close() {
        real.close();
    }
}
