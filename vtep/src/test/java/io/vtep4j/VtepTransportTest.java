package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.internal.Transports;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NIO fallback forwards like epoll; multicast flood groups are joined and left per segment. */
class VtepTransportTest {

    @Test
    void nioFallbackFloodsAndLearns() throws Exception {
        String before = System.getProperty("vtep4j.transport");
        System.setProperty("vtep4j.transport", "nio");
        try {
            assertFalse(Transports.epoll());
            int port = Ports.freeUdp();
            try (Sink sink = new Sink();
                    Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                    Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build()) {
                a.segment(3)
                        .floodTo("127.0.0.2")
                        .attach(ByteBuf::release)
                        .send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
                b.segment(3).attach(sink);
                // b attached after a sent: wait for the next one instead of racing the first.
                a.segment(3).ports().get(0).send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
                ByteBuf f = sink.poll(5000);
                assertNotNull(f);
                f.release();
                assertEquals(
                        InetAddress.getByName("127.0.0.1"),
                        b.forwardingTable()
                                .lookup(3, MacAddress.parse("02:00:00:00:00:01"))
                                .address());
            }
        } finally {
            if (before == null) {
                System.clearProperty("vtep4j.transport");
            } else {
                System.setProperty("vtep4j.transport", before);
            }
        }
    }

    @Test
    void joinsTheFloodGroupOnTheMulticastInterfaceAndLeavesIt() throws Exception {
        assumeTrue(Files.isReadable(IGMP), "needs Linux /proc/net/igmp to see memberships");
        int port = Ports.freeUdp();
        InetAddress group = InetAddress.getByName("239.255.77.1");
        try (Vtep a = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .multicastInterface("lo")
                .build()) {
            Segment s1 = a.segment(1).floodTo(group);
            Segment s2 = a.segment(2).floodTo(group); // same group, second VNI: joined once, counted twice
            assertEquals(group, s1.flooding().group());
            assertTrue(joinedOnLoopback("EFFF4D01"), "IGMP membership of 239.255.77.1 on lo");
            s1.stopFloodingTo(group);
            assertNull(s1.flooding().group());
            assertEquals(group, s2.flooding().group());
            assertTrue(joinedOnLoopback("EFFF4D01"), "still needed by VNI 2");
            s2.floodTo("239.255.77.2"); // a new group replaces the old one (which is left)
            assertEquals(InetAddress.getByName("239.255.77.2"), s2.flooding().group());
            assertTrue(joinedOnLoopback("EFFF4D02"));
            assertFalse(joinedOnLoopback("EFFF4D01"), "left when no segment floods to it");
        }
    }

    static final Path IGMP = Path.of("/proc/net/igmp");

    /**
     * Whether {@code lo} has joined the group; /proc/net/igmp lists groups in host byte order (little-endian here),
     * so 239.255.77.1 reads "014DFFEF": {@code bigEndianHex} is given in network order and reversed.
     */
    static boolean joinedOnLoopback(String bigEndianHex) throws Exception {
        String le = bigEndianHex.substring(6, 8)
                + bigEndianHex.substring(4, 6)
                + bigEndianHex.substring(2, 4)
                + bigEndianHex.substring(0, 2);
        List<String> lines = Files.readAllLines(IGMP);
        boolean inLo = false;
        for (String line : lines) {
            if (!line.startsWith("\t")) {
                inLo = line.contains("\tlo") || line.matches("^\\d+\\s+lo\\s.*");
            } else if (inLo && line.trim().startsWith(le)) {
                return true;
            }
        }
        return false;
    }
}
