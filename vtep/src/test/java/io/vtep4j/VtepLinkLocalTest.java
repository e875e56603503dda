package io.vtep4j;

import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** IEEE 802.1D link-local frames (01:80:C2:00:00:00..0F) stay where they are, unless a segment is told otherwise. */
class VtepLinkLocalTest {

    static final int VNI = 9;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long STP = MacAddress.parse("01:80:c2:00:00:00");
    static final long LACP = MacAddress.parse("01:80:c2:00:00:02");
    static final long LLDP = MacAddress.parse("01:80:c2:00:00:0e");
    static final long LAST_RESERVED = MacAddress.parse("01:80:c2:00:00:0f");
    /** The first address after the reserved block: an ordinary multicast (GARP's), flooded as usual. */
    static final long FIRST_ORDINARY = MacAddress.parse("01:80:c2:00:00:10");

    @Test
    void linkLocalFramesAreDroppedInBothDirectionsByDefaultAndForwardedWhenASegmentAllowsThem() throws Exception {
        int port = Ports.freeUdp();
        try (Sink local = new Sink();
                Sink remote = new Sink();
                Vtep a = Vtep.builder().localAddress("127.0.0.1").port(port).build();
                Vtep b = Vtep.builder().localAddress("127.0.0.2").port(port).build()) {
            Segment sa = a.segment(VNI).floodTo("127.0.0.2");
            LocalPort pa = sa.attach(ByteBuf::release);
            sa.attach(local);
            Segment sb = b.segment(VNI);
            sb.attach(remote);
            assertFalse(sa.forwardsLinkLocal());

            long host = MacAddress.parse("02:00:00:00:00:01");
            for (long dst : new long[] {STP, LACP, LLDP, LAST_RESERVED}) {
                pa.send(frame(dst, host));
            }
            pa.send(frame(FIRST_ORDINARY, host));
            for (Sink sink : new Sink[] {local, remote}) {
                ByteBuf f = sink.poll(WAIT.toMillis());
                assertNotNull(f, "the ordinary multicast is flooded");
                assertEquals(FIRST_ORDINARY, Frames.destination(f));
                f.release();
            }
            assertEquals(4, a.stats().dropped(DropReason.LINK_LOCAL_FRAME));
            assertEquals(4, a.stats().segment(VNI).dropped(DropReason.LINK_LOCAL_FRAME));
            assertEquals(0, local.size());
            assertEquals(0, remote.size());

            // A's segment lets STP out now; B's still refuses it from the underlay.
            assertTrue(sa.forwardLinkLocal(true).forwardsLinkLocal());
            pa.send(frame(STP, host));
            ByteBuf f = local.poll(WAIT.toMillis());
            assertNotNull(f, "A's other local port gets it");
            assertEquals(STP, Frames.destination(f));
            f.release();
            Await.until(
                    WAIT,
                    () -> b.stats().dropped(DropReason.LINK_LOCAL_FRAME) == 1,
                    () -> b.stats().toString());
            assertNull(remote.poll(0));

            sb.forwardLinkLocal(true);
            pa.send(frame(STP, host));
            f = remote.poll(WAIT.toMillis());
            assertNotNull(f, "both ends allow it: delivered across the overlay");
            assertEquals(STP, Frames.destination(f));
            f.release();
            local.close();
        }
    }

    @Test
    void theBuilderSetsTheDefaultOfNewSegments() throws Exception {
        try (Vtep v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .forwardLinkLocal(true)
                .build()) {
            assertTrue(v.segment(1).forwardsLinkLocal());
            assertFalse(v.segment(2).forwardLinkLocal(false).forwardsLinkLocal());
            assertTrue(v.segment(1).forwardsLinkLocal(), "per segment");
        }
    }
}
