package io.vtep4j.learning;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one VNI floods broadcast, multicast and unknown-unicast frames: an IP multicast group and/or a head-end
 * replication set of remote VTEPs (RFC 7348 §4.2), plus per-kind flood switches like the Linux bridge's.
 *
 * <p>Thread-safe. Readers never lock: {@link #remotes()} and {@link #group()} read one volatile snapshot. Writers
 * copy on write, so a change at run time never stops traffic; concurrent writers are serialised.
 * <pre>{@code
 * FloodList blue = new FloodList();
 * blue.group(InetAddress.getByName("239.1.1.1"));
 * blue.addRemote(InetAddress.getByName("192.0.2.2"));
 * for (InetAddress vtep : blue.remotes()) { send(vtep); }
 * }</pre>
 *
 * <p>Bounded: at most {@value #MAX_REMOTES} remotes, since every flooded frame is copied once per remote and every
 * change copies the set.
 */
public final class FloodList {

    /** The most remote VTEPs one list holds. */
    public static final int MAX_REMOTES = 4096;

    private static final InetAddress[] NONE = new InetAddress[0];
    private static final Location[] NO_TARGETS = new Location[0];

    private volatile InetAddress group;
    private volatile InetAddress[] remotes = NONE;
    /** The remotes with their transport numbers, same order; written together with {@link #remotes}. */
    private volatile Location[] targets = NO_TARGETS;
    /** Multicast group by transport number (nulls where none); index 0 mirrors {@link #group}. */
    private volatile InetAddress[] groups = NONE;

    private volatile boolean floodUnknownUnicast = true;
    private volatile boolean floodBroadcast = true;
    private volatile boolean floodMulticast = true;

    /** An empty flood list with every flood switch on; thread-safe. */
    public FloodList() {}

    /** The multicast group, or null if none; lock-free, thread-safe. */
    public InetAddress group() {
        return group;
    }

    /**
     * Sets (or with null, clears) the IPv4 or IPv6 multicast group; thread-safe.
     *
     * @throws IllegalArgumentException if the address is not multicast
     */
    public FloodList group(InetAddress multicastGroup) {
        return group(0, multicastGroup);
    }

    /** The multicast group of transport {@code transport} (see {@link Location#transport()}), or null; lock-free. */
    public InetAddress group(int transport) {
        InetAddress[] g = groups;
        return transport >= 0 && transport < g.length ? g[transport] : null;
    }

    /**
     * Sets (or with null, clears) the multicast group that floods over transport {@code transport}: an engine with
     * several underlays floods to one group per underlay; thread-safe.
     *
     * @throws IllegalArgumentException if the address is not multicast or the transport not {@code 0..}{@value
     *     Location#MAX_TRANSPORT}
     */
    public synchronized FloodList group(int transport, InetAddress multicastGroup) {
        checkTransport(transport);
        if (multicastGroup != null && !multicastGroup.isMulticastAddress()) {
            throw new IllegalArgumentException(
                    "group: " + multicastGroup.getHostAddress() + " (expected: an IPv4 or IPv6 multicast address)");
        }
        InetAddress[] next = Arrays.copyOf(groups, Math.max(groups.length, transport + 1));
        next[transport] = multicastGroup;
        int length = next.length;
        while (length > 0 && next[length - 1] == null) {
            length--;
        }
        groups = length == next.length ? next : Arrays.copyOf(next, length);
        if (transport == 0) {
            this.group = multicastGroup;
        }
        return this;
    }

    /**
     * The multicast groups by transport number as a shared snapshot (an entry is null where that transport has no
     * group; trailing transports without a group are absent): no allocation, lock-free. Must not be modified.
     */
    public InetAddress[] groups() {
        return groups;
    }

    /**
     * The head-end replication set as a shared snapshot array: no allocation, lock-free, thread-safe. The caller
     * must not modify the array; later changes publish a new array and leave this one untouched.
     */
    public InetAddress[] remotes() {
        return remotes;
    }

    /**
     * Adds a remote VTEP to the head-end replication set; thread-safe (copy on write).
     *
     * @return false if it was already present
     * @throws IllegalArgumentException if the address is multicast or the wildcard address
     */
    public boolean addRemote(InetAddress vtep) {
        return addRemote(vtep, 0);
    }

    /**
     * Adds a remote VTEP reached over transport {@code transport} (a number the owner assigns to one of its
     * underlays, as in {@link Location#remote(InetAddress, int)}); an address appears once, so adding one already
     * present with another transport moves it to that transport. Thread-safe (copy on write).
     *
     * @return false if it was already present with that transport
     * @throws IllegalArgumentException if the address is multicast or the wildcard address, or the transport is not
     *     {@code 0..}{@value Location#MAX_TRANSPORT}
     * @throws IllegalStateException if the list holds {@value #MAX_REMOTES} remotes and this is another one
     */
    public synchronized boolean addRemote(InetAddress vtep, int transport) {
        Objects.requireNonNull(vtep, "vtep");
        if (vtep.isMulticastAddress() || vtep.isAnyLocalAddress()) {
            throw new IllegalArgumentException(
                    "vtep: " + vtep.getHostAddress() + " (expected: a unicast address; use group() for multicast)");
        }
        checkTransport(transport);
        final Location target = Location.remote(vtep, transport);
        final Location[] current = targets;
        final int at = indexOf(remotes, vtep);
        if (at >= 0 && current[at].transport() == transport) {
            return false;
        }
        final Location[] next;
        if (at >= 0) {
            next = current.clone();
            next[at] = target;
        } else {
            if (current.length >= MAX_REMOTES) {
                throw new IllegalStateException("flood list: " + vtep.getHostAddress() + " would be remote "
                        + (current.length + 1) + " (expected: at most " + MAX_REMOTES + ")");
            }
            next = Arrays.copyOf(current, current.length + 1);
            next[current.length] = target;
        }
        publish(next);
        return true;
    }

    /**
     * The head-end replication set with each remote's transport number, as a shared snapshot array in the order
     * added: no allocation, lock-free, thread-safe. Must not be modified.
     */
    public Location[] targets() {
        return targets;
    }

    /** The transport number {@code vtep} is flooded over, or -1 if it is not in the set; thread-safe. */
    public int transportOf(InetAddress vtep) {
        final Location[] current = targets;
        for (Location target : current) {
            if (target.address().equals(vtep)) {
                return target.transport();
            }
        }
        return -1;
    }

    private void publish(Location[] next) {
        final InetAddress[] addresses = new InetAddress[next.length];
        for (int i = 0; i < next.length; i++) {
            addresses[i] = next[i].address();
        }
        targets = next;
        remotes = addresses;
    }

    private static void checkTransport(int transport) {
        if (transport < 0 || transport > Location.MAX_TRANSPORT) {
            throw new IllegalArgumentException(
                    "transport: " + transport + " (expected: 0.." + Location.MAX_TRANSPORT + ")");
        }
    }

    /**
     * Removes a remote VTEP from the head-end replication set, whatever its transport; thread-safe. Returns false if
     * it was absent.
     */
    public synchronized boolean removeRemote(InetAddress vtep) {
        final int at = indexOf(remotes, vtep);
        if (at < 0) {
            return false;
        }
        final Location[] current = targets;
        final Location[] next = new Location[current.length - 1];
        System.arraycopy(current, 0, next, 0, at);
        System.arraycopy(current, at + 1, next, at, next.length - at);
        publish(next);
        return true;
    }

    /** Replaces the whole head-end replication set at once, all on transport 0; thread-safe. Duplicates are dropped. */
    public synchronized void replaceRemotes(Iterable<InetAddress> vteps) {
        final FloodList staging = new FloodList();
        for (InetAddress vtep : vteps) {
            staging.addRemote(vtep);
        }
        publish(staging.targets);
    }

    /** True if there is neither a group nor any remote; thread-safe. */
    public boolean isEmpty() {
        return groups.length == 0 && remotes.length == 0;
    }

    /** Whether unknown-unicast frames are flooded (default true); thread-safe. */
    public boolean floodUnknownUnicast() {
        return floodUnknownUnicast;
    }

    /** Turns flooding of unknown-unicast frames on or off; thread-safe. */
    public FloodList floodUnknownUnicast(boolean on) {
        this.floodUnknownUnicast = on;
        return this;
    }

    /** Whether broadcast frames are flooded (default true); thread-safe. */
    public boolean floodBroadcast() {
        return floodBroadcast;
    }

    /** Turns flooding of broadcast frames on or off; thread-safe. */
    public FloodList floodBroadcast(boolean on) {
        this.floodBroadcast = on;
        return this;
    }

    /** Whether multicast frames are flooded (default true); thread-safe. */
    public boolean floodMulticast() {
        return floodMulticast;
    }

    /** Turns flooding of multicast (non-broadcast group) frames on or off; thread-safe. */
    public FloodList floodMulticast(boolean on) {
        this.floodMulticast = on;
        return this;
    }

    /**
     * Whether a frame to {@code destinationMac} that missed the table may be flooded, by the switch for its kind
     * (broadcast, multicast, unknown unicast); lock-free, allocation-free, thread-safe.
     */
    public boolean floods(long destinationMac) {
        if (MacAddress.isBroadcast(destinationMac)) {
            return floodBroadcast;
        }
        return MacAddress.isGroup(destinationMac) ? floodMulticast : floodUnknownUnicast;
    }

    private static int indexOf(InetAddress[] array, InetAddress vtep) {
        for (int i = 0; i < array.length; i++) {
            if (array[i].equals(vtep)) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "FloodList{group=" + (group == null ? "none" : group.getHostAddress()) + ", remotes="
                + Arrays.toString(targets) + ", unknownUnicast=" + floodUnknownUnicast + ", broadcast="
                + floodBroadcast + ", multicast=" + floodMulticast + '}';
    }
}
