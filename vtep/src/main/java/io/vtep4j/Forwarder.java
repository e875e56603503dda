package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ecn;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.encap.FlowHash;
import io.vtep4j.encap.InnerEcn;
import io.vtep4j.encap.VxlanHeader;
import io.vtep4j.internal.UnderlayReceiver;
import io.vtep4j.learning.FloodList;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;

/**
 * The data path of a {@link Vtep} (ARCHITECTURE.md "The packet path"): local frame -> learn -> lookup -> unicast |
 * local port | flood; tunnel packet -> decapsulate -> segment -> allow-list -> ECN (RFC 6040) -> learn -> deliver
 * locally (split horizon).
 *
 * <p>Thread-safe: runs on event loops and application threads at once; state is the lock-free forwarding table,
 * volatile segment snapshots and contention-free counters. Never throws, allocates nothing in the steady state
 * beyond what Netty's datagram API does, and counts every drop under a {@link DropReason}. Buffer ownership passes
 * with every call, as each method says.
 */
final class Forwarder implements UnderlayReceiver {

    private static final Location[] NO_TARGETS = new Location[0];
    private static final InetAddress[] NO_GROUPS = new InetAddress[0];
    /** The VXLAN header and the NVGRE / GRE-in-UDP header with key are both 8 bytes. */
    private static final int TUNNEL_HEADER_LENGTH = VxlanHeader.LENGTH;

    private final VtepRuntime runtime;
    private final VtepConfig config;
    private final ForwardingTable table;
    /** The underlays by transport number; one for a single-encapsulation VTEP. */
    private final Lanes lanes;

    private final Fanout fanout;
    /** ICMP answers to frames too big for the tunnel; null when off. */
    private final PmtuSignal pmtu;

    private final NeighborSuppressor neighbors;
    private final Counters drops = new Counters();
    /** Remote locations by transport number. */
    private final RemoteLocations[] remotes;
    /** Per-remote counters (bounded; see RemoteTraffic). */
    private final RemoteTraffic traffic = new RemoteTraffic(RemoteTraffic.DEFAULT_MAX_REMOTES);

    private final FlushBatching flushes = new FlushBatching(this::flush);

    Forwarder(VtepRuntime runtime, VtepConfig config, ForwardingTable table, Lanes lanes) {
        this.runtime = runtime;
        this.config = config;
        this.table = table;
        this.lanes = lanes;
        this.fanout = new Fanout(this, lanes);
        this.pmtu = config.pmtu() == null ? null : new PmtuSignal(config.pmtu(), config.ticker(), config.allocator());
        this.remotes = new RemoteLocations[lanes.count()];
        for (int t = 0; t < remotes.length; t++) {
            remotes[t] = new RemoteLocations(t);
        }
        this.neighbors = new NeighborSuppressor(runtime.neighbors());
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
            if (seg.suppressNeighbors) {
                ByteBuf answer = neighbors.fromPort(seg.vni, frame, offset, port.location);
                if (answer != null) {
                    deliver(port, answer); // ARP/ND suppression: answered here, the request goes no further
                    return;
                }
            }
            if (!MacAddress.isGroup(dst)) {
                Location where = table.lookup(seg.vni, dst);
                if (where != null) {
                    if (where.isRemote()) {
                        owned = false;
                        fanout.unicast(
                                seg,
                                port,
                                frame,
                                FlowHash.hash(frame),
                                where.transport(),
                                where.address(),
                                Fanout.FROM_PORT);
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
                } else {
                    MissEvents.report(config, seg, port, dst);
                }
            }
            FloodLimiter limiter = seg.floodLimiter;
            if (limiter != null && !limiter.tryAcquire(config.ticker().getAsLong())) {
                drop(DropReason.FLOOD_LIMITED, seg, null);
                return;
            }
            owned = false;
            flood(seg, port, frame, dst, Fanout.FROM_PORT);
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

    /**
     * Broadcast, multicast, unknown unicast: other local ports + multicast groups + head-end replicas, each in its
     * encapsulation, none over {@code fromTransport} (split horizon; {@link Fanout#FROM_PORT} from a local port).
     */
    void flood(SegmentImpl seg, LocalPortImpl from, ByteBuf frame, long dst, int fromTransport) {
        LocalPortImpl[] ports = seg.ports;
        FloodList flood = seg.floodList;
        boolean overlay = flood.floods(dst);
        Location[] her = overlay ? flood.targets() : NO_TARGETS;
        InetAddress[] groups = overlay ? flood.groups() : NO_GROUPS;
        int transports = fanout.transportsUsed(her, groups, fromTransport); // a bit per transport, 0: none
        int localTargets = ports.length - (from != null && seg.port(from.id) == from ? 1 : 0);
        if (transports == 0 && localTargets == 0) {
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
        if (transports == 0) {
            frame.release();
            return;
        }
        int hash = FlowHash.hash(frame);
        // Local ports (or a second encapsulation) hold views of these bytes: encapsulate from a read-only view (a
        // small header buffer in front instead of writing into the shared headroom or stripping a tag in place).
        boolean shared = localTargets > 0 || Integer.bitCount(transports) > 1;
        fanout.flood(seg, from, shared ? frame.asReadOnly() : frame, hash, her, groups, fromTransport, transports);
    }

    /**
     * A tunnel packet that does not fit: counted as {@code MTU_EXCEEDED}; the sender behind {@code from} gets an ICMP
     * answer if one is due ({@link PmtuSignal}). Does not take ownership of {@code payload}.
     */
    void tooBig(SegmentImpl seg, LocalPortImpl from, ByteBuf payload, int transport, InetAddress remote) {
        drop(DropReason.MTU_EXCEEDED, seg, null);
        int inner = payload.readerIndex() + TUNNEL_HEADER_LENGTH;
        if (pmtu == null || from == null || !PmtuSignal.due(payload, inner)) {
            return;
        }
        if (!pmtu.tryAcquire()) {
            drop(DropReason.PMTU_ANSWER_RATE_LIMITED, seg, null);
            return;
        }
        ByteBuf answer = pmtu.answer(payload, inner, lanes.innerRoom(transport, remote) - TUNNEL_HEADER_LENGTH);
        if (answer != null) {
            deliver(from, answer);
        }
    }

    /** Flushes after a local port's send, batched as {@link FlushBatching} says. */
    void flushUnlessReceiving() {
        flushes.flushUnlessReceiving();
    }

    void flush() {
        lanes.flush();
    }

    // ---------------------------------------------------------------- underlay -> application

    /** ARCHITECTURE.md "Underlay to local port". Runs on an event loop; owns {@code payload}; never throws. */
    @Override
    public void received(ByteBuf payload, InetAddress source) {
        received(payload, source, 0);
    }

    @Override
    public void receivedWithTos(ByteBuf payload, InetAddress source, int outerTos) {
        received(payload, source, 0, outerTos);
    }

    /**
     * Reads ahead the table slots of the packet's inner destination (the lookup) and source (the learn). The VNI is
     * read where all three encapsulations keep it: the top 24 bits of the header's second word (VXLAN's VNI, the
     * NVGRE VSID, the GRE key's VSID). Nothing is checked beyond the length: a packet that turns out malformed cost
     * two table reads.
     */
    @Override
    public long readAhead(ByteBuf batch, int offset, int length) {
        if (length < TUNNEL_HEADER_LENGTH + Ethernet.HEADER_LENGTH
                || offset < 0
                || length > batch.capacity() - offset) {
            return 0;
        }
        int vni = batch.getInt(offset + 4) >>> 8;
        int frame = offset + TUNNEL_HEADER_LENGTH;
        return table.readAhead(vni, Ethernet.destinationMac(batch, frame), Ethernet.sourceMac(batch, frame));
    }

    /** {@link #received(ByteBuf, InetAddress)} from the underlay of transport {@code transport}. */
    void received(ByteBuf payload, InetAddress source, int transport) {
        received(payload, source, transport, 0);
    }

    /**
     * A tunnel packet from the underlay of transport {@code transport} whose outer TOS / traffic class was
     * {@code outerTos} (0 when the transport does not read it): RFC 6040 §4.2 is applied to the inner packet once the
     * segment accepts the source ({@link InnerEcn}).
     */
    void received(ByteBuf payload, InetAddress source, int transport, int outerTos) {
        SegmentImpl seg = null;
        boolean owned = true;
        try {
            flushes.batchStarted();
            int length = payload.readableBytes(); // the whole tunnel packet, before decapsulation
            int vni = lanes.decapsulate(transport, payload);
            if (vni < 0) {
                DropReason reason = DropReason.fromCodeOrNull(vni);
                drop(reason, null, source);
                lanes.counters(transport).drops.drop(reason != null ? reason : DropReason.INTERNAL_ERROR);
                return;
            }
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
            if ((outerTos & Ecn.MASK) != 0 && InnerEcn.decapsulate(payload, outerTos) != InnerEcn.FORWARD) {
                drop(DropReason.ECN_CE_NOT_ECT, seg, source); // RFC 6040 §4.2: outer CE, inner Not-ECT
                return;
            }
            seg.counters.packetsFromUnderlay.increment();
            seg.counters.bytesFromUnderlay.add(length);
            lanes.counters(transport).received(length);
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
                table.learn(vni, src, remotes[transport].of(source));
            }
            if (seg.suppressNeighbors) {
                neighbors.fromUnderlay(vni, payload, offset, remotes[transport].of(source));
            }
            owned = false;
            if (lanes.count() == 1) {
                deliverLocally(seg, payload, dst);
            } else {
                crossOrDeliver(seg, payload, dst, transport);
            }
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

    /**
     * With several encapsulations: a frame from the overlay goes to its local port, or to a remote known on another
     * encapsulation, or is flooded to local ports and the other encapsulations' targets; never back over
     * {@code transport}. Takes ownership.
     */
    private void crossOrDeliver(SegmentImpl seg, ByteBuf frame, long dst, int transport) {
        if (!MacAddress.isGroup(dst)) {
            Location where = table.lookup(seg.vni, dst);
            if (where != null && !where.isRemote()) {
                deliverLocally(seg, frame, dst);
                return;
            }
            if (where != null && where.transport() != transport) {
                fanout.unicast(seg, null, frame, FlowHash.hash(frame), where.transport(), where.address(), transport);
                return;
            }
        }
        flood(seg, null, frame, dst, transport);
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

    /** Counts a tunnel packet sent to {@code remote} against its counters (made if the cap allows). */
    void remoteSent(InetAddress remote, int length, boolean floodCopy) {
        RemoteTraffic.Remote r = traffic.getOrCreate(remote); // null for a group or past the cap
        if (r != null) {
            r.sent(length, floodCopy);
        }
    }

    /** Counts a drop of a packet from or to {@code remote} against its counters, if it has any (never makes them). */
    void remoteDrop(InetAddress remote, DropReason reason) {
        RemoteTraffic.Remote r = traffic.get(remote);
        if (r != null) {
            r.dropped(reason);
        }
    }

    void drop(DropReason reason, SegmentImpl seg, InetAddress source) {
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
