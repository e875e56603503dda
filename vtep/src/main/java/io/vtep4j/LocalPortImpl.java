package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.learning.Location;

/** The one {@link LocalPort} implementation: forwards through its segment's {@link VtepRuntime}. */
final class LocalPortImpl implements LocalPort {

    final int id;
    final String name;
    final SegmentImpl segment;
    final FrameHandler handler;
    /** One cached location: learning the same port again allocates nothing. */
    final Location location;

    private volatile boolean open = true;

    LocalPortImpl(int id, String name, SegmentImpl segment, FrameHandler handler) {
        this.id = id;
        this.name = name;
        this.segment = segment;
        this.handler = handler;
        this.location = Location.localPort(id, name);
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Segment segment() {
        return segment;
    }

    @Override
    public void send(ByteBuf frame) {
        write(frame);
        segment.runtime.forwarder().flushUnlessReceiving();
    }

    @Override
    public void write(ByteBuf frame) {
        if (frame == null) {
            throw new NullPointerException("frame");
        }
        if (!open) {
            frame.release();
            throw new IllegalStateException("port " + name + " (id " + id + "): closed (expected: an open port)");
        }
        if (segment.runtime.loopsShutDown()) {
            frame.release();
            throw new IllegalStateException("port " + name + " (id " + id + "): the VTEP's event loops are shut down "
                    + "(expected: running loops; an application-owned group must outlive the Vtep)");
        }
        segment.runtime.forwarder().fromPort(this, frame);
    }

    @Override
    public void flush() {
        segment.runtime.forwarder().flush();
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (open) {
            open = false;
            segment.detach(this);
        }
    }

    /** Marks closed without touching the segment (the segment is closing itself). */
    void markClosed() {
        open = false;
    }

    @Override
    public String toString() {
        return "LocalPort{" + name + ", id=" + id + ", vni=" + segment.vni + (open ? "" : ", closed") + '}';
    }
}
