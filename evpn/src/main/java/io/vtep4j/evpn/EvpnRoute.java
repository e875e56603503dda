package io.vtep4j.evpn;

import java.net.InetAddress;
import java.util.Set;

/**
 * One EVPN route as the agent sees it after decoding a GoBGP path: only the fields vtep4j acts on. Immutable,
 * thread-safe.
 */
sealed interface EvpnRoute permits EvpnRoute.Imet, EvpnRoute.MacIp {

    /** The destination's identity in the BGP table (route type, RD and key fields): a later path replaces it. */
    String key();

    /** The route targets the route carries. */
    Set<RouteTarget> targets();

    /** The BGP next hop (the originating VTEP's address as the route arrived). */
    InetAddress nextHop();

    /**
     * Route type 3, inclusive multicast Ethernet tag (RFC 7432 §7.3): the originator floods this segment's BUM
     * traffic by ingress replication to {@code tunnel} (RFC 8365 §5.1.3: the PMSI tunnel attribute's id).
     */
    record Imet(String key, Set<RouteTarget> targets, InetAddress nextHop, InetAddress tunnel) implements EvpnRoute {}

    /**
     * Route type 2, MAC/IP advertisement (RFC 7432 §7.2): {@code mac} lives behind the VTEP at {@code nextHop};
     * {@code sequence} is the MAC mobility sequence number (RFC 7432 §7.7, 0 without the community); {@code ip} is
     * the host's IPv4 or IPv6 address when the route carries one, else null.
     */
    record MacIp(String key, Set<RouteTarget> targets, InetAddress nextHop, long mac, long sequence, InetAddress ip)
            implements EvpnRoute {

        /** A route without an IP address. */
        MacIp(String key, Set<RouteTarget> targets, InetAddress nextHop, long mac, long sequence) {
            this(key, targets, nextHop, mac, sequence, null);
        }
    }
}
