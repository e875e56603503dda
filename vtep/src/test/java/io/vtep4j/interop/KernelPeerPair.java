package io.vtep4j.interop;

/**
 * Two overlay hosts on one VNI: {@code k1}, a kernel vxlan VTEP (underlay {@code 10.99.N.2}, overlay host address
 * {@code 10.50.N.2} on {@code vx0}), linked to the test JVM's namespace ({@code u-k1}, {@code 10.99.N.1}, where vtep4j
 * binds); and {@code h1}, a host ({@code 10.50.N.1}) behind the pcap interface {@code pc-h1}. Routes are checked
 * before anything is sent. Everything belongs to the given {@link Lab}.
 */
record KernelPeerPair(Namespace kernel, Namespace host, String ours, String theirs) {

    /** Builds the pair on subnet number {@code n} (1..254) and VNI {@code vni}. */
    static KernelPeerPair create(Lab lab, int n, int vni) {
        String ours = "10.99." + n + ".1";
        String theirs = "10.99." + n + ".2";
        Namespace k1 = Hosts.linkedToSelf(lab, "k1", theirs + "/24", "u-k1", ours + "/24");
        KernelVxlan.in(k1, "vx0")
                .vni(vni)
                .dstPort(4789)
                .local(theirs)
                .remote(ours)
                .mac(String.format("02:00:00:00:%02x:02", n))
                .overlay("10.50." + n + ".2/24")
                .create();
        Namespace h1 =
                Hosts.behindPcap(lab, "h1", "10.50." + n + ".1/24", String.format("02:00:00:00:%02x:01", n), "pc-h1");
        Namespace.SELF.assertRoute(theirs, "u-k1");
        h1.assertRoute("10.50." + n + ".2", "eth0");
        k1.assertRoute("10.50." + n + ".1", "vx0");
        return new KernelPeerPair(k1, h1, ours, theirs);
    }
}
