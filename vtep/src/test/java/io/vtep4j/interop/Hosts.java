package io.vtep4j.interop;

/**
 * Shapes that recur across interop tests: a host namespace behind a PcapPort, a kernel VTEP namespace on an
 * underlay link. Thread-safe (stateless); everything it creates belongs to the given {@link Lab}.
 */
public final class Hosts {

    private Hosts() {}

    /**
     * A namespace {@code role} whose interface {@code eth0} (address {@code cidr}, MAC {@code mac}) is wired to
     * {@code pcapIf} in the test JVM's namespace, the end a PcapPort opens (no address, tx offload off).
     */
    public static Namespace behindPcap(Lab lab, String role, String cidr, String mac, String pcapIf) {
        Namespace host = lab.namespace(role);
        lab.veth(host, "eth0", null, Namespace.SELF, pcapIf, null);
        host.mac("eth0", mac);
        host.address("eth0", cidr);
        return host;
    }

    /**
     * A namespace {@code role} with underlay interface {@code u0} at {@code underlayCidr}, linked straight to
     * {@code selfIf} (address {@code selfCidr}) in the test JVM's namespace.
     */
    public static Namespace linkedToSelf(Lab lab, String role, String underlayCidr, String selfIf, String selfCidr) {
        Namespace ns = lab.namespace(role);
        lab.veth(Namespace.SELF, selfIf, selfCidr, ns, "u0", underlayCidr);
        return ns;
    }

    /** The address part of a CIDR ({@code 10.99.1.2/24 -> 10.99.1.2}). */
    public static String ip(String cidr) {
        int slash = cidr.indexOf('/');
        return slash < 0 ? cidr : cidr.substring(0, slash);
    }
}
