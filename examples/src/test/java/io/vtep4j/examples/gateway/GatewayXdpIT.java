package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.internal.xdp.XdpChannel;
import io.vtep4j.internal.xdp.XdpOptions;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code --trunk-io xdp} end to end: pings cross an AF_XDP trunk both ways (also beside an AF_XDP receive underlay)
 * and the program is gone after the gateway stops, also on a trunk with two receive queues; where XDP cannot run on
 * the trunk the gateway says why in one line and runs on AF_PACKET.
 */
class GatewayXdpIT {
    /** {@code ip link} shows "xdp" or "xdpgeneric" after the MTU, and a prog/xdp line, while a program is attached. */
    private static final Pattern XDP = Pattern.compile("\\sxdp(generic|drv|offload|multi)?[\\s/]|prog/xdp");

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "ping");
    }

    private static boolean xdpAttached(String device) {
        return XDP.matcher(Namespace.SELF.ok("ip", "link", "show", "dev", device))
                .find();
    }

    @Test
    void pingsCrossAnXdpTrunkAndStoppingDetachesTheProgram() throws Exception {
        try (Lab lab = new Lab("gwxdp")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            try (GatewayProcess gw =
                    GatewayProcess.start(E2e.UntaggedLab.gatewayArgs("--trunk-io", "xdp", "--stats-interval", "1s"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(gw.stdout().contains("trunk gw-edge: AF_XDP"), gw::describe);
                assertTrue(gw.stdout().contains("in generic mode"), "a veth's default: " + gw.describe());
                assertTrue(Namespace.SELF
                        .ok("ip", "link", "show", "dev", "gw-edge")
                        .contains(" xdpgeneric"));
                assertTrue(xdpAttached("gw-edge"), gw::describe);
                pingBothWaysAndStop(untagged, gw);
                assertFalse(xdpAttached("gw-edge"), "the program outlived the gateway");
            }
        }
    }

    /**
     * {@code --xdp-mode native} on both the trunk and the underlay: both programs in the veth driver (the gateway and
     * the library say so), pings cross both ways.
     */
    @Test
    void pingsCrossWithBothProgramsInNativeMode() throws Exception {
        try (Lab lab = new Lab("gwxdpdrv")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            try (GatewayProcess gw = GatewayProcess.start(
                    E2e.UntaggedLab.gatewayArgs("--trunk-io", "xdp", "--underlay-io", "xdp", "--xdp-mode", "native"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                String log = gw.stdout() + gw.stderr();
                assertTrue(
                        log.contains("trunk gw-edge: AF_XDP, copy mode, XDP program attached by a BPF link in "
                                + "native mode"),
                        gw::describe);
                assertTrue(log.contains("(native XDP, copy mode"), "the underlay's program: " + gw.describe());
                for (String device : List.of("gw-edge", "gw-u")) {
                    String link = Namespace.SELF.ok("ip", "link", "show", "dev", device);
                    assertTrue(Pattern.compile("\\sxdp\\s").matcher(link).find(), "driver mode: " + link);
                }
                pingBothWaysAndStop(untagged, gw);
            }
            assertFalse(xdpAttached("gw-u"), "the underlay's program outlived the gateway");
            assertFalse(xdpAttached("gw-edge"), "the trunk's program outlived the gateway");
        }
    }

    /** Pings h3 -> k3 and back, then stops the gateway with SIGTERM: exit 0, its summary, no exception. */
    private static void pingBothWaysAndStop(E2e.UntaggedLab untagged, GatewayProcess gw) throws Exception {
        E2e.assertPing(untagged.h3(), "10.30.0.2", gw, null);
        E2e.assertPing(untagged.k3(), "10.30.0.1", gw, null);
        gw.signal("TERM");
        assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
        assertTrue(gw.stdout().contains("summary after"), gw::describe);
        assertFalse(gw.stderr().contains("Exception"), gw::describe);
    }

    /**
     * {@code --underlay-io xdp-receive --udp-gso} beside the XDP trunk: the library says it receives through AF_XDP
     * and sends through the kernel socket (no fallback for GSO), pings cross both ways, and both programs are gone
     * after the gateway stops.
     */
    @Test
    void pingsCrossAnXdpReceiveUnderlayWithGso() throws Exception {
        try (Lab lab = new Lab("gwxdprx")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs(
                    "--trunk-io", "xdp", "--underlay-io", "xdp-receive", "--udp-gso", "--busy-poll", "50"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                String log = gw.stdout() + gw.stderr();
                assertTrue(
                        log.contains("underlay I/O: AF_XDP receive (sends through the kernel UDP socket)"),
                        gw::describe);
                assertFalse(log.contains("instead of AF_XDP"), gw::describe);
                assertTrue(xdpAttached("gw-u"), gw::describe);
                pingBothWaysAndStop(untagged, gw);
            }
            assertFalse(xdpAttached("gw-u"), "the underlay's program outlived the gateway");
            assertFalse(xdpAttached("gw-edge"), "the trunk's program outlived the gateway");
        }
    }

    /** Tagged: OVS's access switch puts VLAN 100 on the trunk in the frame; XDP hands it over as it is. */
    @Test
    void aVlanCrossesAnXdpTrunkBothWays() throws Exception {
        Netns.requireIsolated("ovs-vsctl", "ovsdb-server", "ovs-vswitchd", "ovsdb-tool");
        try (Lab lab = new Lab("gwxdpvlan")) {
            Namespace k1 = E2e.kernelPeerOnVni10100(lab);
            try (E2e.AccessSwitch access = E2e.AccessSwitch.start(lab);
                    GatewayProcess gw = GatewayProcess.start(List.of(
                            "--local", "10.99.0.1",
                            "--port", "gw-trunk",
                            "--trunk-io", "xdp",
                            "--vlan", "100:10100",
                            "--flood", "10100=10.99.0.2"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(gw.stdout().contains("trunk gw-trunk: AF_XDP"), gw::describe);
                E2e.assertPing(access.h1(), "10.10.0.2", gw, access.ovs()); // VLAN 100 -> VNI 10100
                E2e.assertPing(k1, "10.10.0.1", gw, access.ovs()); // VNI 10100 -> VLAN 100
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
            }
            assertFalse(xdpAttached("gw-trunk"), "the program outlived the gateway");
        }
    }

    /** A trunk with two receive queues (its peer sending on two): a socket on each, no fallback. */
    @Test
    void aTrunkWithTwoReceiveQueuesRunsOnAfXdp() throws Exception {
        try (Lab lab = new Lab("gwxdpmq")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            untagged.h3().ok("ethtool", "-L", "h3-eth", "tx", "2");
            Namespace.SELF.ok("ethtool", "-L", "gw-edge", "rx", "2");
            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs("--trunk-io", "xdp"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(gw.stdout().contains("trunk gw-edge: AF_XDP"), gw::describe);
                assertTrue(xdpAttached("gw-edge"), gw::describe);
                pingBothWaysAndStop(untagged, gw);
                assertFalse(xdpAttached("gw-edge"), "the program outlived the gateway");
            }
        }
    }

    /**
     * Where XDP cannot run on the trunk (here: another AF_XDP socket, this test's, holds the trunk's queue and its
     * program the interface), the gateway says why in one line and runs on AF_PACKET, which forwards once the other
     * program is gone.
     */
    @Test
    void whereXdpCannotRunTheGatewaySaysWhyAndUsesAfPacket() throws Exception {
        try (Lab lab = new Lab("gwxdpfb")) {
            E2e.UntaggedLab untagged = E2e.UntaggedLab.start(lab);
            MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
            XdpChannel other = XdpChannel.open(group.next(), "gw-edge", new IgnoringSink(), XdpOptions.defaults());
            try (GatewayProcess gw = GatewayProcess.start(E2e.UntaggedLab.gatewayArgs("--trunk-io", "xdp"))) {
                assertTrue(gw.awaitOutput("running", E2e.START), gw::describe);
                assertTrue(
                        gw.stdout().contains("trunk gw-edge: AF_XDP unavailable (")
                                && gw.stdout().contains("the queue has another XDP socket")
                                && gw.stdout().contains("falling back to AF_PACKET"),
                        gw::describe);
                assertTrue(gw.stdout().contains("trunk gw-edge: AF_PACKET"), gw::describe);
                other.close();
                assertFalse(xdpAttached("gw-edge"), gw::describe);
                E2e.assertPing(untagged.h3(), "10.30.0.2", gw, null);
                gw.signal("TERM");
                assertEquals(0, gw.awaitExit(E2e.STOP), gw::describe);
            } finally {
                other.close();
                group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Takes the frames of the test's own channel and keeps none. */
    private static final class IgnoringSink implements RingSink {
        @Override
        public void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid) {}

        @Override
        public void batchEnd() {}
    }
}
