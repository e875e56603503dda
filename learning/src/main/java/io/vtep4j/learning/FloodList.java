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
 */
public final class FloodList {

    private static final InetAddress[] NONE = new InetAddress[0];

    private volatile InetAddress group;
    private volatile InetAddress[] remotes = NONE;
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
        if (multicastGroup != null && !multicastGroup.isMulticastAddress()) {
            throw new IllegalArgumentException(
                    "group: " + multicastGroup.getHostAddress() + " (expected: an IPv4 or IPv6 multicast address)");
        }
        this.group = multicastGroup;
        return this;
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
    public synchronized boolean addRemote(InetAddress vtep) {
        Objects.requireNonNull(vtep, "vtep");
        if (vtep.isMulticastAddress() || vtep.isAnyLocalAddress()) {
            throw new IllegalArgumentException(
                    "vtep: " + vtep.getHostAddress() + " (expected: a unicast address; use group() for multicast)");
        }
        final InetAddress[] current = remotes;
        if (indexOf(current, vtep) >= 0) {
            return false;
        }
        final InetAddress[] next = Arrays.copyOf(current, current.length + 1);
        next[current.length] = vtep;
        remotes = next;
        return true;
    }

    /** Removes a remote VTEP from the head-end replication set; thread-safe. Returns false if it was absent. */
    public synchronized boolean removeRemote(InetAddress vtep) {
        final InetAddress[] current = remotes;
        final int at = indexOf(current, vtep);
        if (at < 0) {
            return false;
        }
        final InetAddress[] next = new InetAddress[current.length - 1];
        System.arraycopy(current, 0, next, 0, at);
        System.arraycopy(current, at + 1, next, at, next.length - at);
        remotes = next;
        return true;
    }

    /** Replaces the whole head-end replication set at once; thread-safe. Duplicates are dropped. */
    public synchronized void replaceRemotes(Iterable<InetAddress> vteps) {
        final FloodList staging = new FloodList();
        for (InetAddress vtep : vteps) {
            staging.addRemote(vtep);
        }
        remotes = staging.remotes;
    }

    /** True if there is neither a group nor any remote; thread-safe. */
    public boolean isEmpty() {
        return group == null && remotes.length == 0;
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
                + Arrays.toString(remotes) + ", unknownUnicast=" + floodUnknownUnicast + ", broadcast="
                + floodBroadcast + ", multicast=" + floodMulticast + '}';
    }
}
