package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.UnderlayReceiver;
import io.vtep4j.learning.FloodList;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;

/**
 * The data path of a {@link Vtep} (ARCHITECTURE.md "The packet path"): local frame -> learn -> lookup -> unicast |
 * local port | flood; tunnel packet -> decapsulate -> segment -> allow-list -> learn -> deliver locally (split
 * horizon).
 *
 * <p>Thread-safe: runs on event loops and application threads at once; state is the lock-free forwarding table,
 * volatile segment snapshots and contention-free counters. Never throws, allocates nothing in the steady state
 * beyond what Netty's datagram API does, and counts every drop under a {@link DropReason}. Buffer ownership passes
 * with every call, as each method says.
 */
final class Forwarder implements UnderlayReceiver {

    private static final InetAddress[] NO_REMOTES = new InetAddress[0];

    private final VtepRuntime runtime;
    private final VtepConfig config;
    private final ForwardingTable table;
    private final TunnelCodec codec;

    private final Counters drops = new Counters();
    /** Per-remote counters and each remote's interned location (bounded; see RemoteTraffic). */
    private final RemoteTraffic traffic = new RemoteTraffic(RemoteTraffic.DEFAULT_MAX_REMOTES);

    private final FlushBatching flushes = new FlushBatching(this::flush);
    private volatile Underlay underlay;

    Forwarder(VtepRuntime runtime, VtepConfig config, ForwardingTable table) {
        this.runtime = runtime;
        this.config = config;
        this.table = table;
        this.codec = new TunnelCodec(config);
    }

    /** Set once, before the underlay is opened. */
    void underlay(Underlay u) {
        this.underlay = u;
    }

    Counters drops() {
        return drops;
    }

    RemoteTraffic traffic() {
        return traffic;
    }

    // ---------------------------------------------------------------- application -> underlay

    /** ARCHITECTURE.md "Local port to underlay". Takes ownership of {@code frame}; never throws. */
    void fromPort(LocalPortImpl port, ByteBuf frame) {
        SegmentImpl seg = port.segment;
        boolean owned = true;
        try {
            if (frame.readableBytes() < Ethernet.HEADER_LENGTH) {
                drop(DropReason.LOCAL_FRAME_TOO_SHORT, seg, null);
                return;
            }
            seg.counters.framesFromPorts.increment();
            seg.counters.bytesFromPorts.add(frame.readableBytes());
            int offset = frame.readerIndex();
            long dst = Ethernet.destinationMac(frame, offset);
            if (isLinkLocal(dst) && !seg.forwardLinkLocal) {
                drop(DropReason.LINK_LOCAL_FRAME, seg, null);
                return;
            }
            long src = Ethernet.sourceMac(frame, offset);
            // RFC 7348 §4.1 (local side): the source lives behind this port. The table refuses (and counts) group
            // and all-zero sources itself.
            table.learn(seg.vni, src, port.location);
            if (!MacAddress.isGroup(dst)) {
                Location where = table.lookup(seg.vni, dst);
                if (where != null) {
                    if (where.isRemote()) {
                        owned = false;
                        unicast(seg, frame, where.address());
                        return;
                    }
                    LocalPortImpl target = seg.port(where.portId());
                    if (target == port) {
                        return; // the destination is behind the sending port itself: nothing to do
                    }
                    if (target != null) {
                        owned = false;
                        deliver(target, frame);
                        return;
                    }
                }
            }
            FloodLimiter limiter = seg.floodLimiter;
            if (limiter != null && !limiter.tryAcquire(config.ticker().getAsLong())) {
                drop(DropReason.FLOOD_LIMITED, seg, null);
                return;
            }
            owned = false;
            flood(seg, port, frame, dst);
        } catch (Throwable t) {
            internalError(t, seg, null);
        } finally {
            if (owned) {
                ReferenceCountUtil.safeRelease(frame);
            }
        }
    }

    /**
     * IEEE 802.1Q-2018 Table 8-1..8-3: 01:80:C2:00:00:00..0F are reserved for link-local protocols (STP, PAUSE, LACP,
     * EAPOL, LLDP, ...) that a bridge consumes and never relays.
     */
    static boolean isLinkLocal(long dst) {
        return (dst & ~0xFL) == 0x0180_C200_0000L;
    }

    /** One known remote: one tunnel packet. Takes ownership. */
    private void unicast(SegmentImpl seg, ByteBuf frame, InetAddress remote) {
        int hash = FlowHash.hash(frame);
        ByteBuf payload = codec.encapsulate(frame, seg.vni, hash);
        if (!fitsMtu(payload, remote)) {
            payload.release();
            drop(DropReason.MTU_EXCEEDED, seg, null);
            remoteDrop(remote, DropReason.MTU_EXCEEDED);
            return;
        }
        send(seg, payload, remote, hash, false);
    }

    /** Broadcast, multicast, unknown unicast: other local ports + multicast group + head-end replicas. */
    private void flood(SegmentImpl seg, LocalPortImpl from, ByteBuf frame, long dst) {
        LocalPortImpl[] ports = seg.ports;
        FloodList flood = seg.floodList;
        boolean overlay = flood.floods(dst);
        InetAddress[] her = overlay ? flood.remotes() : NO_REMOTES;
        InetAddress groupAddress = overlay ? flood.group() : null;
        int remoteTargets = her.length + (groupAddress != null ? 1 : 0);
        int localTargets = ports.length - (from != null && seg.port(from.id) == from ? 1 : 0);
        if (remoteTargets + localTargets == 0) {
            frame.release();
            drop(DropReason.NO_FLOOD_TARGETS, seg, null);
            return;
        }
        seg.counters.floods.increment();
        for (LocalPortImpl p : ports) {
            if (p != from) {
                // Read-only: the copies share memory; nobody may strip a tag or write a header into it in place.
                deliver(p, frame.retainedDuplicate().asReadOnly());
            }
        }
        if (remoteTargets == 0) {
            frame.release();
            return;
        }
        int hash = FlowHash.hash(frame);
        // Local ports hold views of these bytes: encapsulate from a read-only view (a small header buffer in front
        // instead of writing into the shared headroom or stripping a tag in place).
        ByteBuf payload = codec.encapsulate(localTargets > 0 ? frame.asReadOnly() : frame, seg.vni, hash);
        try {
            for (InetAddress remote : her) {
                replicate(seg, payload, remote, hash);
            }
            if (groupAddress != null) {
                replicate(seg, payload, groupAddress, hash);
            }
        } finally {
            payload.release();
        }
    }

    private void replicate(SegmentImpl seg, ByteBuf payload, InetAddress remote, int hash) {
        if (!fitsMtu(payload, remote)) {
            drop(DropReason.MTU_EXCEEDED, seg, null);
            remoteDrop(remote, DropReason.MTU_EXCEEDED);
            return;
        }
        send(seg, payload.retainedDuplicate(), remote, hash, true);
    }

    private void send(SegmentImpl seg, ByteBuf payload, InetAddress remote, int hash, boolean floodCopy) {
        int length = payload.readableBytes(); // read before the underlay owns it
        if (underlay.send(payload, remote, hash)) {
            seg.counters.packetsToUnderlay.increment();
            seg.counters.bytesToUnderlay.add(length);
            RemoteTraffic.Remote r = traffic.getOrCreate(remote); // null for a group or past the cap
            if (r != null) {
                r.sent(length, floodCopy);
            }
        } else {
            drop(DropReason.SEND_FAILED, seg, null);
            remoteDrop(remote, DropReason.SEND_FAILED);
        }
    }

    /** RFC 7348 §4.3: VTEPs MUST NOT fragment; the whole outer IP packet must fit the underlay MTU. */
    private boolean fitsMtu(ByteBuf payload, InetAddress remote) {
        return payload.readableBytes() + underlay.outerHeaderLength(remote) <= config.mtu();
    }

    /** Flushes after a local port's send, batched as {@link FlushBatching} says. */
    void flushUnlessReceiving() {
        flushes.flushUnlessReceiving();
    }

    void flush() {
        Underlay u = underlay;
        if (u != null) {
            u.flush();
        }
    }

    // ---------------------------------------------------------------- underlay -> application

    /** ARCHITECTURE.md "Underlay to local port". Runs on an event loop; owns {@code payload}; never throws. */
    @Override
    public void received(ByteBuf payload, InetAddress source) {
        SegmentImpl seg = null;
        boolean owned = true;
        try {
            flushes.batchStarted();
            int length = payload.readableBytes(); // the whole tunnel packet, before decapsulation
            long decoded = codec.decapsulate(payload);
            if (decoded < 0) {
                drop(DropReason.fromCodeOrNull(decoded), null, source);
                return;
            }
            int vni = (int) decoded;
            seg = runtime.segmentFor(vni);
            if (seg == null) {
                drop(DropReason.UNKNOWN_VNI, null, source);
                return;
            }
            if (runtime.isLocalAddress(source)) {
                // Our own flood come back (a group we also listen to, a peer list that reaches us) or a spoof: our
                // MACs must never be learned as remote.
                drop(DropReason.SOURCE_IS_LOCAL, seg, source);
                return;
            }
            if (!seg.allows(source)) {
                // RFC 7348 §7: only listed VTEPs may inject into this segment; never learned.
                drop(DropReason.REMOTE_NOT_ALLOWED, seg, source);
                return;
            }
            seg.counters.packetsFromUnderlay.increment();
            seg.counters.bytesFromUnderlay.add(length);
            RemoteTraffic.Remote remote = traffic.getOrCreate(source); // null past the cap
            if (remote != null) {
                remote.received(length);
            }
            int offset = payload.readerIndex();
            long dst = Ethernet.destinationMac(payload, offset);
            if (isLinkLocal(dst) && !seg.forwardLinkLocal) {
                drop(DropReason.LINK_LOCAL_FRAME, seg, source);
                return;
            }
            long src = Ethernet.sourceMac(payload, offset);
            // RFC 7348 §4.1: learn inner source MAC -> outer source IP, per VNI. Group and all-zero sources are
            // refused and counted by the table. Off in EVPN mode: remote MACs come from the control plane.
            if (seg.underlayLearning) {
                table.learn(vni, src, remote != null ? remote.location : Location.remote(source));
            }
            owned = false;
            deliverLocally(seg, payload, dst);
        } catch (Throwable t) {
            internalError(t, seg, source);
        } finally {
            if (owned) {
                ReferenceCountUtil.safeRelease(payload);
            }
        }
    }

    /** Split horizon: a frame from the overlay goes to local ports only, never back to the underlay. */
    private void deliverLocally(SegmentImpl seg, ByteBuf frame, long dst) {
        if (!MacAddress.isGroup(dst)) {
            Location where = table.lookup(seg.vni, dst);
            if (where != null && !where.isRemote()) {
                LocalPortImpl target = seg.port(where.portId());
                if (target != null) {
                    deliver(target, frame);
                    return;
                }
            }
        }
        LocalPortImpl[] ports = seg.ports;
        if (ports.length == 0) {
            frame.release();
            drop(DropReason.NO_FLOOD_TARGETS, seg, null);
            return;
        }
        seg.counters.floods.increment();
        if (ports.length == 1) {
            deliver(ports[0], frame);
            return;
        }
        // Several ports share the bytes: each gets a read-only view (a handler that forwards its frame into another
        // VTEP then gets a composite header instead of writing into memory the other ports still read).
        for (int i = 0; i < ports.length - 1; i++) {
            deliver(ports[i], frame.retainedDuplicate().asReadOnly());
        }
        deliver(ports[ports.length - 1], frame.asReadOnly());
    }

    /** Hands a frame to a port's handler, which owns it from here on, even if it throws. */
    private void deliver(LocalPortImpl port, ByteBuf frame) {
        port.segment.counters.framesToPorts.increment();
        port.segment.counters.bytesToPorts.add(frame.readableBytes());
        try {
            port.handler.onFrame(frame);
        } catch (Throwable t) {
            try {
                config.listener().handlerFailed(port, t);
            } catch (Throwable ignored) {
                // a listener must not break the data path
            }
        }
    }

    @Override
    public void readComplete() {
        flushes.batchComplete();
    }

    @Override
    public void dropped(DropReason reason) {
        drop(reason, null, null);
    }

    /** The underlay's own loop failed unexpectedly: counted and reported like any failure of ours. */
    @Override
    public void internalError(Throwable cause) {
        internalError(cause, null, null);
    }

    /**
     * Something threw that nothing should: counted as {@code INTERNAL_ERROR} (the packet in hand is gone) and handed
     * to the listener, never thrown on.
     */
    void internalError(Throwable cause, SegmentImpl seg, InetAddress source) {
        drop(DropReason.INTERNAL_ERROR, seg, source);
        try {
            config.listener().internalError(cause);
        } catch (Throwable ignored) {
            // a listener must not break the data path
        }
    }

    /** Counts a drop of a packet from or to {@code remote} against its counters, if it has any (never makes them). */
    private void remoteDrop(InetAddress remote, DropReason reason) {
        RemoteTraffic.Remote r = traffic.get(remote);
        if (r != null) {
            r.dropped(reason);
        }
    }

    private void drop(DropReason reason, SegmentImpl seg, InetAddress source) {
        if (reason == null) {
            reason = DropReason.INTERNAL_ERROR; // a code the codec should never return
        }
        drops.drop(reason);
        if (seg != null) {
            seg.counters.drops.drop(reason);
        }
        if (source != null) {
            remoteDrop(source, reason);
        }
        try {
            config.listener().dropped(reason, seg != null ? seg.vni : -1, source);
        } catch (Throwable ignored) {
            // a listener must not break the data path
        }
    }
}
