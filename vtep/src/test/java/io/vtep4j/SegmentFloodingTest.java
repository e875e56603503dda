package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The flood switches live on {@link Segment}; {@link Segment#flooding()} only reads. A port's send forwards on the
 * calling thread, so the segment's counters have moved when {@code send} returns: no waiting on the network.
 */
class SegmentFloodingTest {

    static final int VNI = 77;
    static final long SOURCE = MacAddress.parse("02:00:00:00:07:01");
    static final long UNKNOWN = MacAddress.parse("02:00:00:00:07:99");
    static final long MULTICAST = MacAddress.parse("01:00:5e:00:00:01");

    @Test
    void theViewFollowsFloodToAndStopFloodingToAndCannotBeChanged() throws Exception {
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            Segment segment = vtep.segment(VNI);
            Flooding flooding = segment.flooding();
            assertTrue(flooding.isEmpty());
            assertNull(flooding.group());
            assertTrue(flooding.broadcast() && flooding.multicast() && flooding.unknownUnicast(), "defaults: on");

            segment.floodTo("127.0.0.2").floodTo("127.0.0.3");
            InetAddress two = InetAddress.getByName("127.0.0.2");
            InetAddress three = InetAddress.getByName("127.0.0.3");
            assertEquals(List.of(two, three), flooding.remotes(), "a live view: sees changes made after it was taken");
            assertThrows(
                    UnsupportedOperationException.class,
                    () -> flooding.remotes().add(two));

            segment.stopFloodingTo(two);
            assertEquals(List.of(three), segment.flooding().remotes());
            assertFalse(flooding.isEmpty());
        }
    }

    @Test
    void eachSwitchStopsItsKindOfFrameFromReachingTheOverlay() {
        try (Vtep vtep =
                Vtep.builder().localAddress("127.0.0.1").port(Ports.freeUdp()).build()) {
            Segment segment = vtep.segment(VNI).floodTo("127.0.0.2");
            LocalPort port = segment.attach(ByteBuf::release);

            port.send(frame(BROADCAST, SOURCE));
            port.send(frame(MULTICAST, SOURCE));
            port.send(frame(UNKNOWN, SOURCE));
            assertEquals(3, vtep.stats().segment(VNI).packetsToUnderlay(), "all on: every kind floods");

            segment.floodBroadcast(false).floodMulticast(false).floodUnknownUnicast(false);
            assertFalse(segment.flooding().broadcast());
            assertFalse(segment.flooding().multicast());
            assertFalse(segment.flooding().unknownUnicast());
            port.send(frame(BROADCAST, SOURCE));
            port.send(frame(MULTICAST, SOURCE));
            port.send(frame(UNKNOWN, SOURCE));
            VtepStats.SegmentStats off = vtep.stats().segment(VNI);
            assertEquals(3, off.packetsToUnderlay(), "all off: nothing more reaches the overlay");
            assertEquals(3, off.dropped(DropReason.NO_FLOOD_TARGETS), "no other local port: each one counted");

            segment.floodUnknownUnicast(true);
            port.send(frame(BROADCAST, SOURCE));
            port.send(frame(UNKNOWN, SOURCE));
            assertEquals(4, vtep.stats().segment(VNI).packetsToUnderlay(), "only unknown unicast is on again");
        }
    }
}
