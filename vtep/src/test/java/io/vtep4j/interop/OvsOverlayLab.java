package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The topology every Open vSwitch interop test shares, built and torn down as one:
 *
 * <pre>
 *  h1 (eth0 10.50.N.1) ==veth== pc-h1 [PcapPort] vtep4j @ 10.99.N.1 (u-o1) ==veth== u0 [br-phy 10.99.N.3] OVS
 *                                                                           br-int 10.50.N.3 (tunnel port)
 * </pre>
 *
 * With an IPv6 underlay the tunnel endpoints are {@code fd99:N::1} (vtep4j) and {@code fd99:N::3} (OVS); the
 * overlay stays IPv4.
 *
 * The test JVM's namespace holds vtep4j; {@code o1} runs OVS ({@link OvsPeer}); {@code h1} is the host behind
 * vtep4j. {@link #close()} stops OVS and deletes every namespace and link, also after a failure. Not thread-safe.
 */
final class OvsOverlayLab implements AutoCloseable {

    static final String HOST_MAC = "02:00:00:00:02:01";
    /** Everything the OVS interop tests run; {@link Netns#requireIsolated} checks them first. */
    static final String[] TOOLS = {
        "ip",
        "ethtool",
        "ping",
        "tcpdump",
        "tshark",
        "ovsdb-server",
        "ovs-vswitchd",
        "ovs-vsctl",
        "ovs-ofctl",
        "ovs-appctl",
        "ovsdb-tool"
    };

    final Lab lab;
    final Namespace o1;
    final Namespace h1;
    final OvsPeer ovs;
    final String ourUnderlay;
    final String ovsUnderlay;
    final String ovsOverlay;
    final String hostOverlay;

    private OvsOverlayLab(Lab lab, Namespace o1, Namespace h1, OvsPeer ovs, int subnet, boolean ipv6) {
        this.lab = lab;
        this.o1 = o1;
        this.h1 = h1;
        this.ovs = ovs;
        this.ourUnderlay = ipv6 ? "fd99:" + subnet + "::1" : "10.99." + subnet + ".1";
        this.ovsUnderlay = ipv6 ? "fd99:" + subnet + "::3" : "10.99." + subnet + ".3";
        this.ovsOverlay = "10.50." + subnet + ".3";
        this.hostOverlay = "10.50." + subnet + ".1";
    }

    /**
     * Builds the namespaces and links, starts OVS with its underlay bridge and overlay address, and adds tunnel
     * port {@code tunnel} of {@code type} with {@code options} towards vtep4j. Checks every sender's route.
     */
    static OvsOverlayLab create(String tag, int subnet, String type, String... options) {
        return create(tag, subnet, false, type, options);
    }

    /** {@link #create(String, int, String, String...)} with an IPv6 underlay when {@code ipv6}. */
    static OvsOverlayLab create(String tag, int subnet, boolean ipv6, String type, String... options) {
        Lab lab = new Lab(tag).ipv6(ipv6);
        OvsPeer ovs = null;
        try {
            Namespace o1 = lab.namespace("o1");
            String prefix = ipv6 ? "/64" : "/24";
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50." + subnet + ".1/24", HOST_MAC, "pc-h1");
            ovs = OvsPeer.start(o1);
            OvsOverlayLab setup = new OvsOverlayLab(lab, o1, h1, ovs, subnet, ipv6);
            // Lab.veth turns tx checksum offload off on both ends: OVS drops packets with partial checksums.
            lab.veth(Namespace.SELF, "u-o1", setup.ourUnderlay + prefix, o1, "u0", null);
            ovs.underlay("u0", setup.ovsUnderlay + prefix)
                    .tunnel("tun0", type, setup.ourUnderlay, options)
                    .overlayAddress(setup.ovsOverlay + "/24");
            // Safety rule: every sender's route stays on the test's own links.
            Namespace.SELF.assertRoute(setup.ovsUnderlay, "u-o1");
            h1.assertRoute(setup.ovsOverlay, "eth0");
            o1.assertRoute(setup.hostOverlay, OvsPeer.BR_INT);
            o1.assertRoute(setup.ourUnderlay, OvsPeer.BR_PHY);
            return setup;
        } catch (RuntimeException | Error e) {
            if (ovs != null) {
                ovs.close();
            }
            lab.close();
            throw e;
        }
    }

    /**
     * Pings OVS's br-int from h1 and h1 from OVS ({@code ping -c 3}), after at most 30 s of bounded warm-up pings
     * while OVS resolves its tunnel next hop; then checks vtep4j learned br-int's MAC behind OVS's address.
     */
    void pingBothWaysAndLearn(Vtep vtep, PcapPort port, int vni) throws Exception {
        Supplier<String> state = () -> vtep.stats() + "\n" + port + "\nOVS flows:\n"
                + ovs.ofctl("dump-flows", OvsPeer.BR_INT) + "\nOVS fdb:\n"
                + ovs.appctl("fdb/show", OvsPeer.BR_INT).stdout() + "\nOVS tunnel neighbours:\n"
                + ovs.appctl("tnl/neigh/show").stdout() + "\nOVS log:\n"
                + ovs.logTail();
        Await.until(Duration.ofSeconds(30), () -> h1.ping(ovsOverlay, 2).ok(), state);
        Cmd.Result there = h1.ping(ovsOverlay, 3);
        assertTrue(there.ok(), () -> there.describe() + "\n" + state.get());
        Cmd.Result back = o1.ping(hostOverlay, 3);
        assertTrue(back.ok(), () -> back.describe() + "\n" + state.get());

        Location ovsHost = vtep.forwardingTable().lookup(vni, MacAddress.parse(o1.macOf(OvsPeer.BR_INT)));
        assertNotNull(
                ovsHost,
                () -> "br-int's MAC not learned: " + vtep.forwardingTable().entries());
        assertEquals(InetAddress.getByName(ovsUnderlay), ovsHost.address());
        Location ourHost = vtep.forwardingTable().lookup(vni, MacAddress.parse(HOST_MAC));
        assertNotNull(
                ourHost, () -> "h1's MAC not learned: " + vtep.forwardingTable().entries());
        assertEquals(port.localPort().id(), ourHost.portId());
    }

    /** Stops OVS, then deletes the lab's namespaces and links. */
    @Override
    public void close() {
        try {
            ovs.close();
        } finally {
            lab.close();
        }
    }
}
