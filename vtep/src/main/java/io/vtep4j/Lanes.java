package io.vtep4j;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.encap.Encapsulation;
import io.vtep4j.internal.Underlay;
import io.vtep4j.internal.UnderlayReceiver;
import java.net.InetAddress;
import java.util.List;

/**
 * The underlays of one {@link Vtep}, indexed by transport number (the number a remote
 * {@link io.vtep4j.learning.Location} carries): transport 0 is the default encapsulation, the others follow in the
 * order {@link Vtep.Builder#encapsulations} named them. Per transport it knows the codec, the MTU and the counters, so
 * that the data path sends {@code lanes.send(where.transport(), ...)} with an array index and no allocation.
 *
 * <p>Thread-safe: the arrays are filled once before any underlay opens and never change; counters are contention-free.
 */
final class Lanes {

    private final Encapsulation[] encapsulations;
    private final Underlay[] underlays;
    private final int[] mtus;
    private final EncapsulationCounters[] counters;
    private final TunnelCodec[] codecs;

    Lanes(VtepConfig config) {
        List<Encapsulation> list = config.encapsulations();
        this.encapsulations = list.toArray(new Encapsulation[0]);
        this.underlays = new Underlay[encapsulations.length];
        this.mtus = new int[encapsulations.length];
        this.counters = new EncapsulationCounters[encapsulations.length];
        this.codecs = new TunnelCodec[encapsulations.length];
        for (int t = 0; t < encapsulations.length; t++) {
            mtus[t] = config.mtu(encapsulations[t]);
            counters[t] = new EncapsulationCounters();
            codecs[t] = new TunnelCodec(config, encapsulations[t]);
        }
    }

    /** Set once per transport, before any underlay is opened. */
    void underlay(int transport, Underlay underlay) {
        underlays[transport] = underlay;
    }

    /** How many underlays: 1 for a single-encapsulation VTEP. */
    int count() {
        return encapsulations.length;
    }

    Encapsulation encapsulation(int transport) {
        return encapsulations[transport];
    }

    /** The transport number of {@code encapsulation}, or -1 if this VTEP does not run it. */
    int transportOf(Encapsulation encapsulation) {
        for (int t = 0; t < encapsulations.length; t++) {
            if (encapsulations[t] == encapsulation) {
                return t;
            }
        }
        return -1;
    }

    /** The underlay of a transport, or null before it was set (or after a failed start). */
    Underlay underlay(int transport) {
        return underlays[transport];
    }

    EncapsulationCounters counters(int transport) {
        return counters[transport];
    }

    /** True where the wire format is NVGRE's GRE header (NVGRE, GRE-in-UDP): no inner 802.1Q tag may cross. */
    boolean forbidsInnerTag(int transport) {
        return encapsulations[transport] != Encapsulation.VXLAN;
    }

    /** Writes the transport's tunnel header in front of {@code frame} (see the codecs for ownership). */
    ByteBuf encapsulate(int transport, ByteBuf frame, int vni, int hash) {
        return codecs[transport].encapsulate(frame, vni, hash);
    }

    /**
     * Strips the transport's tunnel header: the VNI / VSID ({@code >= 0}) with the reader index on the inner frame,
     * or a negative {@link DropReason#code()}.
     */
    int decapsulate(int transport, ByteBuf payload) {
        return (int) codecs[transport].decapsulate(payload);
    }

    /** RFC 7348 §4.3: VTEPs MUST NOT fragment; the whole outer IP packet must fit the transport's MTU. */
    boolean fitsMtu(int transport, ByteBuf payload, InetAddress remote) {
        return payload.readableBytes() + underlays[transport].outerHeaderLength(remote) <= mtus[transport];
    }

    /** The room for the tunnel header and inner frame in one outer packet to {@code remote} on the transport. */
    int innerRoom(int transport, InetAddress remote) {
        return mtus[transport] - underlays[transport].outerHeaderLength(remote);
    }

    /**
     * Queues one tunnel packet on the transport's underlay; takes ownership. {@code outer}: the packet's outer TOS /
     * TTL ({@link OuterHeader}), -1 for the socket's. False: dropped at once.
     */
    boolean send(int transport, ByteBuf payload, InetAddress remote, int hash, int outer) {
        int length = payload.readableBytes(); // read before the underlay owns it
        Underlay u = underlays[transport];
        if (outer == -1 ? u.send(payload, remote, hash) : u.send(payload, remote, hash, outer)) {
            counters[transport].sent(length);
            return true;
        }
        return false;
    }

    /** Flushes every underlay. */
    void flush() {
        for (Underlay u : underlays) {
            if (u != null) {
                u.flush();
            }
        }
    }

    /**
     * The receiver the underlay of {@code transport} reports to: the forwarder itself when it is the only underlay
     * (a single-underlay VTEP runs exactly as before), else a small adapter that names the transport and counts the
     * underlay's own drops under its encapsulation too.
     */
    UnderlayReceiver receiver(Forwarder forwarder, int transport) {
        if (encapsulations.length == 1) {
            return forwarder;
        }
        EncapsulationCounters c = counters[transport];
        return new UnderlayReceiver() {
            @Override
            public void received(ByteBuf payload, InetAddress source) {
                forwarder.received(payload, source, transport);
            }

            @Override
            public void receivedWithTos(ByteBuf payload, InetAddress source, int outerTos) {
                forwarder.received(payload, source, transport, outerTos);
            }

            @Override
            public long readAhead(ByteBuf batch, int offset, int length) {
                return forwarder.readAhead(batch, offset, length);
            }

            @Override
            public void readComplete() {
                forwarder.readComplete();
            }

            @Override
            public void dropped(DropReason reason) {
                c.drops.drop(reason);
                forwarder.dropped(reason);
            }

            @Override
            public void dropped(DropReason reason, long count) {
                c.drops.drop(reason, count);
                forwarder.drops().drop(reason, count); // kernel-reported losses: counted, not reported one by one
            }

            @Override
            public void internalError(Throwable cause) {
                forwarder.internalError(cause);
            }
        };
    }
}
