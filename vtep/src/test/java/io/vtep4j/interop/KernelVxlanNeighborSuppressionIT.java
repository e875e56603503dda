package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.learning.NeighborEntry;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * ARP and ND suppression against the Linux kernel's vxlan driver: host h1 behind vtep4j (PcapPort on a veth) talks
 * to the kernel VTEP's own overlay address; vtep4j snoops the kernel host's ARP and NDP packets from the underlay.
 * After h1's neighbour cache is flushed, its next ARP request and neighbor solicitation are answered by vtep4j:
 * h1 resolves the kernel host's MAC, and no VXLAN packet carrying an ARP request or NS leaves on the underlay.
 */
class KernelVxlanNeighborSuppressionIT {

    private static final int VNI = 5100;
    private static final String OURS = "10.99.3.1";
    private static final String THEIRS = "10.99.3.2";
    private static final String KERNEL_HOST_MAC = "02:00:00:00:03:02";
    private static final String KERNEL_V4 = "10.50.3.2";
    private static final String KERNEL_V6 = "fd50:3::2";
    private static final Duration WAIT = Duration.ofSeconds(10);

    /**
     * VXLAN packets vtep4j sends whose inner frame is an ARP packet: UDP payload = VXLAN header (8) + Ethernet, so the
     * inner EtherType sits at UDP offset 8 + 8 + 12 (IPv4 underlay).
     */
    private static final String ARP_OUT = "src host " + OURS + " and udp port 4789 and udp[28:2] = 0x0806";

    /** ... whose inner frame is an IPv6 NS: inner next header at UDP 8 + 8 + 14 + 6, ICMPv6 type at + 40. */
    private static final String NS_OUT =
            "src host " + OURS + " and udp port 4789 and udp[28:2] = 0x86dd and udp[36] = 58 and udp[70] = 135";

    /** Where an ARP packet's target protocol address sits in the UDP datagram: 8 + 8 + 14, then 24 into the ARP. */
    private static final int ARP_TARGET_OFFSET = 8 + 8 + 14 + 24;

    /** Where an NS's target address sits in the UDP datagram: 8 + 8 + 14 + 40, then 8 into the ICMPv6 message. */
    private static final int NS_TARGET_OFFSET = 8 + 8 + 14 + 40 + 8;

    /** Every VXLAN packet vtep4j sends. */
    private static final String ANY_OUT = "src host " + OURS + " and udp port 4789";

    /** The payload of the echo that follows a suppressed request: a size that tells it apart in the capture. */
    private static final int MARK_SIZE = 333;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "ping", "tcpdump");
    }

    @Test
    void answersArpAndNeighborSolicitationsForTheKernelHostWithoutSendingThem() throws Exception {
        try (Lab lab = new Lab("nsup").ipv6(true)) {
            Namespace k1 = Hosts.linkedToSelf(lab, "k1", THEIRS + "/24", "u-k1", OURS + "/24");
            KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .local(THEIRS)
                    .remote(OURS)
                    .mac(KERNEL_HOST_MAC)
                    .overlay(KERNEL_V4 + "/24")
                    .create();
            k1.address("vx0", KERNEL_V6 + "/64");
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.3.1/24", "02:00:00:00:03:01", "pc-h1");
            h1.address("eth0", "fd50:3::1/64");
            Namespace.SELF.assertRoute(THEIRS, "u-k1");
            h1.assertRoute(KERNEL_V4, "eth0");
            h1.assertRoute(KERNEL_V6, "eth0");

            try (Vtep vtep = Vtep.builder()
                            .localAddress(OURS)
                            .suppressNeighbors(true)
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(THEIRS), "pc-h1")) {
                // First contact floods h1's requests (the capture filters see them: they match what they must); the
                // kernel's answers cross the underlay and are snooped.
                String arpForKernel = forTarget(ARP_OUT, ARP_TARGET_OFFSET, KERNEL_V4);
                String nsForKernel = forTarget(NS_OUT, NS_TARGET_OFFSET, KERNEL_V6);
                try (Capture arp = Capture.start(Namespace.SELF, "u-k1", arpForKernel);
                        Capture ns = Capture.start(Namespace.SELF, "u-k1", nsForKernel)) {
                    Cmd.Result first = h1.ping(KERNEL_V4, 2);
                    assertTrue(first.ok(), first::describe);
                    Cmd.Result first6 = h1.ping(KERNEL_V6, 2);
                    assertTrue(first6.ok(), first6::describe);
                    Await.until(WAIT, () -> arp.count() >= 1 && ns.count() >= 1, () -> arp.lines() + " " + ns.lines());
                }
                Await.until(
                        WAIT,
                        () -> bound(vtep, KERNEL_V4) && bound(vtep, KERNEL_V6),
                        () -> vtep.neighborTable().show());

                suppressed(vtep, h1, KERNEL_V4, arpForKernel, "-4");
                suppressed(vtep, h1, KERNEL_V6, nsForKernel, "-6");
                assertTrue(
                        vtep.neighborTable().counters().answered() >= 2,
                        () -> vtep.neighborTable().counters().toString());
            }
        }
    }

    /**
     * Flushes h1's neighbour cache, pings {@code target} once more and checks the request never left. The echo is of
     * a size no request has, and one capture takes both: tcpdump prints in the order it captured, so once the echo's
     * line is there, a request sent before it would be there too.
     */
    private static void suppressed(Vtep vtep, Namespace h1, String target, String requestFilter, String family)
            throws Exception {
        h1.ok("ip", family, "neigh", "flush", "dev", "eth0");
        long answered = vtep.neighborTable().counters().answered();
        int frame = 14 + (family.equals("-4") ? 20 : 40) + 8 + MARK_SIZE;
        String echo = "UDP, length " + (8 + frame); // tcpdump -q: the UDP payload, VXLAN header and frame
        String marked = ANY_OUT + " and udp[4:2] = " + (8 + 8 + frame);
        try (Capture out = Capture.start(Namespace.SELF, "u-k1", "(" + requestFilter + ") or (" + marked + ")")) {
            Cmd.Result ping = h1.run(
                    Duration.ofSeconds(10), "ping", "-c", "1", "-w", "5", "-s", Integer.toString(MARK_SIZE), target);
            assertTrue(ping.ok(), ping::describe);
            Await.until(
                    WAIT,
                    () -> out.lines().stream().anyMatch(l -> l.endsWith(echo)),
                    () -> "the echo not captured: " + out.lines() + " " + out.errors());
            List<String> requests =
                    out.lines().stream().filter(l -> !l.endsWith(echo)).toList();
            assertEquals(List.of(), requests, "a request left on the underlay");
        }
        assertTrue(
                vtep.neighborTable().counters().answered() > answered,
                () -> vtep.neighborTable().show());
        String neigh = h1.ok("ip", family, "neigh", "show", target, "dev", "eth0");
        assertTrue(neigh.contains(KERNEL_HOST_MAC), () -> "h1 did not resolve " + target + ": " + neigh);
    }

    /**
     * {@code filter} narrowed to requests for {@code target}: h1 may send other ARP or NS packets at any time (duplicate
     * address detection for its own addresses, say), and only the request being answered must stay home.
     */
    private static String forTarget(String filter, int offset, String target) throws java.net.UnknownHostException {
        byte[] a = InetAddress.getByName(target).getAddress(); // a literal: no lookup
        StringBuilder f = new StringBuilder(filter);
        for (int i = 0; i < a.length; i += 4) {
            long word =
                    ((a[i] & 0xFFL) << 24) | ((a[i + 1] & 0xFF) << 16) | ((a[i + 2] & 0xFF) << 8) | (a[i + 3] & 0xFF);
            f.append(" and udp[").append(offset + i).append(":4] = 0x").append(Long.toHexString(word));
        }
        return f.toString();
    }

    private static boolean bound(Vtep vtep, String address) {
        InetAddress ip;
        try {
            ip = InetAddress.getByName(address); // a literal: no lookup
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
        for (NeighborEntry e : vtep.neighborTable().entries(VNI)) {
            if (e.address().equals(ip) && e.origin() == NeighborEntry.Origin.REMOTE) {
                return true;
            }
        }
        return false;
    }
}
