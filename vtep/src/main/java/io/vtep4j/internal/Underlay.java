package io.vtep4j.internal;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * A transport that carries tunnel packets between this VTEP and its peers: the engine's only view of the network.
 *
 * <p>The engine builds one underlay per {@code Vtep} from an {@link UnderlayConfig}, calls {@link #open} once, uses
 * it, and calls {@link #close} once. Implementations: {@code UdpUnderlay} (VXLAN and GRE-in-UDP over Netty epoll/NIO
 * datagram channels), {@code io.vtep4j.internal.xdp.XdpUnderlay} (the same over AF_XDP, opt-in) and
 * {@code io.vtep4j.internal.raw.RawGreUnderlay} (NVGRE directly over IP protocol 47). A
 * transport for NVGRE is found by {@link Underlays#create}: it must be a public class
 * {@code io.vtep4j.internal.raw.RawGreUnderlay} with a public constructor taking one {@link UnderlayConfig}, and its
 * constructor must not touch the network (do that in {@link #open}).
 *
 * <h2>What crosses this interface</h2>
 * Payloads start at the tunnel header and end with the inner Ethernet frame: for VXLAN the 8-byte VXLAN header, for
 * NVGRE and GRE-in-UDP the GRE header (with key). Outer IP and UDP headers are the underlay's business, both ways:
 * the underlay writes them on send (source address, TTL, DSCP, DF, checksum) and strips and validates them on receipt
 * (a malformed outer header is the underlay's drop, reported with {@link UnderlayReceiver#dropped}).
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>{@link #open} and {@link #close} are called once each, from an application thread, never from an event loop;
 *       both block until done.</li>
 *   <li>{@link #send}, {@link #flush}, {@link #joinGroup} and {@link #leaveGroup} may be called from any thread,
 *       concurrently, including the event loops of {@link UnderlayConfig#group()}. An implementation that is fastest
 *       on its own event loop should hand foreign-thread calls over to it.</li>
 *   <li>Every {@link UnderlayReceiver} callback MUST run on an event loop of {@link UnderlayConfig#group()} (if the
 *       transport reads on a thread of its own, it hands each packet over with {@code loop.execute(...)}).
 *       Callbacks for one read batch run on one loop, followed by one {@link UnderlayReceiver#readComplete()}.</li>
 * </ul>
 *
 * <h2>Buffers</h2>
 * {@link #send} takes ownership of its payload in every case, success or failure: the underlay releases it once
 * written or dropped. {@link UnderlayReceiver#received} passes ownership of the payload to the engine. The underlay
 * never throws out of an event loop; a failed write is released and reported as
 * {@link io.vtep4j.encap.DropReason#SEND_FAILED} through {@link UnderlayReceiver#dropped}.
 *
 * <h2>Outer header rules every implementation keeps</h2>
 * DF set / no fragmentation (RFC 7348 §4.3; the engine has already dropped anything bigger than the MTU, using
 * {@link #outerHeaderLength}); TTL (hop limit) and DSCP from the config; over UDP the destination port is
 * {@link UnderlayConfig#port()} and the UDP checksum over IPv4 is zero where the kernel allows (RFC 7348 §5).
 */
public interface Underlay extends AutoCloseable {

    /**
     * Binds the transport and starts delivering received packets to {@code receiver}; blocks until ready.
     *
     * @throws IOException with a message naming what is missing (address in use, no CAP_NET_RAW, ...)
     * @throws IllegalStateException if called twice or after {@link #close}
     */
    void open(UnderlayReceiver receiver) throws IOException;

    /**
     * Queues one tunnel packet to {@code destination}; takes ownership of {@code payload} whatever happens.
     *
     * @param payload the tunnel header followed by the inner frame; released by the underlay
     * @param destination the remote VTEP (or multicast group) address; its family picks the local address used
     * @param flowHash the inner frame's flow hash ({@code FlowHash.hash}); UDP transports derive the source port from
     *        it where they can, so that the underlay's ECMP spreads flows (RFC 7348 §5)
     * @return false if the packet was dropped at once (closed, no local address of that family, socket not
     *         writable); the caller counts {@code SEND_FAILED}. Asynchronous failures, and a packet dropped because
     *         a bounded hand-over queue is full ({@code SEND_QUEUE_FULL}), are reported through
     *         {@link UnderlayReceiver#dropped} instead.
     */
    boolean send(ByteBuf payload, InetAddress destination, int flowHash);

    /**
     * {@link #send(ByteBuf, InetAddress, int)} with this packet's own outer header fields: {@code outer} is
     * {@code tos << 8 | ttl} (traffic class and hop limit over IPv6), or -1 for the configured ones. A transport that
     * cannot set them per packet sends with the configured ones (the default).
     */
    default boolean send(ByteBuf payload, InetAddress destination, int flowHash, int outer) {
        return send(payload, destination, flowHash);
    }

    /**
     * Writes out what {@link #send} queued (one {@code sendmmsg} per channel where the transport batches).
     * The engine calls it once per batch of sends: at the end of a local port's send, or after a read batch.
     */
    void flush();

    /**
     * Bytes the underlay adds in front of the payload to reach {@code destination}: outer IP header plus, for UDP
     * transports, the 8-byte UDP header (IPv4 UDP: 28, IPv6 UDP: 48, IPv4 raw GRE: 20, IPv6 raw GRE: 40). The
     * engine adds the tunnel header and compares with the underlay MTU. Thread-safe, no allocation.
     */
    int outerHeaderLength(InetAddress destination);

    /**
     * Joins the multicast group on {@link UnderlayConfig#multicastInterface()} so that packets sent to it arrive
     * (RFC 7348 §4.2: IGMP/MLD join per VNI); reference-counted by the engine, called once per group. Blocks.
     *
     * @throws IOException if the join failed
     * @throws IllegalStateException if no multicast interface was configured
     */
    void joinGroup(InetAddress group) throws IOException;

    /** Leaves a group joined with {@link #joinGroup}. Blocks; never throws for a group not joined. */
    void leaveGroup(InetAddress group) throws IOException;

    /**
     * Send messages and the datagrams they carried (see {@link SendCounters}); the default, for transports that do not
     * count, stays at zero. Thread-safe.
     */
    default SendCounters sendCounters() {
        return new SendCounters();
    }

    /**
     * Receive messages and the datagrams they carried (see {@link ReceiveCounters}); the default, for transports that
     * do not count, stays at zero. Thread-safe.
     */
    default ReceiveCounters receiveCounters() {
        return new ReceiveCounters();
    }

    /** Whether this underlay moves packets through an {@code AF_XDP} socket (valid after open); default false. */
    default boolean afXdp() {
        return false;
    }

    /** Payloads received through an {@code AF_XDP} socket and handed on so far; default 0. Thread-safe. */
    default long afXdpReceived() {
        return 0;
    }

    /**
     * Running totals of losses the transport learns from the kernel outside its callbacks (each never decreasing,
     * thread-safe, cheap), by drop reason; the engine registers them after {@link #open} and reads them with every
     * counter read. Default: none.
     */
    default Map<DropReason, LongSupplier> lossTotals() {
        return Map.of();
    }

    /** The local addresses actually bound (with the real port for UDP; port 0 for raw IP). Valid after open. */
    List<InetSocketAddress> boundAddresses();

    /**
     * Stops receiving, releases every queued payload and closes every socket; blocks until done. Does NOT shut
     * down {@link UnderlayConfig#group()} (the engine owns it). Idempotent.
     */
    @Override
    void close();
}
