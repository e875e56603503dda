package io.vtep4j.examples.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.IoEventLoop;
import io.vtep4j.Vtep;
import io.vtep4j.encap.Ethernet;
import io.vtep4j.examples.demo.Addresses;
import io.vtep4j.examples.demo.Frames;
import io.vtep4j.internal.afpacket.RingChannel;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.learning.ForwardingTable;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The AF_PACKET trunk's receive side without a socket: the gateway starts on one event loop as
 * {@link Gateway#startAfPacket} starts it, with a channel opener that hands back a channel of the test's and keeps the
 * trunk's {@link RingSink}; the test then plays the receive ring on that loop (read-ahead pass, frames, batch end)
 * with frames held in one buffer, and a peer {@link Vtep} on 127.0.0.2 receives what the gateway sends.
 */
class AfPacketTrunkTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final long WAIT_MS = 3000;
    private static final long H1 = MacAddress.parse("02:00:00:00:01:01");
    private static final long H2 = MacAddress.parse("02:00:00:00:01:02");
    private static final int VNI = 10100;

    private final AtomicReference<RingSink> ringSink = new AtomicReference<>();
    private final AtomicReference<IoEventLoop> loop = new AtomicReference<>();
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final BlockingQueue<ByteBuf> atPeer = new LinkedBlockingQueue<>();
    private Vtep peer;
    private Gateway gateway;

    /** A channel with nothing underneath: sends are released and refused, counters stay at zero. */
    private static final class NoChannel implements RingChannel {
        @Override
        public boolean send(ByteBuf frame, int vlanTci) {
            frame.release();
            return false;
        }

        @Override
        public long received() {
            return 0;
        }

        @Override
        public long sent() {
            return 0;
        }

        @Override
        public long sendFailures() {
            return 0;
        }

        @Override
        public long truncated() {
            return 0;
        }

        @Override
        public long overruns() {
            return 0;
        }

        @Override
        public void close() {}
    }

    private void start() throws Exception {
        peer = GatewayTest.loopbackPeer();
        peer.segment(VNI).attach("peer", atPeer::add);
        GatewayOptions options = new GatewayOptions();
        options.local = "127.0.0.1";
        options.port = "fake0";
        options.dstPort = Integer.toString(peer.boundAddresses().get(0).getPort());
        options.vlans.add("100:" + VNI);
        options.flood.add(VNI + "=127.0.0.2");
        gateway = Gateway.startOnLoop(
                options.toConfig(),
                l -> sink -> AfPacketTrunk.open("fake0", l, sink, log::add, (channelLoop, name, trunk) -> {
                    loop.set(channelLoop);
                    ringSink.set(trunk);
                    return new NoChannel();
                }));
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        if (peer != null) {
            peer.close();
        }
        atPeer.forEach(ByteBuf::release);
    }

    @Test
    void aRingBatchReachesThePeerUntaggedInItsVlansVniAndTheRingIsOnlyRead() throws Exception {
        start();
        assertNotNull(ringSink.get(), "the opener was handed the trunk as its sink");
        // both hosts were last seen behind another VTEP: the batch moves them behind the VLAN's port
        ForwardingTable table = gateway.vtep().forwardingTable();
        Location elsewhere = Location.remote(InetAddress.getByName("127.0.0.3"));
        table.learn(VNI, H1, elsewhere);
        table.learn(VNI, H2, elsewhere);
        ByteBuf first = Frames.arpRequest(ALLOC, H1, Addresses.ipv4("10.1.0.1"), Addresses.ipv4("10.1.0.9"));
        ByteBuf second = Ethernet.pushVlanTag(
                Frames.arpRequest(ALLOC, H2, Addresses.ipv4("10.1.0.2"), Addresses.ipv4("10.1.0.9")), 100);
        // a block: the first frame without its tag (the kernel reports VLAN 100 beside it), the second with it inline
        int at1 = 48;
        int at2 = 256;
        ByteBuf ring = ALLOC.directBuffer(512, 512).writeZero(512);
        ByteBuf before = null;
        try {
            ring.setBytes(at1, first, first.readerIndex(), first.readableBytes());
            ring.setBytes(at2, second, second.readerIndex(), second.readableBytes());
            before = ring.copy();
            int length1 = first.readableBytes();
            int length2 = second.readableBytes();
            long[] read = loop.get()
                    .submit(() -> {
                        RingSink sink = ringSink.get();
                        long[] r = {sink.readAhead(ring, at1, length1, 100), sink.readAhead(ring, at2, length2, -1)};
                        sink.frame(ring, at1, length1, 100, 0x8100);
                        sink.frame(ring, at2, length2, -1, 0x8100);
                        sink.batchEnd();
                        return r;
                    })
                    .get(WAIT_MS, TimeUnit.MILLISECONDS);
            assertNotEquals(0, read[0], "read ahead in VLAN 100's VNI, where the source's slot holds its key");
            assertNotEquals(0, read[1], "the same with the tag inline");
            assertTrue(ByteBufUtil.equals(before, ring), "the trunk copies frames out of the ring, never writes it");
            assertArrives(H1);
            assertArrives(H2);
            assertFalse(table.lookup(VNI, H1).isRemote(), "learned behind the VLAN's port");
            assertFalse(table.lookup(VNI, H2).isRemote(), "learned behind the VLAN's port from the inline tag");
            assertEquals(0, gateway.vtep().stats().totalDrops());
            assertEquals(Map.of(), gateway.gatewayDrops());
            assertEquals(List.of(), log, "nothing to report about the trunk");
        } finally {
            if (before != null) {
                before.release();
            }
            ring.release();
            first.release();
            second.release();
        }
    }

    private void assertArrives(long source) throws InterruptedException {
        ByteBuf got = atPeer.poll(WAIT_MS, TimeUnit.MILLISECONDS);
        assertNotNull(got, "no frame arrived within " + WAIT_MS + " ms");
        try {
            assertEquals(source, Frames.sourceMac(got));
            assertEquals(-1, Ethernet.vlanId(got, got.readerIndex()), "the VXLAN inner frame carries no tag");
        } finally {
            got.release();
        }
    }
}
