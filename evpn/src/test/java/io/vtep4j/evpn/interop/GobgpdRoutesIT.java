package io.vtep4j.evpn.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.EvpnAgent;
import io.vtep4j.evpn.EvpnStatus;
import io.vtep4j.evpn.RouteTarget;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Netns;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Closing;
import io.vtep4j.testing.Frames;
import java.net.InetAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The EVPN agent against a real gobgpd (A), itself peered with a second gobgpd (B) that stands for another VTEP's
 * speaker: what we advertise reaches B in GoBGP's own decoding (so our schema subset is wire-compatible), and
 * routes injected at B with the {@code gobgp} CLI reach our VTEP's flood list and table.
 */
class GobgpdRoutesIT {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final int VNI = 100;
    private static final String US = "10.99.0.1";
    private static final String THEM = "10.99.0.9";

    private GobgpdLab bgp;
    private Gobgpd a;
    private Gobgpd b;
    private Vtep vtep;
    private EvpnAgent agent;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("gobgpd", "gobgp");
    }

    @BeforeEach
    void up() {
        bgp = GobgpdLab.start("evpn", 2, WAIT);
        a = bgp.daemon(0);
        b = bgp.daemon(1);
    }

    @AfterEach
    void down() {
        Closing.all(agent, vtep, bgp);
    }

    private void startAgent() {
        startAgent(b -> b.vtepAddress(US).vni(VNI));
    }

    private void startAgent(java.util.function.Consumer<EvpnAgent.Builder> options) {
        EvpnAgent.Builder builder = EvpnAgent.builder().gobgp(a.api()).scanInterval(Duration.ofMillis(200));
        options.accept(builder);
        agent = builder.build();
        vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .fdbListener(agent.fdbListener())
                .build();
        agent.start(vtep);
        Await.until(
                WAIT,
                () -> agent.status().state() == EvpnStatus.State.CONNECTED,
                () -> agent.status().toString());
    }

    @Test
    void advertisesTheSegmentAndLocalMacsAndWithdrawsThem() {
        startAgent();
        // Type 3 as B decoded it: RD vtep:VNI, RT ASN:VNI, VXLAN encapsulation, PMSI ingress replication.
        Await.until(WAIT, () -> b.evpnRib().contains("[type:multicast][rd:" + US + ":" + VNI + "]"), b::evpnRib);
        String imet = b.cli("global", "rib", "-a", "evpn", "multicast").stdout();
        assertTrue(imet.contains("{Extcomms: [65000:" + VNI + "], [VXLAN]}"), imet);
        assertTrue(imet.contains("{Pmsi: type: ingress-repl, label: " + VNI + ", tunnel-id: " + US + "}"), imet);

        // A MAC on a local port: type 2 with ESI 0, Ethernet tag 0, label = VNI.
        String mac = "02:00:00:00:01:01";
        LocalPort port = vtep.segment(VNI).attach("vm1", ByteBuf::release);
        port.send(Frames.arpRequest(MacAddress.parse(mac), "10.50.0.1", "10.50.0.2"));
        Await.until(WAIT, () -> b.evpnRib().contains("[mac:" + mac + "]"), b::evpnRib);
        String macadv = b.cli("global", "rib", "-a", "evpn", "macadv").stdout();
        assertTrue(macadv.contains("[type:macadv][rd:" + US + ":" + VNI + "][etag:0][mac:" + mac + "]"), macadv);
        assertTrue(macadv.contains(US), macadv);

        // The port detaches: its MAC is withdrawn.
        port.close();
        Await.until(WAIT, () -> !b.evpnRib().contains("[mac:" + mac + "]"), b::evpnRib);

        // A clean stop withdraws everything.
        agent.close();
        Await.until(WAIT, () -> !b.evpnRib().contains(US), b::evpnRib);
        assertEquals(EvpnStatus.State.CLOSED, agent.status().state());
    }

    @Test
    void installsRemoteRoutesAndRemovesThemOnWithdraw() throws Exception {
        startAgent();
        InetAddress them = InetAddress.getByName(THEM);
        b.cli(imet("add")).check();
        Await.until(
                WAIT,
                () -> vtep.segment(VNI).flooding().remotes().contains(them),
                () -> vtep.segment(VNI).flooding().toString());

        String mac = "02:00:00:00:09:09";
        long m = MacAddress.parse(mac);
        Location there = Location.remote(them);
        b.cli(macadv("add", mac, VNI, "65000:" + VNI)).check();
        Await.until(
                WAIT,
                () -> there.equals(vtep.forwardingTable().lookup(VNI, m)),
                () -> vtep.forwardingTable().show());
        assertTrue(agent.installed(VNI, m, there));

        // A route target of another VNI is not ours: ignored.
        b.cli(macadv("add", "02:00:00:00:09:0a", 200, "65000:200")).check();

        b.cli(macadv("del", mac, VNI, "65000:" + VNI)).check();
        Await.until(
                WAIT,
                () -> vtep.forwardingTable().lookup(VNI, m) == null,
                () -> vtep.forwardingTable().show());
        assertEquals(null, vtep.forwardingTable().lookup(VNI, MacAddress.parse("02:00:00:00:09:0a")));

        b.cli(imet("del")).check();
        Await.until(
                WAIT,
                () -> !vtep.segment(VNI).flooding().remotes().contains(them),
                () -> vtep.segment(VNI).flooding().toString());
    }

    @Test
    void fourOctetAndIpv4RouteTargetsAndAnIpv6VtepAddressPassThroughGobgpd() {
        String v6 = "fd00:99::1";
        startAgent(o -> o.vtepAddress(v6)
                .vni(VNI, RouteTarget.parse("4200000000:" + VNI))
                .vni(200, RouteTarget.parse("10.98.0.9:200")));
        // As B decoded our type-3 routes: the IPv6 originator and PMSI tunnel id, each route target in its form,
        // and gobgpd A's router id as the RD's administrator (an RD holds only IPv4).
        Await.until(
                WAIT,
                () -> b.evpnRib().contains("[ip:" + v6 + "]") && b.evpnRib().contains("10.98.0.9:200"),
                b::evpnRib);
        String imet = b.cli("global", "rib", "-a", "evpn", "multicast").stdout();
        assertTrue(imet.contains("[rd:10.98.0.2:" + VNI + "]"), imet);
        assertTrue(imet.contains("64086.59904:" + VNI), imet); // gobgp prints a four-octet AS as asdot
        assertTrue(imet.contains("tunnel-id: " + v6), imet);

        // Routes carrying those targets from another VTEP land in the segment each target maps to. gobgp's CLI
        // takes a four-octet AS only in asdot: "rt 4200000000:100" would become the two-octet 65535:100.
        long m1 = MacAddress.parse("02:00:00:00:09:01");
        long m2 = MacAddress.parse("02:00:00:00:09:02");
        b.cli(macadv("add", "02:00:00:00:09:01", VNI, "64086.59904:" + VNI)).check();
        b.cli(macadv("add", "02:00:00:00:09:02", 200, "10.98.0.9:200")).check();
        Location there = Location.remote(address(THEM));
        Await.until(
                WAIT,
                () -> agent.installed(VNI, m1, there) && agent.installed(200, m2, there),
                () -> vtep.forwardingTable().show() + agent.status());
    }

    /** {@code gobgp global rib add|del} of B's type-2 route for {@code mac} with route target {@code rt}. */
    private static String[] macadv(String op, String mac, int vni, String rt) {
        return new String[] {
            "global",
            "rib",
            op,
            "-a",
            "evpn",
            "macadv",
            mac,
            "0.0.0.0",
            "etag",
            "0",
            "label",
            Integer.toString(vni),
            "rd",
            THEM + ":" + vni,
            "rt",
            rt,
            "encap",
            "vxlan",
            "nexthop",
            THEM
        };
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    /** {@code gobgp global rib add|del} of B's type-3 route for the segment, as another VTEP would send it. */
    private static String[] imet(String op) {
        return new String[] {
            "global",
            "rib",
            op,
            "-a",
            "evpn",
            "multicast",
            THEM,
            "etag",
            "0",
            "rd",
            THEM + ":" + VNI,
            "rt",
            "65000:" + VNI,
            "encap",
            "vxlan",
            "pmsi",
            "ingress-repl",
            Integer.toString(VNI),
            THEM,
            "nexthop",
            THEM
        };
    }
}
