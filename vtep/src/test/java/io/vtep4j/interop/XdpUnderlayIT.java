package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.vtep4j.LocalPort;
import io.vtep4j.PcapPort;
import io.vtep4j.UnderlayIo;
import io.vtep4j.UnderlayProbe;
import io.vtep4j.Vtep;
import io.vtep4j.encap.DropReason;
import io.vtep4j.internal.SendCounters;
import io.vtep4j.internal.Transports;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j with the AF_XDP underlay ({@link UnderlayIo#XDP}) against the Linux kernel's vxlan driver in another
 * namespace: hosts behind each ping both ways; the tunnel packets cross the AF_XDP socket (the XDP program redirects
 * them on the underlay veth, and the kernel's UDP counters of the test's namespace stay almost flat: only the first
 * packets, sent before the next hop's MAC is known, go through the kernel socket); ARP and ICMP to the underlay
 * address still reach the kernel; closing the VTEP leaves no XDP program attached. The same with
 * {@link UnderlayIo#XDP_RECEIVE} and UDP GSO: in through AF_XDP, out through the kernel's UDP socket.
 */
class XdpUnderlayIT {

    private static final int VNI = 5100;
    private static final String OURS = "10.99.7.1";
    private static final String THEIRS = "10.99.7.2";
    private static final String OUR_HOST_MAC = "02:00:00:00:07:01";
    private static final String KERNEL_HOST_MAC = "02:00:00:00:07:02";
    private static final int PINGS = 10;
    /** {@code ip link} says "xdp" / "xdpgeneric" (with the program's id) after the MTU when a program is attached. */
    private static final Pattern XDP = Pattern.compile("\\sxdp(generic|drv|offload|multi)?[\\s/]|prog/xdp");

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping");
    }

    private static boolean xdpAttached(String device) {
        return XDP.matcher(Cmd.ok("ip", "link", "show", "dev", device)).find();
    }

    /** InDatagrams and OutDatagrams of {@code /proc/net/snmp} ("Udp:" lines) in the test JVM's namespace. */
    private static long[] udpCounters() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("/proc/net/snmp"));
        String[] names = null;
        for (String line : lines) {
            if (!line.startsWith("Udp:")) {
                continue;
            }
            String[] fields = line.trim().split("\\s+");
            if (names == null) {
                names = fields;
                continue;
            }
            long in = -1;
            long out = -1;
            for (int i = 1; i < fields.length; i++) {
                if (names[i].equals("InDatagrams")) {
                    in = Long.parseLong(fields[i]);
                } else if (names[i].equals("OutDatagrams")) {
                    out = Long.parseLong(fields[i]);
                }
            }
            return new long[] {in, out};
        }
        throw new IllegalStateException("no Udp counters in /proc/net/snmp");
    }

    @Test
    void pingsBothWaysThroughTheXdpSocketAndLeavesNoProgramBehind() throws Exception {
        pingBothWays(false, false);
    }

    /**
     * The peer sends UDP checksums, and its veth end offloads them (the frames cross the veth with only the pseudo
     * header summed, as the kernel's own UDP receive accepts): still delivered, none dropped as a bad checksum.
     */
    @Test
    void acceptsUdpChecksumsFromAPeerThatOffloadsThem() throws Exception {
        pingBothWays(true, true);
    }

    /** The kernel VTEP {@code k1} (vxlan device {@code vx0}, host 10.50.7.2 behind it) and our host {@code h1}. */
    private record Bed(Namespace k1, KernelVxlan vx, Namespace h1) {}

    /**
     * Links {@code k1} to {@code u-xu} in the test's namespace, with the kernel's vxlan device towards {@link #OURS}
     * (sending UDP checksums if asked), and {@code h1} behind {@code pc-xu}; checks every sender's route.
     */
    private static Bed bed(Lab lab, boolean udpChecksum) {
        Namespace k1 = Hosts.linkedToSelf(lab, "k1", THEIRS + "/24", "u-xu", OURS + "/24");
        KernelVxlan vx = KernelVxlan.in(k1, "vx0")
                .vni(VNI)
                .dstPort(4789)
                .local(THEIRS)
                .remote(OURS)
                .mac(KERNEL_HOST_MAC)
                .overlay("10.50.7.2/24");
        if (udpChecksum) {
            vx.udpChecksum();
        }
        vx.create();
        Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.7.1/24", OUR_HOST_MAC, "pc-xu");
        // Safety rule: every sender's route goes through the test's own links.
        Namespace.SELF.assertRoute(THEIRS, "u-xu");
        h1.assertRoute("10.50.7.2", "eth0");
        k1.assertRoute("10.50.7.1", "vx0");
        k1.assertRoute(OURS, "u0");
        return new Bed(k1, vx, h1);
    }

    private static void pingBothWays(boolean udpChecksum, boolean peerOffload) throws Exception {
        try (Lab lab = new Lab("xu")) {
            Bed bed = bed(lab, udpChecksum);
            Namespace k1 = bed.k1();
            KernelVxlan vx = bed.vx();
            Namespace h1 = bed.h1();
            if (peerOffload) {
                k1.ok("ethtool", "-K", "u0", "tx", "on");
            }

            long rxBefore = Namespace.SELF.counter("u-xu", "rx_packets");
            long[] udpBefore = udpCounters();
            try (Vtep vtep = Vtep.builder()
                            .localAddress(OURS)
                            .eventLoops(1)
                            .underlayIo(UnderlayIo.XDP)
                            .build();
                    PcapPort port1 = PcapPort.open(vtep.segment(VNI).floodTo(THEIRS), "pc-xu")) {
                assertEquals(UnderlayIo.XDP, vtep.underlayIo(), "AF_XDP in use (else the log says why)");
                assertTrue(xdpAttached("u-xu"), () -> Cmd.ok("ip", "link", "show", "u-xu"));

                Cmd.Result there = h1.ping("10.50.7.2", PINGS);
                assertTrue(there.ok(), () -> there.describe() + "\n" + vtep.stats() + "\n" + port1);
                Cmd.Result back = k1.ping("10.50.7.1", PINGS);
                assertTrue(back.ok(), () -> back.describe() + "\n" + vtep.stats() + "\n" + port1);

                Location kernelHost = vtep.forwardingTable().lookup(VNI, MacAddress.parse(KERNEL_HOST_MAC));
                assertNotNull(
                        kernelHost,
                        () -> "not learned: " + vtep.forwardingTable().entries());
                assertEquals(InetAddress.getByName(THEIRS), kernelHost.address(), "learned from the outer source");
                Await.until(Duration.ofSeconds(5), () -> vx.learned(OUR_HOST_MAC, OURS), vx::fdb);

                // At least 2 × PINGS tunnel packets each way crossed the underlay veth; the kernel's UDP stack saw
                // almost none of them: the XDP program steered them to the AF_XDP socket, which sent the others.
                long[] udpAfter = udpCounters();
                long in = udpAfter[0] - udpBefore[0];
                long out = udpAfter[1] - udpBefore[1];
                long rx = Namespace.SELF.counter("u-xu", "rx_packets") - rxBefore;
                String counters = "udp in " + in + ", out " + out + ", veth rx " + rx + "; " + vtep.stats();
                assertTrue(rx >= 2 * PINGS, counters);
                assertTrue(vtep.stats().segment(VNI).packetsToUnderlay() >= 2 * PINGS, counters);
                assertTrue(in <= 1, "received through the kernel's UDP socket: " + counters);
                // Through the kernel: what was sent before the next hop's MAC was known (its ARP takes a moment), and
                // the first packet after the kernel's neighbour entry turned stale.
                assertTrue(out <= 5, "sent through the kernel's UDP socket: " + counters);
                assertEquals(0, vtep.stats().dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW), counters);
                assertEquals(0, vtep.stats().dropped(DropReason.SEND_FAILED), counters);
                assertEquals(0, vtep.stats().dropped(DropReason.OUTER_UDP_CHECKSUM_BAD), counters);

                // ARP and ICMP to the underlay address still reach the kernel.
                k1.ok("ip", "neigh", "flush", "dev", "u0");
                Cmd.Result underlayPing = k1.ping(OURS, 2);
                assertTrue(underlayPing.ok(), underlayPing::describe);
                String neighbour = k1.ok("ip", "neigh", "show", OURS, "dev", "u0");
                assertTrue(neighbour.contains("lladdr " + Namespace.SELF.macOf("u-xu")), neighbour);
            }
            Await.until(Duration.ofSeconds(5), () -> !xdpAttached("u-xu"), () -> Cmd.ok("ip", "link", "show", "u-xu"));
            assertFalse(xdpAttached("u-xu"));
        }
    }

    /**
     * {@link UnderlayIo#XDP_RECEIVE} with UDP GSO: what arrives crosses the AF_XDP socket (the VTEP's AF_XDP receive
     * count moves, the kernel's UDP receive count stays flat), everything sent goes through the kernel's UDP socket
     * (its send count moves), and a burst to the peer leaves in fewer send messages than datagrams.
     */
    @Test
    void xdpReceiveTakesPacketsInThroughAfXdpAndSendsGsoRunsThroughTheKernelSocket() throws Exception {
        if (!Transports.epoll() || !EpollDatagramChannel.isSegmentedDatagramPacketSupported()) {
            String why = "UDP GSO needs epoll and a kernel with UDP_SEGMENT";
            if (Netns.ci()) {
                fail(why);
            }
            assumeTrue(false, why);
        }
        try (Lab lab = new Lab("xr")) {
            Bed bed = bed(lab, false);
            long[] udpBefore = udpCounters();
            try (Vtep vtep = Vtep.builder()
                            .localAddress(OURS)
                            .eventLoops(1)
                            .udpGso(true)
                            .underlayIo(UnderlayIo.XDP_RECEIVE)
                            .build();
                    PcapPort port1 = PcapPort.open(vtep.segment(VNI).floodTo(THEIRS), "pc-xu")) {
                assertEquals(UnderlayIo.XDP_RECEIVE, vtep.underlayIo(), "AF_XDP in use (else the log says why)");
                assertTrue(xdpAttached("u-xu"), () -> Cmd.ok("ip", "link", "show", "u-xu"));

                Cmd.Result there = bed.h1().ping("10.50.7.2", PINGS);
                assertTrue(there.ok(), () -> there.describe() + "\n" + vtep.stats() + "\n" + port1);
                Cmd.Result back = bed.k1().ping("10.50.7.1", PINGS);
                assertTrue(back.ok(), () -> back.describe() + "\n" + vtep.stats() + "\n" + port1);
                Await.until(Duration.ofSeconds(5), () -> bed.vx().learned(OUR_HOST_MAC, OURS), bed.vx()::fdb);

                // At least 2 x PINGS tunnel packets each way: in through AF_XDP (the kernel's UDP layer saw at most
                // one of them), out through the kernel's UDP socket (no frame written to the AF_XDP ring).
                long[] udpAfter = udpCounters();
                long in = udpAfter[0] - udpBefore[0];
                long out = udpAfter[1] - udpBefore[1];
                long xdp = UnderlayProbe.afXdpReceived(vtep);
                String counters = "udp in " + in + ", out " + out + ", AF_XDP received " + xdp + "; " + vtep.stats();
                assertTrue(xdp >= 2 * PINGS, counters);
                assertTrue(vtep.stats().segment(VNI).packetsFromUnderlay() >= 2 * PINGS, counters);
                assertTrue(in <= 1, "received through the kernel's UDP socket: " + counters);
                assertTrue(vtep.stats().segment(VNI).packetsToUnderlay() >= 2 * PINGS, counters);
                assertTrue(out >= 2 * PINGS, "sent around the kernel's UDP socket: " + counters);

                // Equal frames flooded to the peer in one flush (one GSO run: at most 64 segments): every one reaches
                // the kernel's vxlan device, in fewer send messages than datagrams.
                SendCounters sent = UnderlayProbe.sendCounters(vtep);
                long messagesBefore = sent.messages();
                long datagramsBefore = sent.datagrams();
                long vxBefore = bed.k1().counter("vx0", "rx_packets");
                int burst = 40;
                try (LocalPort app = vtep.segment(VNI).attach(ByteBuf::release)) {
                    for (int i = 0; i < burst; i++) {
                        app.write(InnerFrames.udpFrame(9));
                    }
                    app.flush();
                    Await.until(
                            Duration.ofSeconds(5),
                            () -> bed.k1().counter("vx0", "rx_packets") - vxBefore >= burst,
                            () -> "vx0 rx " + (bed.k1().counter("vx0", "rx_packets") - vxBefore) + "; " + sent);
                }
                Await.until(Duration.ofSeconds(5), () -> sent.datagrams() - datagramsBefore >= burst, sent::toString);
                long messages = sent.messages() - messagesBefore;
                long datagrams = sent.datagrams() - datagramsBefore;
                assertTrue(messages < datagrams, "messages " + messages + ", datagrams " + datagrams);
                assertEquals(0, vtep.stats().dropped(DropReason.UNDERLAY_RECEIVE_OVERFLOW), vtep.stats()::toString);
            }
            Await.until(Duration.ofSeconds(5), () -> !xdpAttached("u-xu"), () -> Cmd.ok("ip", "link", "show", "u-xu"));
        }
    }
}
