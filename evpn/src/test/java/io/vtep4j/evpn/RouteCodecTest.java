package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import io.vtep4j.evpn.internal.gobgp.ExtendedCommunitiesAttribute;
import io.vtep4j.evpn.internal.gobgp.MacMobilityExtended;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.evpn.internal.gobgp.PmsiTunnelAttribute;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RouteCodecTest {

    private static final InetAddress VTEP = address("10.99.0.1");
    private static final RouteTarget RT = new RouteTarget(65000, 100);

    @Test
    void typeThreeCarriesPmsiIngressReplicationWithTheVniAsLabelAndOurAddressAsTunnel() throws Exception {
        Path p = RouteCodec.imet(100, RouteCodec.rd(VTEP, 100), RT, VTEP, false);
        PmsiTunnelAttribute pmsi = attribute(p, PmsiTunnelAttribute.class);
        assertEquals(6, pmsi.getType()); // RFC 6514 §5: ingress replication
        assertEquals(100, pmsi.getLabel());
        assertEquals(VTEP, InetAddress.getByAddress(pmsi.getId().toByteArray()));

        EvpnRoute.Imet r = assertInstanceOf(EvpnRoute.Imet.class, RouteCodec.decode(p));
        assertEquals("3:10.99.0.1:100:0:10.99.0.1", r.key());
        assertEquals(Set.of(RT), r.targets());
        assertEquals(VTEP, r.tunnel());
    }

    @Test
    void typeTwoCarriesTheMobilitySequenceOnlyAboveZero() throws Exception {
        long mac = MacAddress.parse("02:00:00:00:00:01");
        Path zero = RouteCodec.macIp(100, RouteCodec.rd(VTEP, 100), RT, VTEP, mac, 0, false);
        assertTrue(attribute(zero, ExtendedCommunitiesAttribute.class).getCommunitiesList().stream()
                .noneMatch(c -> c.is(MacMobilityExtended.class)));
        Path three = RouteCodec.macIp(100, RouteCodec.rd(VTEP, 100), RT, VTEP, mac, 3, false);
        EvpnRoute.MacIp r = assertInstanceOf(EvpnRoute.MacIp.class, RouteCodec.decode(three));
        assertEquals(3, r.sequence());
        assertEquals(mac, r.mac());
        assertEquals(VTEP, r.nextHop());
        assertEquals("2:10.99.0.1:100:0:02:00:00:00:00:01:0.0.0.0", r.key());
    }

    @Test
    void aTypeThreeWithoutPmsiIsNoFloodTargetAndGarbageIsIgnored() {
        Path full = RouteCodec.imet(100, RouteCodec.rd(VTEP, 100), RT, VTEP, false);
        Path.Builder noPmsi = full.toBuilder().clearPattrs();
        full.getPattrsList().stream()
                .filter(a -> !a.is(PmsiTunnelAttribute.class))
                .forEach(noPmsi::addPattrs);
        assertNull(RouteCodec.decode(noPmsi.build()));
        assertNull(RouteCodec.decode(Path.newBuilder()
                .setNlri(Any.newBuilder()
                        .setTypeUrl("type.googleapis.com/apipb.EVPNMACIPAdvertisementRoute")
                        .setValue(com.google.protobuf.ByteString.copyFromUtf8("\u00ff\u00ff")))
                .build()));
    }

    @Test
    void routeTargetsParseAndRejectWithTheRule() {
        assertEquals(new RouteTarget(65000, 5000), RouteTarget.parse("65000:5000"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> RouteTarget.parse("70000:70000"));
        assertTrue(e.getMessage().contains("70000") && e.getMessage().contains("0..65535"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RouteTarget.parse("65000"));
        assertThrows(IllegalArgumentException.class, () -> RouteTarget.parse("10.0.0.256:1"));
        assertThrows(IllegalArgumentException.class, () -> RouteTarget.parse("10.0.0.1:65536"));
        assertThrows(IllegalArgumentException.class, () -> RouteTarget.parse("4294967296:1"));
    }

    @Test
    void routeTargetsOfTheThreeFormsParseAndPrint() {
        RouteTarget four = RouteTarget.parse("4200000000:100");
        assertEquals(new RouteTarget(RouteTarget.Type.FOUR_OCTET_AS, 4_200_000_000L, 100), four);
        assertEquals("4200000000:100", four.toString());
        RouteTarget smallFour = RouteTarget.parse("65000L:100");
        assertEquals(RouteTarget.Type.FOUR_OCTET_AS, smallFour.type());
        assertEquals("65000L:100", smallFour.toString());
        RouteTarget ip = RouteTarget.parse("192.0.2.1:100");
        assertEquals(new RouteTarget(RouteTarget.Type.IPV4_ADDRESS, 0xC000_0201L, 100), ip);
        assertEquals("192.0.2.1:100", ip.toString());
        // A four-octet AS derives the target FRR derives: its low 16 bits in the two-octet form.
        assertEquals(RouteTarget.parse("59904:5000"), RouteTarget.auto(4_200_000_000L, 5000)); // 4200000000 & 0xFFFF
    }

    @Test
    void aFourOctetAsInAsdotIsTheSameRouteTarget() {
        // gobgp prints 4200000000 as 64086.59904 and its CLI reads a four-octet AS only in that form: "rt
        // 4200000000:100" there saturates to the two-octet 65535:100. A target copied from its output must map.
        assertEquals(RouteTarget.parse("4200000000:100"), RouteTarget.parse("64086.59904:100"));
        assertEquals(RouteTarget.parse("65000L:7"), RouteTarget.parse("0.65000:7"));
        assertEquals(RouteTarget.parse("4294967295:1"), RouteTarget.parse("65535.65535:1"));
        for (String bad : new String[] {"65536.0:1", "1.:1", ".1:1", "1.2.3:1", "1.x:1", "1.1:65536"}) {
            assertThrows(IllegalArgumentException.class, () -> RouteTarget.parse(bad), bad);
        }
    }

    @Test
    void everyRouteTargetFormSurvivesTheCodec() {
        for (String text : new String[] {"65000:4000000000", "4200000000:100", "65000L:7", "192.0.2.1:100"}) {
            RouteTarget rt = RouteTarget.parse(text);
            Path p = RouteCodec.imet(100, RouteCodec.rd(VTEP, 100), rt, VTEP, false);
            assertEquals(Set.of(rt), RouteCodec.decode(p).targets(), text);
        }
    }

    @Test
    void typeTwoCarriesAnOptionalIpv4OrIpv6Address() throws Exception {
        long mac = MacAddress.parse("02:00:00:00:00:01");
        for (String ip : new String[] {"10.50.0.9", "2001:db8::9"}) {
            Path p = RouteCodec.macIp(100, RouteCodec.rd(VTEP, 100), RT, VTEP, mac, address(ip), 2, false);
            EvpnRoute.MacIp r = assertInstanceOf(EvpnRoute.MacIp.class, RouteCodec.decode(p));
            assertEquals(address(ip), r.ip());
            assertEquals(2, r.sequence());
            assertTrue(r.key().endsWith(":" + address(ip).getHostAddress()), r.key());
        }
        Path none = RouteCodec.macIp(100, RouteCodec.rd(VTEP, 100), RT, VTEP, mac, 0, false);
        assertNull(((EvpnRoute.MacIp) RouteCodec.decode(none)).ip());
        // How gobgpd writes a peer's or its CLI's route without an address: still a route, without an address.
        Path nil = none.toBuilder()
                .setNlri(com.google.protobuf.Any.pack(
                        unpackMacIp(none).toBuilder().setIpAddress("<nil>").build()))
                .build();
        EvpnRoute.MacIp fromPeer = assertInstanceOf(EvpnRoute.MacIp.class, RouteCodec.decode(nil));
        assertNull(fromPeer.ip());
    }

    @Test
    void anIpv6VtepGoesIntoTheOriginatorPmsiTunnelAndNextHop() throws Exception {
        InetAddress v6 = address("fd00::1");
        Path p = RouteCodec.imet(100, RouteCodec.rd(VTEP, 100), RT, v6, false);
        PmsiTunnelAttribute pmsi = attribute(p, PmsiTunnelAttribute.class);
        assertEquals(16, pmsi.getId().size());
        EvpnRoute.Imet r = assertInstanceOf(EvpnRoute.Imet.class, RouteCodec.decode(p));
        assertEquals(v6, r.tunnel());
        assertEquals(v6, r.nextHop());
        assertEquals("3:10.99.0.1:100:0:fd00:0:0:0:0:0:0:1", r.key());
    }

    private static <T extends com.google.protobuf.Message> T attribute(Path p, Class<T> type) throws Exception {
        for (Any a : p.getPattrsList()) {
            if (a.is(type)) {
                return a.unpack(type);
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + p);
    }

    private static io.vtep4j.evpn.internal.gobgp.EVPNMACIPAdvertisementRoute unpackMacIp(Path p) throws Exception {
        return p.getNlri().unpack(io.vtep4j.evpn.internal.gobgp.EVPNMACIPAdvertisementRoute.class);
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
