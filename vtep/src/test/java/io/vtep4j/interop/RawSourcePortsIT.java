package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.LocalPort;
import io.vtep4j.OuterHeader;
import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The raw send path ({@code Vtep.Builder.sourcePortRange}) as the wire shows it (tcpdump): a kernel vxlan peer
 * decapsulates its packets (ping both ways), their source ports spread over 49152..65535 and stay put per flow, DF
 * follows the inner IPv4 DF under {@code df inherit}; over IPv6 the UDP checksum is zero exactly when asked for, on the
 * raw path and on the UDP socket; DF unset reaches the UDP socket too.
 */
class RawSourcePortsIT {

    private static final int VNI = 5090;
    private static final Pattern SOURCE_PORT = Pattern.compile("\\s\\S+\\.(\\d+) > ");
    private static final Duration WAIT = Duration.ofSeconds(10);

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ping", "tcpdump", "bash");
    }

    @Test
    void aKernelPeerDecapsulatesFullRangeSourcePortsAndDfIsInherited() throws Exception {
        try (Lab lab = new Lab("srcport")) {
            KernelPeerPair pair = KernelPeerPair.create(lab, 9, VNI);
            Namespace h1 = pair.host();
            Namespace k1 = pair.kernel();
            String from = "udp dst port 4789 and src host " + pair.ours();
            try (Vtep vtep = Vtep.builder()
                            .localAddress(pair.ours())
                            .sourcePortRange(49152, 65535)
                            .outerHeader(OuterHeader.builder()
                                    .df(OuterHeader.Df.INHERIT)
                                    .build())
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo(pair.theirs()), "pc-h1");
                    Capture all = Capture.start(k1, "u0", from);
                    // outer IPv4 total length: 20 + 8 + 8 (VXLAN) + 14 + 20 + 8 + ping's -s; one capture for both
                    // sizes, so that it prints them in the order they were sent
                    Capture sizes = Capture.verbose(k1, "u0", from + " and (ip[2:2]==378 or ip[2:2]==278)");
                    Capture noDfSmall = Capture.start(k1, "u0", from + " and ip[6]&0x40==0 and ip[2:2]==278")) {
                Cmd.Result plain = h1.ping("10.50.9.2", 2);
                assertTrue(plain.ok(), () -> plain.describe() + "\n" + vtep.stats());

                Cmd.Result df = h1.run(pingArgs("do", 300));
                assertTrue(df.ok(), () -> df.describe() + "\n" + vtep.stats());
                Cmd.Result noDf = h1.run(pingArgs("dont", 200));
                assertTrue(noDf.ok(), () -> noDf.describe() + "\n" + vtep.stats());
                // three echo requests of each size, the big ones first: once three small ones are in, all are
                Await.until(
                        WAIT,
                        () -> outer(sizes, 378).size() >= 3 && outer(sizes, 278).size() >= 3 && noDfSmall.count() >= 3,
                        () -> sizes.lines() + "\n" + noDfSmall.lines());
                List<String> big = outer(sizes, 378);
                assertTrue(
                        big.stream().allMatch(l -> l.contains("flags [DF]")), () -> "inner DF, outer without: " + big);
                List<String> small = outer(sizes, 278);
                assertTrue(
                        small.stream().noneMatch(l -> l.contains("flags [DF]")),
                        () -> "inner without DF, outer DF: " + small);
                assertEquals(1, sourcePorts(noDfSmall.lines()).size(), () -> "one flow: " + noDfSmall.lines());

                // 64 flows: UDP to 64 ports of the kernel peer's host.
                Cmd.Result flows = h1.run(
                        Duration.ofSeconds(20),
                        "bash",
                        "-c",
                        "for p in $(seq 2000 2063); do echo x > /dev/udp/10.50.9.2/$p; done");
                assertTrue(flows.ok(), flows::describe);
                Await.until(
                        WAIT, () -> all.count() >= 64 + 10, () -> all.lines().toString());
                Set<Integer> ports = sourcePorts(all.lines());
                ports.forEach(p -> assertTrue(p >= 49152 && p <= 65535, () -> "source port " + p + ": " + ports));
                assertTrue(ports.size() >= 48, () -> "64 flows and more over " + ports.size() + " ports: " + ports);
            }
        }
    }

    private static String[] pingArgs(String pmtudisc, int size) {
        return new String[] {
            "ping", "-c", "3", "-i", "0.2", "-w", "8", "-M", pmtudisc, "-s", Integer.toString(size), "10.50.9.2"
        };
    }

    @Test
    void ipv6ChecksumIsZeroExactlyWhenAskedOnBothPaths() throws Exception {
        String peer = "fd00:99::2";
        Namespace.SELF.ok("ip", "-6", "addr", "add", peer + "/128", "dev", "lo", "nodad");
        try {
            Namespace.SELF.assertRoute(peer, "lo");
            for (boolean raw : new boolean[] {true, false}) {
                for (boolean zero : new boolean[] {true, false}) {
                    int port = Ports.freeUdp();
                    Vtep.Builder b =
                            Vtep.builder().localAddress("::1").port(port).udp6ZeroChecksumTx(zero);
                    if (raw) {
                        b.sourcePortRange(50000, 50099);
                    }
                    String what = (raw ? "raw path" : "UDP socket") + (zero ? ", zero asked" : ", default");
                    String udp = "ip6 and udp dst port " + port + " and ip6[46:2]";
                    try (Vtep v = b.build();
                            Capture zeroes = Capture.start(Namespace.SELF, "lo", udp + "==0");
                            Capture sums = Capture.verbose(Namespace.SELF, "lo", udp + "!=0")) {
                        LocalPort local = v.segment(VNI).floodTo(peer).attach(f -> f.release());
                        for (int i = 0; i < 3; i++) {
                            local.send(InnerFrames.udpFrame(3000 + i));
                        }
                        Capture expected = zero ? zeroes : sums;
                        Await.until(
                                WAIT, () -> expected.count() >= 3, () -> what + ": " + zeroes.lines() + sums.lines());
                        assertEquals(0, (zero ? sums : zeroes).count(), what);
                        if (raw && !zero) {
                            // The kernel computed it in full (IPV6_CHECKSUM); the UDP socket leaves a partial sum to
                            // the (loopback) device, which tcpdump cannot check.
                            assertTrue(
                                    sums.lines().stream().allMatch(l -> l.contains("[udp sum ok]")),
                                    () -> what + ": " + sums.lines());
                        }
                        if (raw) {
                            // three flows over 100 ports: at least two distinct (the lines were parsed)
                            assertTrue(sourcePorts(expected.lines()).size() >= 2, () -> what + ": " + expected.lines());
                            sourcePorts(expected.lines())
                                    .forEach(p -> assertTrue(p >= 50000 && p <= 50099, what + ": source port " + p));
                        }
                    }
                }
            }
        } finally {
            Namespace.SELF.run("ip", "-6", "addr", "del", peer + "/128", "dev", "lo");
        }
    }

    @Test
    void dfUnsetClearsDfOnTheUdpSocketToo() throws Exception {
        Namespace.SELF.assertRoute("127.0.0.2", "lo");
        for (OuterHeader.Df df : new OuterHeader.Df[] {OuterHeader.Df.SET, OuterHeader.Df.UNSET}) {
            int port = Ports.freeUdp();
            String udp = "udp dst port " + port + " and ip[6]&0x40";
            try (Vtep v = Vtep.builder()
                            .localAddress("127.0.0.1")
                            .port(port)
                            .outerHeader(OuterHeader.builder().df(df).build())
                            .build();
                    Capture set = Capture.start(Namespace.SELF, "lo", udp + "!=0");
                    Capture clear = Capture.start(Namespace.SELF, "lo", udp + "==0")) {
                LocalPort local = v.segment(VNI).floodTo("127.0.0.2").attach(f -> f.release());
                for (int i = 0; i < 3; i++) {
                    local.send(InnerFrames.udpFrame(3000 + i));
                }
                Capture expected = df == OuterHeader.Df.SET ? set : clear;
                Await.until(WAIT, () -> expected.count() >= 3, () -> df + ": " + set.lines() + clear.lines());
                assertEquals(0, (df == OuterHeader.Df.SET ? clear : set).count(), df.toString());
            }
        }
    }

    /** The source ports of tcpdump's one-line decodes. */
    /** Of a {@link Capture#verbose} capture, the outer IPv4 header lines of the UDP packets {@code length} long. */
    private static List<String> outer(Capture capture, int length) {
        String mark = "proto UDP (17), length " + length + ")";
        return capture.lines().stream().filter(l -> l.contains(mark)).toList();
    }

    static Set<Integer> sourcePorts(List<String> lines) {
        Set<Integer> ports = new TreeSet<>();
        for (String line : lines) {
            Matcher m = SOURCE_PORT.matcher(line);
            if (m.find()) {
                ports.add(Integer.parseInt(m.group(1)));
            }
        }
        return ports;
    }
}
