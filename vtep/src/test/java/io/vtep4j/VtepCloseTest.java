package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** close() releases sockets, threads and buffers, and the API says so afterwards. */
class VtepCloseTest {

    static List<String> vtepThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith("vtep4j-"))
                .collect(Collectors.toList());
    }

    @Test
    void closeReleasesSocketsThreadsAndPortsAndIsIdempotent() throws Exception {
        int port = Ports.freeUdp();
        Vtep vtep = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(port)
                .eventLoops(2)
                .build();
        Segment seg = vtep.segment(9);
        LocalPort p = seg.floodTo("127.0.0.2").attach(ByteBuf::release);
        // Queue some traffic toward a peer that does not exist: the buffers must still be released on close.
        for (int i = 0; i < 50; i++) {
            p.write(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01"), 200, i));
        }
        assertFalse(vtepThreads().isEmpty());
        vtep.close();
        vtep.close();

        assertFalse(vtep.isOpen());
        assertFalse(p.isOpen());
        Await.until(
                Duration.ofSeconds(5),
                () -> vtepThreads().isEmpty(),
                () -> vtepThreads().toString());
        try (DatagramSocket again =
                new DatagramSocket(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port))) {
            assertEquals(port, again.getLocalPort());
        }
        ByteBuf late = frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.send(late));
        assertEquals(0, late.refCnt(), "a rejected frame is released");
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> vtep.segment(9));
        assertThrows(IllegalStateException.class, () -> seg.attach(ByteBuf::release));
    }

    /**
     * A closed segment refuses what would act on its VNI: the table keeps a VNI's ageing, and the bindings, for the
     * next segment of that VNI.
     */
    @Test
    void aClosedSegmentRefusesWhatWouldActOnItsVni() throws Exception {
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            Segment old = vtep.segment(9);
            old.close();
            Segment fresh = vtep.segment(9);
            assertTrue(fresh.addNeighbor(InetAddress.getByName("10.0.0.2"), 0x02_00_00_00_00_02L));
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> old.ageing(Duration.ofSeconds(1)));
            assertEquals("segment 9: closed (expected: an open segment)", e.getMessage());
            assertThrows(IllegalStateException.class, () -> old.removeNeighbor(InetAddress.getByName("10.0.0.2")));
            assertThrows(IllegalStateException.class, old::neighbors);
            assertThrows(IllegalStateException.class, () -> old.allowRemotes("127.0.0.2"));
            assertThrows(IllegalStateException.class, () -> old.floodLimit(10));
            assertThrows(
                    IllegalStateException.class,
                    () -> old.outerHeader(OuterHeader.builder().build()));
            assertEquals(1, fresh.neighbors().size(), "the new segment's binding untouched");
            assertNotEquals(Duration.ofSeconds(1), vtep.forwardingTable().ageing(9), "its ageing untouched");
        }
    }

    @Test
    void closingAPortForgetsItsMacsAndClosingASegmentUnmapsItsVni() throws Exception {
        int port = Ports.freeUdp();
        try (Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build();
                Sink sink = new Sink()) {
            LocalPort pa = a.segment(9).floodTo("127.0.0.2").attach(sink);
            pa.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:01")));
            // B has no segment 9 yet: the broadcast is dropped there, and must be before B makes one below.
            Await.until(
                    Duration.ofSeconds(5),
                    () -> b.stats().dropped(DropReason.UNKNOWN_VNI) == 1,
                    () -> b.stats().toString());
            assertEquals(1, a.forwardingTable().size());
            pa.close();
            assertEquals(0, a.forwardingTable().size());

            Segment sb = b.segment(9);
            sb.close();
            LocalPort pa2 = a.segment(9).attach(sink);
            pa2.send(frame(BROADCAST, MacAddress.parse("02:00:00:00:00:02")));
            // The second broadcast met no segment 9 at B either (closed): two unknown-VNI drops.
            Await.until(
                    Duration.ofSeconds(5),
                    () -> b.stats().dropped(DropReason.UNKNOWN_VNI) == 2,
                    () -> b.stats().toString());
            assertTrue(b.segments().isEmpty());
        }
    }
}
