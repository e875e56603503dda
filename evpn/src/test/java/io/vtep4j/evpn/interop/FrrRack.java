package io.vtep4j.evpn.interop;

import io.vtep4j.interop.Hosts;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;

/**
 * The FRR side of the interop tests: namespace {@code k} linked to the test JVM's namespace ({@code ours} there,
 * {@code theirs} in k), a kernel vxlan device {@code vx<VNI>} ({@code nolearning}, UDP 4789) in bridge
 * {@code br<VNI>} with host {@code h2} ({@link #H2_MAC}, 10.50.0.2/24), and FRR's zebra and bgpd in k peering with
 * {@code ours} over iBGP AS 65000 with {@code advertise-all-vni}. Not thread-safe; {@link #close()} stops FRR (the
 * lab removes the namespaces).
 */
public final class FrrRack implements AutoCloseable {

    /** The tools a test of this rack needs: pass them to {@code Netns.requireIsolated}. */
    public static final String[] TOOLS = {
        "gobgpd", "gobgp", "vtysh", "/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "bridge", "ping"
    };

    /** The kernel side's host. */
    public static final String H2_MAC = "02:00:00:00:e2:02";

    /** The FRR and kernel VTEP's namespace. */
    public final Namespace k;
    /** The host behind the kernel VTEP. */
    public final Namespace h2;
    /** The FRR daemons. */
    public final Frr frr;
    /** The kernel vxlan device's name. */
    public final String vxlan;

    /** Builds the rack and starts FRR. */
    public FrrRack(Lab lab, String selfIf, String ours, String theirs, int vni) {
        k = Hosts.linkedToSelf(lab, "k", theirs + "/24", selfIf, ours + "/24");
        vxlan = "vx" + vni;
        String bridge = "br" + vni;
        k.ok(
                "ip",
                "link",
                "add",
                vxlan,
                "type",
                "vxlan",
                "id",
                Integer.toString(vni),
                "local",
                theirs,
                "dstport",
                "4789",
                "nolearning");
        k.ok("ip", "link", "add", bridge, "type", "bridge");
        k.ok("ip", "link", "set", vxlan, "master", bridge);
        h2 = lab.namespace("h2");
        lab.veth(h2, "eth0", null, k, "k-h2", null);
        h2.mac("eth0", H2_MAC);
        h2.address("eth0", "10.50.0.2/24");
        k.ok("ip", "link", "set", "k-h2", "master", bridge);
        k.up(vxlan).up(bridge);
        Namespace.SELF.assertRoute(theirs, selfIf);
        String bgp = "router bgp 65000\n bgp router-id " + theirs + "\n no bgp default ipv4-unicast\n neighbor " + ours
                + " remote-as 65000\n neighbor " + ours + " timers 3 9\n neighbor " + ours
                + " timers connect 1\n address-family l2vpn evpn\n  neighbor " + ours
                + " activate\n  advertise-all-vni\n exit-address-family\n";
        frr = new Frr(k, bgp).start();
    }

    /**
     * Gives the bridge an address ({@code cidr}, an SVI) and has host h2 ping it: the kernel then holds h2's
     * neighbour entry on the bridge, from which zebra learns h2's address and bgpd advertises h2 as a type-2 route
     * with MAC and IP. Returns whether h2's ping was answered.
     */
    public boolean announceH2(String cidr) {
        String bridge = "br" + vxlan.substring(2);
        k.address(bridge, cidr);
        return h2.ping(cidr.substring(0, cidr.indexOf('/')), 1).ok();
    }

    /** The kernel vxlan device's fdb ({@code bridge fdb show dev vxN}). */
    public String fdb() {
        return k.fdb(vxlan);
    }

    /** True when the kernel holds {@code mac} from BGP: {@code dst ours}, {@code extern_learn}. */
    public boolean holdsFromBgp(String mac, String ours) {
        return fdb().lines()
                .anyMatch(l -> l.startsWith(mac + " ") && l.contains("dst " + ours) && l.contains("extern_learn"));
    }

    /** True when the kernel floods toward {@code ours} (the all-zeros entry from our type-3 route). */
    public boolean floodsTo(String ours) {
        return fdb().contains("00:00:00:00:00:00 dst " + ours);
    }

    @Override
    public void close() {
        frr.close();
    }
}
