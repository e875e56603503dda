package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.learning.Location;
import java.net.InetAddress;

/**
 * Sends one frame to remote VTEPs over the {@link Lanes} of a VTEP: a unicast to one location, or a flood to a
 * segment's head-end replication set and multicast groups, each target in its own encapsulation (one tunnel header
 * written per encapsulation used, shared by that encapsulation's targets).
 *
 * <p>The rules where two encapsulations meet live here. A frame that arrived over transport {@code from} never goes
 * back out over {@code from} (split horizon per encapsulation; the peers of one encapsulation reach each other
 * directly); it may go out over the others. An 802.1Q/802.1ad-tagged frame that arrived over VXLAN is not sent over a
 * transport that forbids an inner tag (NVGRE, GRE-in-UDP; RFC 7637 §3.2): stripping it there would merge the
 * VXLAN side's VLANs into one VSID, so it is dropped as {@link DropReason#CROSSING_TAGGED_FRAME} instead. Frames from
 * local ports keep the codecs' rule (the NVGRE encoder removes the tag).
 *
 * <p>Thread-safe and allocation-free in the steady state (no per-frame objects beyond the codecs' pooled views).
 */
final class Fanout {

    /** {@code from} of a frame that came from a local port, not the overlay. */
    static final int FROM_PORT = -1;

    private final Forwarder forwarder;
    private final Lanes lanes;

    Fanout(Forwarder forwarder, Lanes lanes) {
        this.forwarder = forwarder;
        this.lanes = lanes;
    }

    /**
     * The transports (bit {@code t} for transport {@code t}) that have at least one flood target, leaving out
     * {@code from}; 0 when the frame has nowhere to go in the overlay. No allocation.
     */
    int transportsUsed(Location[] targets, InetAddress[] groups, int from) {
        int mask = 0;
        int count = lanes.count();
        for (Location target : targets) {
            int t = target.transport();
            if (t != from && t < count) {
                mask |= 1 << t;
            }
        }
        for (int t = 0; t < groups.length && t < count; t++) {
            if (groups[t] != null && t != from) {
                mask |= 1 << t;
            }
        }
        return mask;
    }

    /**
     * Floods {@code frame} (owned; a read-only view whenever {@code mask} names more than one transport or local
     * ports share it) to every target on a transport in {@code mask}.
     */
    void flood(
            SegmentImpl seg,
            LocalPortImpl port,
            ByteBuf frame,
            int hash,
            Location[] targets,
            InetAddress[] groups,
            int from,
            int mask) {
        int outer = outerFields(seg, frame);
        boolean consumed = false;
        try {
            int remaining = Integer.bitCount(mask);
            for (int t = 0; t < lanes.count() && remaining > 0; t++) {
                if ((mask & (1 << t)) == 0) {
                    continue;
                }
                remaining--;
                if (!carries(from, t, frame)) {
                    forwarder.drop(DropReason.CROSSING_TAGGED_FRAME, seg, null);
                    lanes.counters(t).drops.drop(DropReason.CROSSING_TAGGED_FRAME);
                    continue;
                }
                ByteBuf input = remaining == 0 ? frame : frame.retainedDuplicate();
                consumed |= input == frame;
                ByteBuf payload = lanes.encapsulate(t, input, seg.vni, hash);
                InetAddress group = t < groups.length ? groups[t] : null;
                // the last replica takes the payload itself: no duplicate (an allocation) for a one-target flood
                int copies = group != null ? 1 : 0;
                for (Location target : targets) {
                    if (target.transport() == t) {
                        copies++;
                    }
                }
                boolean handedOver = false;
                try {
                    for (Location target : targets) {
                        if (target.transport() == t) {
                            handedOver |= replicate(
                                    seg, port, t, payload, target.address(), hash, from, outer, --copies == 0);
                        }
                    }
                    if (group != null) {
                        handedOver |= replicate(seg, port, t, payload, group, hash, from, outer, --copies == 0);
                    }
                } finally {
                    if (!handedOver) {
                        payload.release();
                    }
                }
            }
        } finally {
            if (!consumed) {
                frame.release();
            }
        }
    }

    /**
     * One known remote on transport {@code t}: one tunnel packet. {@code port}: the local port the frame came from
     * (null from the overlay), told when the packet does not fit. Takes ownership of {@code frame}.
     */
    void unicast(SegmentImpl seg, LocalPortImpl port, ByteBuf frame, int hash, int t, InetAddress remote, int from) {
        if (t >= lanes.count()) {
            // A location on a transport this VTEP does not run (set from outside): nowhere to send it.
            frame.release();
            forwarder.drop(DropReason.SEND_FAILED, seg, null);
            return;
        }
        if (!carries(from, t, frame)) {
            frame.release();
            forwarder.drop(DropReason.CROSSING_TAGGED_FRAME, seg, null);
            lanes.counters(t).drops.drop(DropReason.CROSSING_TAGGED_FRAME);
            return;
        }
        int outer = outerFields(seg, frame);
        ByteBuf payload = lanes.encapsulate(t, frame, seg.vni, hash);
        if (!lanes.fitsMtu(t, payload, remote)) {
            mtuExceeded(seg, port, t, payload, remote);
            payload.release();
            return;
        }
        send(seg, t, payload, remote, hash, from, outer, false);
    }

    /**
     * May a frame that arrived over {@code from} leave over {@code to}? Always from a local port; from the overlay
     * unless VXLAN hands a tagged frame to an encapsulation that forbids inner tags.
     */
    boolean carries(int from, int to, ByteBuf frame) {
        return from == FROM_PORT
                || !lanes.forbidsInnerTag(to)
                || lanes.forbidsInnerTag(from)
                || !Ethernet.isTagged(frame, frame.readerIndex());
    }

    /** The frame's outer TOS / TTL under the segment's {@link OuterHeader}; -1: the socket's fixed values. */
    private static int outerFields(SegmentImpl seg, ByteBuf frame) {
        OuterHeader oh = seg.outerHeader;
        return oh == null ? -1 : oh.fields(frame);
    }

    /**
     * One replica of a flood to {@code remote}: a duplicate of {@code payload}, or with {@code last} the payload itself.
     * Returns whether the payload itself was handed over (the caller must not release it then).
     */
    private boolean replicate(
            SegmentImpl seg,
            LocalPortImpl port,
            int t,
            ByteBuf payload,
            InetAddress remote,
            int hash,
            int from,
            int outer,
            boolean last) {
        if (!lanes.fitsMtu(t, payload, remote)) {
            mtuExceeded(seg, port, t, payload, remote);
            return false;
        }
        send(seg, t, last ? payload : payload.retainedDuplicate(), remote, hash, from, outer, true);
        return last;
    }

    /** Counted per transport; the forwarder counts it per segment and answers the sender (PMTU signalling). */
    private void mtuExceeded(SegmentImpl seg, LocalPortImpl port, int t, ByteBuf payload, InetAddress remote) {
        lanes.counters(t).drops.drop(DropReason.MTU_EXCEEDED);
        forwarder.remoteDrop(remote, DropReason.MTU_EXCEEDED);
        forwarder.tooBig(seg, port, payload, t, remote);
    }

    /** {@code floodCopy}: one of a flood's replicas (counted as such against the remote). */
    private void send(
            SegmentImpl seg,
            int t,
            ByteBuf payload,
            InetAddress remote,
            int hash,
            int from,
            int outer,
            boolean floodCopy) {
        int length = payload.readableBytes(); // read before the underlay owns it
        if (lanes.send(t, payload, remote, hash, outer)) {
            seg.counters.packetsToUnderlay.increment();
            seg.counters.bytesToUnderlay.add(length);
            forwarder.remoteSent(remote, length, floodCopy);
            if (from != FROM_PORT) {
                lanes.counters(t).framesCrossedIn.increment();
            }
        } else {
            forwarder.drop(DropReason.SEND_FAILED, seg, null);
            lanes.counters(t).drops.drop(DropReason.SEND_FAILED);
            forwarder.remoteDrop(remote, DropReason.SEND_FAILED);
        }
    }
}
