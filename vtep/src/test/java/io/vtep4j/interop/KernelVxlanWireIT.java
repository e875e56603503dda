package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * vtep4j's packets as an independent decoder (tshark) sees them on the kernel peer's wire: outer DF set and never a
 * fragment (RFC 7348 §4.3), UDP checksum 0 over IPv4 (§5), destination 4789, flags
 * 0x08 with the VNI, the guest's frame inside; the source port is the bound port by default and comes from the
 * dynamic range with source-port entropy on (§5).
 */
class KernelVxlanWireIT {

    private static final int VNI = 5006;
    private static final String H1_MAC = "02:00:00:00:06:01";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "bridge", "ethtool", "ping", "tcpdump", "tshark");
    }

    /** One decoded outer + VXLAN header, as tshark printed it. */
    private record Packet(
            boolean df,
            boolean mf,
            int ttl,
            int dscp,
            int sourcePort,
            int destinationPort,
            String checksum,
            String flags,
            int vni,
            String innerSource) {

        /**
         * Parses one line printed with {@code occurrence=a} and {@code aggregator=;}: IP and UDP fields are taken
         * from their first occurrence (the outer header: an inner ping has an IP header of its own), the Ethernet
         * source from its last (the inner frame).
         */
        static Packet parse(String line) {
            String[] f = line.split(",", -1);
            return new Packet(
                    isTrue(outer(f[0])),
                    isTrue(outer(f[1])),
                    Integer.parseInt(outer(f[2])),
                    Integer.parseInt(outer(f[3])),
                    Integer.parseInt(outer(f[4])),
                    Integer.parseInt(outer(f[5])),
                    outer(f[6]),
                    f[7],
                    Integer.parseInt(f[8]),
                    inner(f[9]));
        }

        private static String outer(String occurrences) {
            return occurrences.split(";", -1)[0];
        }

        private static String inner(String occurrences) {
            String[] all = occurrences.split(";", -1);
            return all[all.length - 1];
        }

        private static boolean isTrue(String field) {
            return field.equals("1") || field.equalsIgnoreCase("true"); // tshark 4.0 prints 1, newer ones True
        }

        void assertRfc7348() {
            assertAll(
                    toString(),
                    () -> assertTrue(df, "DF must be set (RFC 7348 §4.3)"),
                    () -> assertFalse(mf, "never a fragment"),
                    () -> assertEquals(4789, destinationPort, "destination port"),
                    () -> assertEquals("0x0000", checksum, "UDP checksum 0 over IPv4 (RFC 7348 §5)"),
                    () -> assertEquals("0x0800", flags, "flags: I only"),
                    () -> assertEquals(VNI, vni, "VNI"),
                    () -> assertEquals(H1_MAC, innerSource, "inner source MAC"));
        }
    }

    @Test
    void defaultOuterHeadersHaveDfAndZeroChecksumAndLeaveFromTheBoundPort() throws Exception {
        for (Packet p : capture("wired", b -> b)) {
            p.assertRfc7348();
            assertEquals(4789, p.sourcePort(), () -> "without entropy every packet leaves the bound port: " + p);
        }
    }

    @Test
    void sourcePortEntropyPicksPortsFromTheDynamicRange() throws Exception {
        for (Packet p : capture("wiree", b -> b.sourcePorts(4))) {
            p.assertRfc7348();
            assertTrue(p.sourcePort() >= 49152 && p.sourcePort() <= 65535, () -> "source port: " + p);
        }
    }

    @Test
    void everyPacketCarriesTheConfiguredTtlAndDscp() throws Exception {
        List<UnaryOperator<Vtep.Builder>> entropy = List.of(b -> b, b -> b.sourcePorts(4));
        for (UnaryOperator<Vtep.Builder> sockets : entropy) {
            for (Packet p : capture("wiret", b -> sockets.apply(b).ttl(33).dscp(10))) {
                assertAll(
                        p.toString(), () -> assertEquals(33, p.ttl(), "TTL"), () -> assertEquals(10, p.dscp(), "DSCP"));
            }
        }
    }

    /** Pings from the host behind vtep4j to the kernel's host and decodes what vtep4j put on k1's wire. */
    private static List<Packet> capture(String tag, UnaryOperator<Vtep.Builder> options) throws IOException {
        Path dir = Files.createTempDirectory("vtep4j-wire");
        Path pcap = dir.resolve("k1.pcap");
        try (Lab lab = new Lab(tag)) {
            Namespace k1 = Hosts.linkedToSelf(lab, "k1", "10.99.6.2/24", "u-wire", "10.99.6.1/24");
            KernelVxlan.in(k1, "vx0")
                    .vni(VNI)
                    .local("10.99.6.2")
                    .remote("10.99.6.1")
                    .mac("02:00:00:00:06:02")
                    .overlay("10.50.6.2/24")
                    .create();
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.6.1/24", H1_MAC, "pc-wire");
            Namespace.SELF.assertRoute("10.99.6.2", "u-wire");
            h1.assertRoute("10.50.6.2", "eth0");
            try (Vtep vtep = options.apply(Vtep.builder().localAddress("10.99.6.1"))
                            .build();
                    PcapPort port = PcapPort.open(vtep.segment(VNI).floodTo("10.99.6.2"), "pc-wire");
                    Capture capture = Capture.toFile(k1, "u0", "udp and src host 10.99.6.1", pcap)) {
                Cmd.Result ping = h1.ping("10.50.6.2", 3);
                assertTrue(ping.ok(), () -> ping.describe() + "\n" + vtep.stats() + "\n" + port);
            }
            // udp.port==4789 decodes as VXLAN whatever the source port is.
            String fields = Cmd.ok(
                    "tshark",
                    "-r",
                    pcap.toString(),
                    "-d",
                    "udp.port==4789,vxlan",
                    "-T",
                    "fields",
                    "-E",
                    "separator=,",
                    "-E",
                    "occurrence=a",
                    "-E",
                    "aggregator=;",
                    "-e",
                    "ip.flags.df",
                    "-e",
                    "ip.flags.mf",
                    "-e",
                    "ip.ttl",
                    "-e",
                    "ip.dsfield.dscp",
                    "-e",
                    "udp.srcport",
                    "-e",
                    "udp.dstport",
                    "-e",
                    "udp.checksum",
                    "-e",
                    "vxlan.flags",
                    "-e",
                    "vxlan.vni",
                    "-e",
                    "eth.src");
            List<Packet> packets =
                    fields.lines().filter(l -> !l.isBlank()).map(Packet::parse).toList();
            // The ARP request (flooded), then at least three echo requests.
            assertTrue(packets.size() >= 4, () -> "expected >= 4 VXLAN packets from vtep4j, tshark saw: " + fields);
            return packets;
        } finally {
            Files.deleteIfExists(pcap);
            Files.deleteIfExists(dir);
        }
    }
}
