package io.vtep4j;

import io.vtep4j.encap.Encapsulation;
import io.vtep4j.learning.NeighborEntry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * One virtual layer-2 network: a VNI (VXLAN) or VSID (NVGRE, GRE-in-UDP), its local ports, its flood list and its
 * allow-list of remote VTEPs. Obtained from {@link Vtep#segment(int)}.
 *
 * <p>Threading: every method may be called from any thread at any time; changes take effect for the next frame and
 * never stop traffic. Nothing here takes or returns buffers.
 */
public interface Segment extends AutoCloseable {

    /** The VNI / VSID, 0..16777215. */
    int vni();

    /**
     * Adds a flood target (RFC 7348 §4.2): a multicast group (joined on the VTEP's multicast interface; one group per
     * segment, replacing any previous group, which is left) or a unicast remote VTEP for head-end replication.
     *
     * @param address an IP literal or host name
     * @throws IllegalArgumentException if the address is the wildcard or cannot be resolved
     * @throws IllegalStateException for a group when no multicast interface was configured, or if closed
     * @return this segment
     */
    Segment floodTo(String address);

    /** {@link #floodTo(String)} for an address already resolved. */
    Segment floodTo(InetAddress address);

    /**
     * Adds a flood target reached over {@code encapsulation}, one of the VTEP's ({@link Vtep#encapsulations()}): a
     * unicast remote VTEP flooded to in that encapsulation (an address already in the list moves to it), or the
     * multicast group of that encapsulation's underlay (one group per encapsulation, replacing its previous one).
     * {@link #floodTo(String)} is this with the VTEP's default encapsulation.
     *
     * @throws IllegalArgumentException if the VTEP does not run {@code encapsulation}, or as {@link #floodTo(String)}
     * @throws IllegalStateException as {@link #floodTo(String)}
     * @return this segment
     */
    Segment floodTo(Encapsulation encapsulation, String address);

    /** {@link #floodTo(Encapsulation, String)} for an address already resolved. */
    Segment floodTo(Encapsulation encapsulation, InetAddress address);

    /** Removes a flood target added with {@link #floodTo}; a group is left. Returns this segment. */
    Segment stopFloodingTo(InetAddress address);

    /**
     * Whether broadcast frames from local ports are flooded to the overlay (group and remotes; default true). Local
     * ports receive them either way. Returns this segment.
     */
    Segment floodBroadcast(boolean on);

    /**
     * Whether multicast frames (group MACs other than broadcast) from local ports are flooded to the overlay (default
     * true). Local ports receive them either way. Returns this segment.
     */
    Segment floodMulticast(boolean on);

    /**
     * Whether unicast frames from local ports to MACs not in the forwarding table are flooded to the overlay (default
     * true). Local ports receive them either way. Returns this segment.
     */
    Segment floodUnknownUnicast(boolean on);

    /** A read-only, live view of the flood targets and switches. */
    Flooding flooding();

    /** The owner of flood targets added without one: the application's own configuration. */
    String MANUAL = "manual";

    /**
     * Adds a unicast flood target on behalf of {@code owner} (e.g. {@code "evpn"} for a control plane). A target
     * stays in the flood list while any owner holds it, so a control plane and manual configuration never remove
     * each other's targets; {@link #floodTo(InetAddress)} is this with {@link #MANUAL}.
     *
     * @throws IllegalArgumentException if the address is not a remote VTEP's unicast address of a local family
     * @throws IllegalStateException if closed
     * @return this segment
     */
    Segment floodTo(InetAddress address, String owner);

    /**
     * Releases {@code owner}'s hold on a unicast flood target; the target leaves the flood list when no owner holds
     * it any more. {@link #stopFloodingTo(InetAddress)} is this with {@link #MANUAL} for a unicast target.
     *
     * @return this segment
     */
    Segment stopFloodingTo(InetAddress address, String owner);

    /**
     * Restricts the remote VTEPs this segment accepts frames from (RFC 7348 §7); packets from any other source are
     * dropped, counted as {@code REMOTE_NOT_ALLOWED} and never learned. An empty set accepts every source (default).
     *
     * @return this segment
     */
    Segment allowRemotes(Set<InetAddress> remotes);

    /** {@link #allowRemotes(Set)} from IP literals or host names. */
    Segment allowRemotes(String... remotes);

    /** The allow-list; empty when every source is accepted. */
    Set<InetAddress> allowedRemotes();

    /**
     * Whether frames to the IEEE 802.1D reserved link-local addresses 01:80:C2:00:00:00..0F (STP, PAUSE, LACP,
     * EAPOL, LLDP, ...) are forwarded, between local ports and across the overlay in both directions. A bridge
     * consumes these frames and never relays them; so does a segment by default ({@link Vtep.Builder#forwardLinkLocal},
     * default false): such a frame is dropped as {@code LINK_LOCAL_FRAME}, before its source is learned. Turn it on
     * for a segment that must carry them transparently, e.g. a point-to-point pseudowire.
     *
     * @return this segment
     */
    Segment forwardLinkLocal(boolean forward);

    /** Whether this segment forwards link-local frames (see {@link #forwardLinkLocal(boolean)}). */
    boolean forwardsLinkLocal();

    /**
     * BUM storm control: at most {@code packetsPerSecond} broadcast, multicast and unknown-unicast frames from this
     * segment's local ports are flooded (to the other local ports, the group and every head-end peer); the rest are
     * dropped as {@code FLOOD_LIMITED}. A token bucket allowing a burst of one second's worth. Known unicast and
     * frames from the underlay are not limited. 0 turns the limit off (default: {@link Vtep.Builder#floodLimit}).
     *
     * @throws IllegalArgumentException if {@code packetsPerSecond} is negative or above 1000000000
     * @return this segment
     */
    Segment floodLimit(int packetsPerSecond);

    /**
     * {@link #floodLimit(int)} with an explicit bucket size: after a quiet spell, {@code burst} frames may be flooded
     * back to back before the rate applies.
     *
     * @throws IllegalArgumentException if {@code packetsPerSecond} is negative or above 1000000000, or {@code burst}
     *         is below 1 while the limit is on
     * @return this segment
     */
    Segment floodLimit(int packetsPerSecond, int burst);

    /** The flood limit in packets per second; 0 when off. */
    int floodLimit();

    /**
     * This segment's outer TOS / TTL rule, overriding the VTEP's ({@link Vtep.Builder#outerHeader}); per-packet
     * values need the direct I/O path (see {@link OuterHeader}).
     *
     * @return this segment
     */
    Segment outerHeader(OuterHeader header);

    /** This segment's outer TOS / TTL rule. */
    OuterHeader outerHeader();

    /**
     * Whether this segment learns remote MACs from the underlay's packets (RFC 7348 §4.1; default true). Off is the
     * EVPN mode: remote MACs come only from a control plane ({@code ForwardingTable.addControl}); local ports still
     * learn, and unknown destinations are still flooded. Returns this segment.
     */
    Segment learnFromUnderlay(boolean on);

    /** Whether this segment learns remote MACs from the underlay (see {@link #learnFromUnderlay(boolean)}). */
    boolean learnsFromUnderlay();

    /**
     * ARP and ND suppression (RFC 9161; default {@link Vtep.Builder#suppressNeighbors}, off): this segment learns IP to
     * MAC bindings from the ARP, NS and NA packets crossing it in both directions ({@link Vtep#neighborTable()}), and
     * answers a local port's broadcast ARP request or multicast neighbor solicitation itself, out of the asking port,
     * when the address is bound to a MAC the forwarding table places at a remote VTEP, where the binding last saw it;
     * the request is then neither flooded nor sent. Other requests flood as before. Returns this segment.
     */
    Segment suppressNeighbors(boolean on);

    /** Whether this segment suppresses ARP and ND (see {@link #suppressNeighbors(boolean)}). */
    boolean suppressesNeighbors();

    /**
     * Adds or replaces a control-plane binding of {@code address} to {@code mac} in this segment (an EVPN type-2
     * MAC+IP route, RFC 7432 §7.2); snooping never overwrites it and it never ages. It is answered from while the
     * forwarding table has {@code mac} at a remote VTEP (install the MAC with {@code ForwardingTable.addControl}).
     *
     * @return false if the binding table or this segment's share of it is full
     * @throws IllegalArgumentException for a group or all-zero MAC
     * @throws IllegalStateException if the segment is closed
     */
    boolean addNeighbor(InetAddress address, long mac);

    /** Removes the binding of {@code address} in this segment, of any origin; true if there was one. */
    boolean removeNeighbor(InetAddress address);

    /** A snapshot of this segment's IP to MAC bindings, sorted by address. */
    List<NeighborEntry> neighbors();

    /** Ageing time of this segment's learned MACs (overrides the VTEP's). Returns this segment. */
    Segment ageing(Duration ageing);

    /**
     * Attaches a new local port whose handler receives this segment's frames for it (see {@link FrameHandler} for
     * threading and ownership).
     *
     * @throws IllegalStateException if the segment is closed
     */
    LocalPort attach(FrameHandler handler);

    /** {@link #attach(FrameHandler)} with a display name for the forwarding table. */
    LocalPort attach(String name, FrameHandler handler);

    /** A snapshot of the open local ports. */
    List<LocalPort> ports();

    /**
     * Removes the segment: closes its ports, leaves its group, forgets its MACs; packets for its VNI are dropped as
     * {@code UNKNOWN_VNI} from then on. Idempotent.
     */
    @Override
    void close();
}
