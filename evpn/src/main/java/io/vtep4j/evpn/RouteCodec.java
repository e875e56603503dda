package io.vtep4j.evpn;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vtep4j.evpn.internal.gobgp.EVPNInclusiveMulticastEthernetTagRoute;
import io.vtep4j.evpn.internal.gobgp.EVPNMACIPAdvertisementRoute;
import io.vtep4j.evpn.internal.gobgp.EncapExtended;
import io.vtep4j.evpn.internal.gobgp.EthernetSegmentIdentifier;
import io.vtep4j.evpn.internal.gobgp.ExtendedCommunitiesAttribute;
import io.vtep4j.evpn.internal.gobgp.Family;
import io.vtep4j.evpn.internal.gobgp.FourOctetAsSpecificExtended;
import io.vtep4j.evpn.internal.gobgp.IPv4AddressSpecificExtended;
import io.vtep4j.evpn.internal.gobgp.MacMobilityExtended;
import io.vtep4j.evpn.internal.gobgp.MpReachNLRIAttribute;
import io.vtep4j.evpn.internal.gobgp.NextHopAttribute;
import io.vtep4j.evpn.internal.gobgp.OriginAttribute;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.evpn.internal.gobgp.PmsiTunnelAttribute;
import io.vtep4j.evpn.internal.gobgp.RouteDistinguisherFourOctetASN;
import io.vtep4j.evpn.internal.gobgp.RouteDistinguisherIPAddress;
import io.vtep4j.evpn.internal.gobgp.RouteDistinguisherTwoOctetASN;
import io.vtep4j.evpn.internal.gobgp.TwoOctetAsSpecificExtended;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.Set;

/**
 * Builds the GoBGP paths vtep4j originates and decodes the EVPN paths it receives. Stateless, thread-safe.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc7432#section-7">RFC 7432 §7 (routes)</a>
 * @see <a href="https://www.rfc-editor.org/rfc/rfc8365#section-5.1">RFC 8365 §5.1 (VXLAN: VNI in the label)</a>
 */
final class RouteCodec {

    /** AFI 25 (L2VPN), SAFI 70 (EVPN). */
    static final Family EVPN = Family.newBuilder()
            .setAfi(Family.Afi.AFI_L2VPN)
            .setSafi(Family.Safi.SAFI_EVPN)
            .build();

    /** RFC 4360 §4 / RFC 7153: two-octet AS specific, sub-type 0x02 = route target. */
    static final int SUBTYPE_ROUTE_TARGET = 0x02;
    /** RFC 9012 §4.1 / RFC 8365 §5.1.3: BGP encapsulation extended community, tunnel type 8 = VXLAN. */
    static final int TUNNEL_TYPE_VXLAN = 8;
    /** RFC 6514 §5: PMSI tunnel type 6 = ingress replication. */
    static final int PMSI_INGRESS_REPLICATION = 6;
    /** RFC 4271 §5.1.1: ORIGIN IGP. */
    private static final int ORIGIN_IGP = 0;
    /** RFC 7432 §5: ESI type 0 with nine zero bytes, a single-homed site. */
    private static final EthernetSegmentIdentifier ESI_ZERO = EthernetSegmentIdentifier.newBuilder()
            .setType(0)
            .setValue(ByteString.copyFrom(new byte[9]))
            .build();

    /** How GoBGP's API writes a type-2 route without an IP address. */
    private static final String NO_IP = "0.0.0.0";

    private RouteCodec() {}

    /** RD type 1 (RFC 4364 §4.2): {@code ip:assigned}. */
    static Any rd(InetAddress admin, int assigned) {
        return Any.pack(RouteDistinguisherIPAddress.newBuilder()
                .setAdmin(admin.getHostAddress())
                .setAssigned(assigned)
                .build());
    }

    /**
     * Type 3 for {@code vni}: Ethernet tag 0, originator {@code vtep}, PMSI tunnel attribute (ingress replication,
     * label = VNI, tunnel id = {@code vtep}) and the VXLAN encapsulation community (RFC 8365 §5.1.3).
     */
    static Path imet(int vni, Any rd, RouteTarget target, InetAddress vtep, boolean withdraw) {
        Any nlri = Any.pack(EVPNInclusiveMulticastEthernetTagRoute.newBuilder()
                .setRd(rd)
                .setEthernetTag(0)
                .setIpAddress(vtep.getHostAddress())
                .build());
        Any pmsi = Any.pack(PmsiTunnelAttribute.newBuilder()
                .setFlags(0)
                .setType(PMSI_INGRESS_REPLICATION)
                .setLabel(vni)
                .setId(ByteString.copyFrom(vtep.getAddress()))
                .build());
        return path(nlri, vtep, withdraw, communities(target, -1), pmsi);
    }

    /**
     * Type 2 for {@code mac} in {@code vni}: ESI 0, Ethernet tag 0, label = VNI (RFC 8365 §5.1.3), next hop
     * {@code vtep}, the MAC mobility community when {@code sequence > 0} (RFC 7432 §7.7: none means 0).
     */
    static Path macIp(
            int vni, Any rd, RouteTarget target, InetAddress vtep, long mac, long sequence, boolean withdraw) {
        return macIp(vni, rd, target, vtep, mac, null, sequence, withdraw);
    }

    /**
     * {@link #macIp(int, Any, RouteTarget, InetAddress, long, long, boolean)} with the host's IPv4 or IPv6 address
     * (RFC 7432 §7.2: IP address length 32 or 128; null: none, length 0, which GoBGP's API writes as 0.0.0.0). The
     * address is part of the route's key: a MAC with an address and without one are two routes.
     */
    static Path macIp(
            int vni,
            Any rd,
            RouteTarget target,
            InetAddress vtep,
            long mac,
            InetAddress ip,
            long sequence,
            boolean withdraw) {
        Any nlri = Any.pack(EVPNMACIPAdvertisementRoute.newBuilder()
                .setRd(rd)
                .setEsi(ESI_ZERO)
                .setEthernetTag(0)
                .setMacAddress(MacAddress.toString(mac))
                .setIpAddress(ip == null ? NO_IP : ip.getHostAddress())
                .addLabels(vni)
                .build());
        return path(nlri, vtep, withdraw, communities(target, sequence));
    }

    private static Path path(Any nlri, InetAddress nextHop, boolean withdraw, Any... extra) {
        Path.Builder p = Path.newBuilder()
                .setFamily(EVPN)
                .setNlri(nlri)
                .setIsWithdraw(withdraw)
                .addPattrs(Any.pack(
                        OriginAttribute.newBuilder().setOrigin(ORIGIN_IGP).build()))
                .addPattrs(Any.pack(NextHopAttribute.newBuilder()
                        .setNextHop(nextHop.getHostAddress())
                        .build()));
        for (Any a : extra) {
            p.addPattrs(a);
        }
        return p.build();
    }

    private static Any communities(RouteTarget target, long sequence) {
        ExtendedCommunitiesAttribute.Builder c = ExtendedCommunitiesAttribute.newBuilder()
                .addCommunities(routeTarget(target))
                .addCommunities(Any.pack(EncapExtended.newBuilder()
                        .setTunnelType(TUNNEL_TYPE_VXLAN)
                        .build()));
        if (sequence > 0) {
            c.addCommunities(Any.pack(MacMobilityExtended.newBuilder()
                    .setIsSticky(false)
                    .setSequenceNum((int) sequence)
                    .build()));
        }
        return Any.pack(c.build());
    }

    /** The route target as GoBGP's API carries each of its three forms (RFC 4360 §4, RFC 5668). */
    static Any routeTarget(RouteTarget target) {
        int admin = (int) target.administrator();
        int value = (int) target.assigned();
        return switch (target.type()) {
            case TWO_OCTET_AS ->
                Any.pack(TwoOctetAsSpecificExtended.newBuilder()
                        .setIsTransitive(true)
                        .setSubType(SUBTYPE_ROUTE_TARGET)
                        .setAsn(admin)
                        .setLocalAdmin(value)
                        .build());
            case FOUR_OCTET_AS ->
                Any.pack(FourOctetAsSpecificExtended.newBuilder()
                        .setIsTransitive(true)
                        .setSubType(SUBTYPE_ROUTE_TARGET)
                        .setAsn(admin)
                        .setLocalAdmin(value)
                        .build());
            case IPV4_ADDRESS ->
                Any.pack(IPv4AddressSpecificExtended.newBuilder()
                        .setIsTransitive(true)
                        .setSubType(SUBTYPE_ROUTE_TARGET)
                        .setAddress(target.address())
                        .setLocalAdmin(value)
                        .build());
        };
    }

    /** A route target from one of GoBGP's extended community messages; null if {@code c} is none, or malformed. */
    static RouteTarget routeTarget(Any c) throws InvalidProtocolBufferException {
        if (c.is(TwoOctetAsSpecificExtended.class)) {
            TwoOctetAsSpecificExtended rt = c.unpack(TwoOctetAsSpecificExtended.class);
            return rt.getSubType() == SUBTYPE_ROUTE_TARGET && rt.getAsn() <= RouteTarget.MAX_ASN
                    ? new RouteTarget(rt.getAsn(), Integer.toUnsignedLong(rt.getLocalAdmin()))
                    : null;
        }
        if (c.is(FourOctetAsSpecificExtended.class)) {
            FourOctetAsSpecificExtended rt = c.unpack(FourOctetAsSpecificExtended.class);
            return rt.getSubType() == SUBTYPE_ROUTE_TARGET && rt.getLocalAdmin() <= RouteTarget.MAX_SHORT_VALUE
                    ? new RouteTarget(
                            RouteTarget.Type.FOUR_OCTET_AS,
                            Integer.toUnsignedLong(rt.getAsn()),
                            Integer.toUnsignedLong(rt.getLocalAdmin()))
                    : null;
        }
        if (c.is(IPv4AddressSpecificExtended.class)) {
            IPv4AddressSpecificExtended rt = c.unpack(IPv4AddressSpecificExtended.class);
            if (rt.getSubType() != SUBTYPE_ROUTE_TARGET || rt.getLocalAdmin() > RouteTarget.MAX_SHORT_VALUE) {
                return null;
            }
            return RouteTarget.parse(rt.getAddress() + ":" + rt.getLocalAdmin()); // throws if not IPv4: caught
        }
        return null;
    }

    /**
     * Decodes an EVPN type-2 or type-3 path; null for any other route type, a withdrawal-free path without a next
     * hop, or a malformed one (the agent counts it and moves on: a peer's route never throws).
     */
    static EvpnRoute decode(Path path) {
        try {
            return decodeOrThrow(path);
        } catch (InvalidProtocolBufferException | UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    private static EvpnRoute decodeOrThrow(Path path) throws InvalidProtocolBufferException, UnknownHostException {
        InetAddress nextHop = null;
        Set<RouteTarget> targets = new HashSet<>();
        long sequence = 0;
        InetAddress tunnel = null;
        for (Any a : path.getPattrsList()) {
            if (a.is(NextHopAttribute.class)) {
                nextHop = address(a.unpack(NextHopAttribute.class).getNextHop());
            } else if (a.is(MpReachNLRIAttribute.class)) {
                MpReachNLRIAttribute mp = a.unpack(MpReachNLRIAttribute.class);
                if (mp.getNextHopsCount() > 0) {
                    nextHop = address(mp.getNextHops(0));
                }
            } else if (a.is(PmsiTunnelAttribute.class)) {
                PmsiTunnelAttribute pmsi = a.unpack(PmsiTunnelAttribute.class);
                if (pmsi.getType() == PMSI_INGRESS_REPLICATION) {
                    tunnel = InetAddress.getByAddress(pmsi.getId().toByteArray());
                }
            } else if (a.is(ExtendedCommunitiesAttribute.class)) {
                for (Any c : a.unpack(ExtendedCommunitiesAttribute.class).getCommunitiesList()) {
                    RouteTarget rt = routeTarget(c);
                    if (rt != null) {
                        targets.add(rt);
                    } else if (c.is(MacMobilityExtended.class)) {
                        sequence = Integer.toUnsignedLong(
                                c.unpack(MacMobilityExtended.class).getSequenceNum());
                    }
                }
            }
        }
        Any nlri = path.getNlri();
        if (nlri.is(EVPNMACIPAdvertisementRoute.class)) {
            EVPNMACIPAdvertisementRoute r = nlri.unpack(EVPNMACIPAdvertisementRoute.class);
            String key = "2:" + rdText(r.getRd()) + ":" + r.getEthernetTag() + ":" + r.getMacAddress() + ":"
                    + r.getIpAddress();
            if (!path.getIsWithdraw() && nextHop == null) {
                return null;
            }
            String ip = r.getIpAddress();
            return new EvpnRoute.MacIp(
                    key, Set.copyOf(targets), nextHop, MacAddress.parse(r.getMacAddress()), sequence, hostIp(ip));
        }
        if (nlri.is(EVPNInclusiveMulticastEthernetTagRoute.class)) {
            EVPNInclusiveMulticastEthernetTagRoute r = nlri.unpack(EVPNInclusiveMulticastEthernetTagRoute.class);
            String key = "3:" + rdText(r.getRd()) + ":" + r.getEthernetTag() + ":" + r.getIpAddress();
            if (!path.getIsWithdraw() && (nextHop == null || tunnel == null)) {
                // RFC 8365 §5.1.3 (and FRR): without an ingress-replication PMSI tunnel there is no flood target.
                return null;
            }
            return new EvpnRoute.Imet(key, Set.copyOf(targets), nextHop, tunnel);
        }
        return null;
    }

    /** The RD as text ({@code 10.0.0.1:5}, {@code 65000:5}); part of a route's identity. */
    static String rdText(Any rd) throws InvalidProtocolBufferException {
        if (rd.is(RouteDistinguisherIPAddress.class)) {
            RouteDistinguisherIPAddress r = rd.unpack(RouteDistinguisherIPAddress.class);
            return r.getAdmin() + ":" + r.getAssigned();
        }
        if (rd.is(RouteDistinguisherTwoOctetASN.class)) {
            RouteDistinguisherTwoOctetASN r = rd.unpack(RouteDistinguisherTwoOctetASN.class);
            return r.getAdmin() + ":" + r.getAssigned();
        }
        if (rd.is(RouteDistinguisherFourOctetASN.class)) {
            RouteDistinguisherFourOctetASN r = rd.unpack(RouteDistinguisherFourOctetASN.class);
            return r.getAdmin() + "L:" + r.getAssigned();
        }
        return rd.getTypeUrl() + ":" + rd.getValue().toStringUtf8().hashCode();
    }

    /**
     * A type-2 route's IP address, or null for none: GoBGP writes a route without one as {@code 0.0.0.0} when we
     * added it and as {@code <nil>} when it came from its CLI or a peer.
     */
    private static InetAddress hostIp(String text) {
        if (text.isEmpty() || text.equals(NO_IP) || text.equals("::")) {
            return null;
        }
        try {
            return address(text);
        } catch (UnknownHostException e) {
            return null; // "<nil>" and anything else that is no IP literal: no address
        }
    }

    /** An IP literal to an address without a DNS lookup. */
    static InetAddress address(String literal) throws UnknownHostException {
        if (literal.isEmpty() || !(literal.indexOf(':') >= 0 || Character.isDigit(literal.charAt(0)))) {
            throw new UnknownHostException("not an IP literal: '" + literal + "'");
        }
        return InetAddress.getByName(literal);
    }
}
