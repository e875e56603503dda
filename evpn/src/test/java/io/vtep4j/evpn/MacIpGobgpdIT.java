package io.vtep4j.evpn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.evpn.interop.Gobgpd;
import io.vtep4j.evpn.interop.GobgpdLab;
import io.vtep4j.interop.Netns;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Closing;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The type-2 codec's optional IP address against a real gobgpd: what we send, gobgpd's CLI shows; what the CLI
 * adds, we decode (IPv4 and IPv6): the wire form of the host routes the agent advertises and the bindings it takes.
 */
class MacIpGobgpdIT {

    private static final String US = "10.97.0.1";
    private static final RouteTarget RT = RouteTarget.auto(65000, 100);

    private GobgpdLab lab;
    private Gobgpd bgp;
    private GobgpClient client;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("gobgpd", "gobgp");
    }

    @BeforeEach
    void up() {
        lab = GobgpdLab.start("evpnip", 1, Duration.ofSeconds(20));
        bgp = lab.daemon(0);
        String api = bgp.api();
        int colon = api.lastIndexOf(':');
        client = new GobgpClient(
                api.substring(0, colon), Integer.parseInt(api.substring(colon + 1)), Duration.ofSeconds(5));
    }

    @AfterEach
    void down() {
        Closing.all(client, lab);
    }

    @Test
    void anIpv4AddressWeSendIsTheOneGobgpdHolds() throws Exception {
        InetAddress us = InetAddress.getByName(US);
        long mac = MacAddress.parse("02:00:00:00:0c:01");
        client.send(List.of(RouteCodec.macIp(
                100, RouteCodec.rd(us, 100), RT, us, mac, InetAddress.getByName("10.50.0.7"), 0, false)));
        String rib = bgp.cli("global", "rib", "-a", "evpn", "macadv").stdout();
        assertTrue(rib.contains("[mac:02:00:00:00:0c:01][ip:10.50.0.7]"), rib);
    }

    @Test
    void anIpv6AddressGobgpdHoldsIsTheOneWeDecode() throws Exception {
        bgp.cli(
                        "global",
                        "rib",
                        "add",
                        "-a",
                        "evpn",
                        "macadv",
                        "02:00:00:00:0c:02",
                        "2001:db8::7",
                        "etag",
                        "0",
                        "label",
                        "100",
                        "rd",
                        "10.97.0.9:100",
                        "rt",
                        "65000:100",
                        "encap",
                        "vxlan",
                        "nexthop",
                        "10.97.0.9")
                .check();
        List<Path> paths = client.listEvpn();
        assertEquals(1, paths.size(), paths::toString);
        EvpnRoute.MacIp r = (EvpnRoute.MacIp) RouteCodec.decode(paths.get(0));
        assertEquals(InetAddress.getByName("2001:db8::7"), r.ip());
        assertEquals(MacAddress.parse("02:00:00:00:0c:02"), r.mac());
    }
}
