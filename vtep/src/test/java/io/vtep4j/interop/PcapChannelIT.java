package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.vtep4j.internal.pcap.PcapChannel;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Frames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PcapChannel against a real kernel host: capture direction IN only, injection, close, missing privilege. */
class PcapChannelIT {

    private static final String OUR_MAC = "02:00:00:00:09:02";
    private static final long OUR_MAC_BITS = MacAddress.parse(OUR_MAC);

    private Lab lab;
    private Namespace host;
    private String hostMac;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool", "setpriv");
    }

    @BeforeEach
    void network() {
        lab = new Lab("pcap");
        host = lab.namespace("h");
        lab.veth(host, "h-eth", "10.50.9.1/24", Namespace.SELF, "pc-h", null);
        hostMac = host.macOf("h-eth");
    }

    @AfterEach
    void teardown() {
        lab.close();
    }

    @Test
    void injectedArpRequestIsAnsweredAndOnlyTheAnswerIsCaptured() {
        BlockingQueue<ByteBuf> captured = new LinkedBlockingQueue<>();
        List<ByteBuf> seen = new ArrayList<>();
        try (PcapChannel channel = PcapChannel.open("pc-h", true, ByteBufAllocator.DEFAULT, captured::add)) {
            long hostRx = host.counter("h-eth", "rx_packets");
            assertTrue(channel.inject(Frames.arpRequest(OUR_MAC_BITS, "10.50.9.2", "10.50.9.1")));
            Await.until(
                    Duration.ofSeconds(5),
                    () -> {
                        captured.drainTo(seen);
                        return seen.stream().anyMatch(f -> Frames.isArpReplyTo(f, OUR_MAC_BITS));
                    },
                    () -> "captured " + seen.size() + " frames, none an ARP reply to " + OUR_MAC);
            assertTrue(host.counter("h-eth", "rx_packets") > hostRx, "the host never received our frame");
            ByteBuf reply = seen.stream()
                    .filter(f -> Frames.isArpReplyTo(f, OUR_MAC_BITS))
                    .findFirst()
                    .orElseThrow();
            assertEquals(hostMac, MacAddress.toString(Frames.source(reply)));
            assertTrue(reply.readerIndex() >= PcapChannel.HEADROOM, "headroom for in-place encapsulation");
            // Direction IN: what we injected never comes back through the capture.
            assertFalse(seen.stream().anyMatch(f -> Frames.source(f) == OUR_MAC_BITS), "re-captured our own frame");
            assertEquals(1, channel.sent());
            assertTrue(channel.received() >= 1);
        } finally {
            captured.drainTo(seen);
            seen.forEach(ByteBuf::release);
        }
    }

    @Test
    void framesLongerThanTheSnapLengthAreCountedNotForwardedCutShort() {
        host.ok("ip", "link", "set", "h-eth", "mtu", "9500");
        Namespace.SELF.ok("ip", "link", "set", "pc-h", "mtu", "9500");
        host.neighbour("h-eth", "10.50.9.2", OUR_MAC); // no ARP: the jumbo echo request goes out at once
        BlockingQueue<ByteBuf> captured = new LinkedBlockingQueue<>();
        List<ByteBuf> seen = new ArrayList<>();
        try (PcapChannel channel = PcapChannel.open("pc-h", true, ByteBufAllocator.DEFAULT, captured::add)) {
            host.run(Duration.ofSeconds(5), "ping", "-c", "1", "-W", "1", "-M", "do", "-s", "9400", "10.50.9.2");
            Await.until(
                    Duration.ofSeconds(5),
                    () -> channel.truncated() >= 1,
                    () -> "truncated " + channel.truncated() + ", received " + channel.received());
            captured.drainTo(seen);
            assertTrue(
                    seen.stream().allMatch(f -> f.readableBytes() <= PcapChannel.SNAP_LENGTH),
                    "a cut frame was forwarded");
        } finally {
            captured.drainTo(seen);
            seen.forEach(ByteBuf::release);
        }
    }

    @Test
    void closeStopsTheReceiveThreadAndLaterInjectsFailWithoutLeaking() {
        PcapChannel channel = PcapChannel.open("pc-h", true, ByteBufAllocator.DEFAULT, ByteBuf::release);
        long start = System.nanoTime();
        channel.close();
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(3).toNanos(), "close took too long");
        assertFalse(channel.isOpen());
        assertTrue(
                Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().equals("vtep4j-pcap-pc-h")),
                "receive thread still alive");
        ByteBuf frame = Unpooled.buffer(60).writeZero(60);
        assertFalse(channel.inject(frame));
        assertEquals(0, frame.refCnt(), "inject must release what it was given");
        assertEquals(1, channel.sendErrors());
        channel.close(); // idempotent
    }

    @Test
    void unknownInterfaceIsRejectedByName() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> PcapChannel.open("nosuch0", true, ByteBufAllocator.DEFAULT, ByteBuf::release));
        assertTrue(e.getMessage().contains("nosuch0"), e.getMessage());
    }

    @Test
    void withoutCapNetRawOpeningFailsNamingInterfaceAndPermission() {
        String java = ProcessHandle.current().info().command().orElseThrow();
        Cmd.Result probe = Cmd.run(
                Duration.ofSeconds(30),
                "setpriv",
                "--bounding-set",
                "-net_raw",
                "--inh-caps",
                "-net_raw",
                "--",
                java,
                "-cp",
                System.getProperty("java.class.path"),
                PcapOpenProbe.class.getName(),
                "pc-h");
        assertTrue(probe.ok(), probe::describe);
        assertTrue(
                probe.stdout()
                        .contains("java.lang.IllegalStateException: PcapPort pc-h: capturing and "
                                + "injecting frames needs root or CAP_NET_RAW"),
                probe::describe);
    }
}
