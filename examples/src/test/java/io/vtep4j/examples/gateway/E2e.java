package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.KernelVxlan;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.OvsPeer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Bounds and checks shared by the gateway's end-to-end tests. Stateless. */
final class E2e {
    /** How long a gateway child JVM may take to say it is running. */
    static final Duration START = Duration.ofSeconds(30);
    /** How long a graceful stop may take. */
    static final Duration STOP = Duration.ofSeconds(20);
    /** How long a new path may take to pass its first ping (OVS resolving next hops, captures starting). */
    static final Duration SETTLE = Duration.ofSeconds(30);

    private static final Pattern RECEIVED = Pattern.compile("(\\d+) received");

    private E2e() {}

    /**
     * Open vSwitch's userspace datapath as an 802.1Q access switch in its own namespace: hosts h1 (10.10.0.1, access
     * VLAN 100), h2 (10.10.0.3, VLAN 200) and h3 (10.10.0.5, VLAN 300), and a trunk carrying 100, 200 and 300 to
     * interface {@code gw-trunk} in the test JVM's namespace. {@link #close()} stops OVS; the lab removes the rest.
     */
    record AccessSwitch(Namespace h1, Namespace h2, Namespace h3, OvsPeer ovs) implements AutoCloseable {
        static AccessSwitch start(Lab lab) {
            Namespace sw = lab.namespace("sw");
            Namespace h1 = lab.namespace("h1");
            Namespace h2 = lab.namespace("h2");
            Namespace h3 = lab.namespace("h3");
            lab.veth(h1, "h1-eth", "10.10.0.1/24", sw, "sw-h1", null);
            lab.veth(h2, "h2-eth", "10.10.0.3/24", sw, "sw-h2", null);
            lab.veth(h3, "h3-eth", "10.10.0.5/24", sw, "sw-h3", null);
            lab.veth(Namespace.SELF, "gw-trunk", null, sw, "sw-trunk", null);
            OvsPeer ovs = OvsPeer.start(sw);
            try {
                ovs.vsctl("add-br", "br-vlan", "--", "set", "bridge", "br-vlan", "datapath_type=netdev");
                ovs.vsctl("add-port", "br-vlan", "sw-h1", "tag=100");
                ovs.vsctl("add-port", "br-vlan", "sw-h2", "tag=200");
                ovs.vsctl("add-port", "br-vlan", "sw-h3", "tag=300");
                ovs.vsctl("add-port", "br-vlan", "sw-trunk", "trunks=100,200,300");
                sw.up("br-vlan");
                return new AccessSwitch(h1, h2, h3, ovs);
            } catch (RuntimeException | Error e) {
                ovs.close();
                throw e;
            }
        }

        @Override
        public void close() {
            ovs.close();
        }
    }

    /**
     * An untagged host and a kernel VXLAN peer: h3 (10.30.0.1) on a veth whose other end {@code gw-edge} is the
     * gateway's trunk in the test JVM's namespace, and k3 (VNI 10300, overlay 10.30.0.2) at 10.99.0.2 on a fabric
     * where the gateway's underlay is {@code gw-u} 10.99.0.1. Checks that the underlay routes only to the fabric.
     */
    record UntaggedLab(Namespace h3, Namespace k3, KernelVxlan vx3) {
        static UntaggedLab start(Lab lab) {
            Namespace h3 = lab.namespace("h3");
            lab.veth(h3, "h3-eth", "10.30.0.1/24", Namespace.SELF, "gw-edge", null);
            Namespace k3 = lab.namespace("k3");
            Lab.Fabric fabric = lab.fabric();
            fabric.attach(Namespace.SELF, "gw-u", "10.99.0.1/24");
            fabric.attach(k3, "k3-u", "10.99.0.2/24");
            KernelVxlan vx3 = KernelVxlan.in(k3, "vx0")
                    .vni(10300)
                    .dstPort(4789)
                    .local("10.99.0.2")
                    .remote("10.99.0.1")
                    .overlay("10.30.0.2/24")
                    .create();
            // Safety rule: the gateway's underlay traffic can only go to our own fabric.
            Namespace.SELF.assertRoute("10.99.0.2", "gw-u");
            return new UntaggedLab(h3, k3, vx3);
        }

        /** The gateway's arguments for this lab: trunk gw-edge untagged to VNI 10300, flooding to k3, and more. */
        static List<String> gatewayArgs(String... more) {
            List<String> args = new ArrayList<>(List.of(
                    "--local", "10.99.0.1", "--port", "gw-edge", "--untagged", "10300", "--flood", "10300=10.99.0.2"));
            args.addAll(List.of(more));
            return args;
        }
    }

    /**
     * The gateway's underlay {@code gw-u} (10.99.0.1/24) and a kernel VTEP in namespace k1 on the lab's fabric: vxlan
     * device vx0, VNI 10100, port 4789, 10.99.0.2 towards 10.99.0.1, overlay address 10.10.0.2/24. Checks that the
     * route to it leaves through gw-u before anything is sent.
     */
    static Namespace kernelPeerOnVni10100(Lab lab) throws Exception {
        return kernelPeerOnVni10100(lab, lab.fabric());
    }

    /** As {@link #kernelPeerOnVni10100(Lab)}, on {@code fabric}. */
    static Namespace kernelPeerOnVni10100(Lab lab, Lab.Fabric fabric) throws Exception {
        Namespace k1 = lab.namespace("k1");
        fabric.attach(Namespace.SELF, "gw-u", "10.99.0.1/24");
        fabric.attach(k1, "k1-u", "10.99.0.2/24");
        KernelVxlan.in(k1, "vx0")
                .vni(10100)
                .dstPort(4789)
                .local("10.99.0.2")
                .remote("10.99.0.1")
                .overlay("10.10.0.2/24")
                .create();
        Namespace.SELF.assertRoute("10.99.0.2", "gw-u");
        return k1;
    }

    /**
     * The path is up once one ping gets through (bounded: OVS's userspace datapath and the captures take a moment
     * to settle); then at least 4 of 5 pings must be answered. One loss in five is tolerated: two userspace
     * datapaths (OVS and the gateway's libpcap trunk) on a shared 2-core machine lost one echo in about ten runs
     * while every counter stayed clean; a gateway that dropped traffic would lose far more.
     */
    static void assertPing(Namespace from, String address, GatewayProcess gw, OvsPeer ovs) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!from.run(Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", address)
                        .ok()
                && System.nanoTime() - deadline < 0) {
            Thread.sleep(200);
        }
        Cmd.Result ping = from.run(Duration.ofSeconds(20), "ping", "-c", "5", "-i", "0.2", "-W", "2", address);
        Matcher stats = RECEIVED.matcher(ping.stdout());
        int received = stats.find() ? Integer.parseInt(stats.group(1)) : 0;
        assertTrue(
                received >= 4,
                () -> "ping " + address + " from " + from + ": " + ping.describe() + "\n" + gw.describe()
                        + (ovs == null ? "" : "\novs log:\n" + ovs.logTail()));
    }
}
