package io.vtep4j;

import io.netty.channel.EventLoopGroup;
import io.vtep4j.learning.ForwardingTable;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The argument checks of {@link Vtep.Builder}'s setters that {@code Checks.inRange} / {@code atLeast} do not cover:
 * addresses, durations, names and groups. Each returns its (checked) argument or throws at once with a message
 * naming the setter, the value and the rule. Stateless.
 */
final class BuilderChecks {

    private BuilderChecks() {}

    /** An IP address literal (or a name the resolver knows) for {@code localAddress}. */
    static InetAddress address(String address) {
        Objects.requireNonNull(address, "address");
        if (address.isBlank()) { // the resolver would answer with loopback
            throw new IllegalArgumentException("localAddress: \"" + address + "\" (expected: an IP address)");
        }
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("localAddress: " + address + " (expected: an IP address)", e);
        }
    }

    /** A local underlay address: not wildcard, not multicast, not among {@code added}. */
    static InetAddress newLocalAddress(InetAddress address, List<InetAddress> added) {
        Objects.requireNonNull(address, "address");
        if (address.isAnyLocalAddress() || address.isMulticastAddress()) {
            throw new IllegalArgumentException("localAddress: " + address.getHostAddress()
                    + " (expected: a unicast address of this host, not wildcard or multicast)");
        }
        if (added.contains(address)) {
            throw new IllegalArgumentException("localAddress: " + address.getHostAddress() + " (already added)");
        }
        return address;
    }

    /** At least one local address was added before {@code build()}. */
    static void hasLocalAddress(List<InetAddress> added) {
        if (added.isEmpty()) {
            throw new IllegalStateException(
                    "localAddress: none (expected: at least one, e.g. " + "localAddress(\"127.0.0.1\"))");
        }
    }

    /** Ageing: &gt; 0 and at most {@link ForwardingTable#MAX_AGEING}. */
    static Duration ageing(Duration ageing) {
        Objects.requireNonNull(ageing, "ageing");
        if (ageing.compareTo(Duration.ofMillis(1)) < 0 || ageing.compareTo(ForwardingTable.MAX_AGEING) > 0) {
            throw new IllegalArgumentException(
                    "ageing: " + ageing + " (expected: PT0.001S .. " + ForwardingTable.MAX_AGEING + ")");
        }
        return ageing;
    }

    /** Local hold: 0 (off) up to {@link ForwardingTable#MAX_AGEING}. */
    static Duration localHold(Duration hold) {
        Objects.requireNonNull(hold, "localHold");
        if (hold.isNegative() || hold.compareTo(ForwardingTable.MAX_AGEING) > 0) {
            throw new IllegalArgumentException(
                    "localHold: " + hold + " (expected: PT0S .. " + ForwardingTable.MAX_AGEING + ")");
        }
        return hold;
    }

    /** Sweep interval: 1 ms to 1 h. */
    static Duration sweepInterval(Duration interval) {
        Objects.requireNonNull(interval, "interval");
        if (interval.toMillis() < 1 || interval.compareTo(Duration.ofHours(1)) > 0) {
            throw new IllegalArgumentException("sweepInterval: " + interval + " (expected: 1 ms..1 h)");
        }
        return interval;
    }

    /** A multicast interface name: not blank. */
    static String interfaceName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("multicastInterface: \"" + name + "\" (expected: an interface name)");
        }
        return name;
    }

    /** An application's event loop group: running. */
    static EventLoopGroup runningGroup(EventLoopGroup group) {
        Objects.requireNonNull(group, "group");
        if (group.isShuttingDown()) {
            throw new IllegalArgumentException("eventLoopGroup: " + group + " (expected: a running group)");
        }
        return group;
    }

    /** UDP GSO needs the kernel's UDP socket with checksums: no raw source-port range, no IPv6 zero checksum. */
    static void gsoExclusions(boolean udpGso, int sourcePortMin, int sourcePortMax, boolean zeroChecksum6) {
        if (udpGso && sourcePortMin > 0) {
            throw new IllegalStateException(
                    "sourcePortRange: " + sourcePortMin + "-" + sourcePortMax
                            + " with udpGso true (expected: one of them; the range sends over raw sockets, GSO needs UDP ones)");
        }
        if (udpGso && zeroChecksum6) {
            throw new IllegalStateException("udp6ZeroChecksumTx: true with udpGso true"
                    + " (expected: one of them; Linux refuses GSO on a socket sending zero checksums)");
        }
    }

    /** Busy-wait window: 0 (off) up to 10 s. */
    static Duration busyWait(Duration window) {
        Objects.requireNonNull(window, "window");
        if (window.isNegative() || window.compareTo(Duration.ofSeconds(10)) > 0) {
            throw new IllegalArgumentException("busyWait: " + window + " (expected: PT0S .. PT10S)");
        }
        return window;
    }

    /** Busy-waiting loops are the VTEP's own: a group the application gives decides itself how its loops wait. */
    static void loopsOwned(Duration busyWait, Object sharedGroup) {
        if (!busyWait.isZero() && sharedGroup != null) {
            throw new IllegalStateException("busyWait: " + busyWait + " with eventLoopGroup(" + sharedGroup + ")"
                    + " (expected: one of them; busyWait sets how the VTEP's own loops wait, a group given to it"
                    + " keeps the wait it was built with)");
        }
    }
}
