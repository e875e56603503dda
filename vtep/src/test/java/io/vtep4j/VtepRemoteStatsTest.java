package io.vtep4j;

import static io.vtep4j.testing.Frames.BROADCAST;
import static io.vtep4j.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vtep4j.encap.DropReason;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-remote-VTEP counters: two VTEPs on 127.0.0.1/2 count each other's traffic; counters are bounded and reclaimed. */
class VtepRemoteStatsTest {

    static final int VNI = 5001;
    static final Duration WAIT = Duration.ofSeconds(10);
    static final long MAC_A = MacAddress.parse("02:00:00:00:00:0a");
    static final long MAC_B = MacAddress.parse("02:00:00:00:00:0b");
    static final int VXLAN_HEADER = 8;

    @RegisterExtension
    final Closer closeables = new Closer();

    InetAddress addrA;
    InetAddress addrB;
    Vtep a;
    Vtep b;
    Sink sinkA = new Sink();
    Sink sinkB = new Sink();

    @BeforeEach
    void start() throws Exception {
        int port = Ports.freeUdp();
        addrA = InetAddress.getByName("127.0.0.1");
        addrB = InetAddress.getByName("127.0.0.2");
        a = vtep("127.0.0.1", port);
        b = vtep("127.0.0.2", port);
        closeables.add(sinkA);
        closeables.add(sinkB);
    }

    Vtep vtep(String address, int port) {
        Vtep v = Vtep.builder()
                .localAddress(address)
                .port(port)
                .sweepInterval(Duration.ofMillis(20))
                .build();
        closeables.addFirst(v);
        return v;
    }

    static ByteBuf take(Sink sink) throws InterruptedException {
        ByteBuf f = sink.poll(WAIT.toMillis());
        assertNotNull(f, "no frame arrived");
        return f;
    }

    @Test
    void countersMatchTheTrafficSentBetweenTwoVteps() throws Exception {
        LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach("a", sinkA);
        LocalPort pb = b.segment(VNI).floodTo("127.0.0.1").attach("b", sinkB);
        pa.send(frame(BROADCAST, MAC_A, 100, 1)); // one head-end replica to B; B learns MAC_A
        take(sinkB).release();
        for (int i = 0; i < 5; i++) {
            pb.send(frame(MAC_A, MAC_B, 200, i)); // unicast to A; A learns MAC_B
            take(sinkA).release();
        }
        for (int i = 0; i < 3; i++) {
            pa.send(frame(MAC_B, MAC_A, 300, i));
            take(sinkB).release();
        }
        pa.send(frame(MAC_B, MAC_A, 1500, 9)); // 1500 + 8 + 8 + 20 > MTU 1500: dropped, counted against B

        RemoteStats toB = a.stats().remote(addrB).orElseThrow();
        assertEquals(4, toB.packetsOut());
        assertEquals(100 + 3 * 300 + 4 * VXLAN_HEADER, toB.bytesOut());
        assertEquals(1, toB.floodCopies());
        assertEquals(5, toB.packetsIn());
        assertEquals(5 * (200 + VXLAN_HEADER), toB.bytesIn());
        assertEquals(1, toB.dropped(DropReason.MTU_EXCEEDED));
        assertTrue(toB.lastSeen().isPresent(), "B's packets arrived");

        RemoteStats toA = b.stats().remote(addrA).orElseThrow();
        assertEquals(5, toA.packetsOut());
        assertEquals(0, toA.floodCopies());
        assertEquals(4, toA.packetsIn());
        assertEquals(100 + 3 * 300 + 4 * VXLAN_HEADER, toA.bytesIn());
        assertEquals(1, a.stats().remotes().size());
        assertEquals(0, a.stats().uncountedRemotePackets());

        assertEquals(4, LiveCounters.read(a, addrB, LiveCounters.Counter.PACKETS_TO_UNDERLAY));
        assertEquals(1, LiveCounters.read(a, addrB, LiveCounters.Counter.FLOODS));
        assertEquals(1, LiveCounters.dropped(a, addrB, DropReason.MTU_EXCEEDED));
        assertEquals(List.of(addrB), LiveCounters.remotes(a));

        // minus keeps working: what happened between two snapshots, per remote too.
        VtepStats before = a.stats();
        pa.send(frame(MAC_B, MAC_A, 64, 0));
        take(sinkB).release();
        RemoteStats delta = a.stats().minus(before).remote(addrB).orElseThrow();
        assertEquals(1, delta.packetsOut());
        assertEquals(64 + VXLAN_HEADER, delta.bytesOut());
        assertEquals(0, delta.packetsIn());
    }

    @Test
    void aRemoteLosesItsCountersWhenTheLastReferenceGoes() throws Exception {
        Segment segA = a.segment(VNI).floodTo("127.0.0.2");
        LocalPort pa = segA.attach("a", sinkA);
        Segment segB = b.segment(VNI).floodTo("127.0.0.1").allowRemotes("127.0.0.1");
        segB.attach("b", sinkB);
        pa.send(frame(BROADCAST, MAC_A));
        take(sinkB).release();
        assertTrue(b.stats().remote(addrA).isPresent());

        // Still referred to by the learned MAC and the allow-list after the flood target goes.
        segB.stopFloodingTo(addrA);
        awaitSweeps(b);
        assertTrue(b.stats().remote(addrA).isPresent(), "the table entry and the allow-list still refer to A");
        segB.allowRemotes(java.util.Set.of());
        awaitSweeps(b);
        assertTrue(b.stats().remote(addrA).isPresent(), "the table entry still refers to A");
        assertTrue(b.forwardingTable().remove(VNI, MAC_A));
        Await.until(
                WAIT,
                () -> b.stats().remote(addrA).isEmpty(),
                () -> "remotes: " + b.stats().remotes());

        // A flood target alone keeps a remote's counters.
        segA.stopFloodingTo(addrB);
        segA.floodTo("127.0.0.2");
        awaitSweeps(a);
        assertTrue(a.stats().remote(addrB).isPresent(), "A floods to B");
        segA.stopFloodingTo(addrB);
        Await.until(
                WAIT,
                () -> a.stats().remote(addrB).isEmpty(),
                () -> "remotes: " + a.stats().remotes());
    }

    @Test
    void theBoundHoldsUnderManySpoofedSourcesAndTheyGoWithTheirMacs() throws Exception {
        LocalPort pa = a.segment(VNI).floodTo("127.0.0.2").attach("a", ByteBuf::release);
        b.segment(VNI).floodTo("127.0.0.1").attach("b", ByteBuf::release);
        pa.send(frame(BROADCAST, MAC_A));
        Await.until(
                WAIT,
                () -> b.stats().remote(addrA).isPresent(),
                () -> "remotes: " + b.stats().remotes());

        RemoteTraffic traffic = b.runtime.forwarder().traffic();
        int spoofed = traffic.capacity() + 1000;
        for (int i = 0; i < spoofed; i++) {
            InetAddress source = InetAddress.getByAddress(new byte[] {10, 77, (byte) (i >>> 8), (byte) i});
            b.runtime.forwarder().received(Unpooled.wrappedBuffer(spoofedPacket(i)), source);
            b.runtime.forwarder().readComplete();
        }
        VtepStats stats = b.stats();
        assertEquals(traffic.capacity(), stats.remotes().size(), "at the cap, never past it");
        // Each spoofed source past the cap sent one packet; the sweep may have freed a few slots meanwhile.
        assertTrue(
                stats.uncountedRemotePackets() > 0
                        && stats.uncountedRemotePackets() <= spoofed + 1 - traffic.capacity(),
                () -> "uncounted: " + stats.uncountedRemotePackets() + " "
                        + b.forwardingTable().counters());
        assertTrue(stats.remote(addrA).isPresent(), "an established remote keeps its counters");

        b.forwardingTable().flushVni(VNI);
        Await.until(
                WAIT,
                () -> b.stats().remotes().keySet().equals(java.util.Set.of(addrA)),
                () -> "remotes: " + b.stats().remotes().size());
        assertFalse(b.stats().remote(InetAddress.getByName("10.77.0.1")).isPresent());
    }

    /** A VXLAN packet (RFC 7348 §5: flags 0x08, VNI) carrying a 64-byte broadcast from a MAC made of {@code i}. */
    static byte[] spoofedPacket(int i) {
        byte[] packet = new byte[VXLAN_HEADER + 64];
        packet[0] = 0x08;
        packet[4] = (byte) (VNI >>> 16);
        packet[5] = (byte) (VNI >>> 8);
        packet[6] = (byte) VNI;
        for (int j = 0; j < 6; j++) {
            packet[VXLAN_HEADER + j] = (byte) 0xff;
        }
        packet[VXLAN_HEADER + 6] = 0x02;
        packet[VXLAN_HEADER + 7] = 0x10;
        packet[VXLAN_HEADER + 10] = (byte) (i >>> 8);
        packet[VXLAN_HEADER + 11] = (byte) i;
        packet[VXLAN_HEADER + 12] = 0x08; // IPv4
        return packet;
    }

    static void awaitSweeps(Vtep v) {
        long sweeps = v.runtime.sweeps();
        Await.until(WAIT, () -> v.runtime.sweeps() >= sweeps + 2, () -> "sweeps: " + v.runtime.sweeps());
    }
}
