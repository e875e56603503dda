package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.IoEventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.util.ResourceLeakDetector;
import io.vtep4j.XdpMode;
import io.vtep4j.internal.afpacket.AfPacketChannel;
import io.vtep4j.internal.afpacket.RingSink;
import io.vtep4j.internal.xdp.XdpChannel;
import io.vtep4j.internal.xdp.XdpOptions;
import io.vtep4j.testing.LoopAllocation;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * XdpChannel on one end of a veth pair in the test's namespace, an AfPacketChannel on the other: frames sent into
 * the veth reach the XDP socket with their tags in the frame, frames the XDP socket sends arrive at the peer (tagged
 * ones with the tag where the kernel puts it), and closing leaves no XDP program attached.
 */
class XdpChannelIT {
    private Lab lab;
    private MultiThreadIoEventLoopGroup group;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "ethtool");
    }

    @BeforeEach
    void network() {
        lab = new Lab("xdp");
        lab.veth(Namespace.SELF, "xdp-a", null, Namespace.SELF, "xdp-b", null);
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    }

    @AfterEach
    void teardown() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        lab.close();
    }

    /** {@code ip link} says "xdp" / "xdpgeneric" (with the program's id) after the MTU when a program is attached. */
    private static final Pattern XDP = Pattern.compile("\\sxdp(generic|drv|offload|multi)?[\\s/]|prog/xdp");

    private static boolean xdpAttached(String device) {
        return XDP.matcher(Cmd.ok("ip", "link", "show", "dev", device)).find();
    }

    /**
     * In each mode (the default, on a veth, is generic): the program is attached as asked, and frames sent into the
     * veth reach the socket, tags in the frame.
     */
    @ParameterizedTest
    @CsvSource({"AUTO, generic, xdpgeneric", "GENERIC, generic, xdpgeneric", "NATIVE, native, xdp"})
    void framesIntoTheVethReachTheSocketWithTheirTagsInline(XdpMode mode, String attached, String ipLinkSays)
            throws Exception {
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        CountingSink sink = new CountingSink();
        XdpChannel xdp =
                XdpChannel.open(loopB, "xdp-b", sink, XdpOptions.defaults().withMode(mode));
        AfPacketChannel peer = AfPacketChannel.open(
                loopA, "xdp-a", new CountingSink(), AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        try {
            assertTrue(xdpAttached("xdp-b"), "program attached (" + xdp.attachMode() + ")");
            assertEquals(attached, xdp.attachMode(), mode.name());
            String link = Cmd.ok("ip", "link", "show", "dev", "xdp-b");
            assertTrue(Pattern.compile("\\s" + ipLinkSays + "\\s").matcher(link).find(), link);
            assertEquals(32L << 20, xdp.umemBytes(), "root may lock the full UMEM");
            loopA.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            peer.send(CountingSink.frame(i), 0x2000 | 100); // PCP 1, VID 100
                        }
                        peer.flush();
                    })
                    .sync();
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == 10, () -> sink.frames + " of 10 frames");
            assertEquals(-1, sink.lastTci, "XDP reports no out-of-band tag");
            assertEquals(0x8100, sink.lastEtherType, "the tag is in the frame");
            assertEquals(0x2000 | 100, sink.lastInnerTci);
            assertEquals(64, sink.lastLength);
            loopA.submit(() -> {
                        peer.send(CountingSink.frame(10), -1);
                        peer.flush();
                    })
                    .sync();
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == 11, () -> sink.frames + " of 11 frames");
            assertEquals(0x88B5, sink.lastEtherType, "untagged stays untagged");
            assertEquals(60, sink.lastLength);
            assertEquals(11, xdp.received());
            assertEquals(0, xdp.overruns());
        } finally {
            peer.close();
            xdp.close();
        }
        Await.until(Duration.ofSeconds(5), () -> !xdpAttached("xdp-b"), () -> Cmd.ok("ip", "link", "show", "xdp-b"));
    }

    private static final int SOL_SOCKET = 1;
    private static final int SO_BUSY_POLL = 46;
    private static final int SO_PREFER_BUSY_POLL = 69;
    private static final int SO_INCOMING_NAPI_ID = 56;

    private static int socketOption(int fd, int option) {
        int[] value = new int[1];
        int[] length = {4};
        assertEquals(0, Limits.LIBC.getsockopt(fd, SOL_SOCKET, option, value, length), "getsockopt " + option);
        return value[0];
    }

    /**
     * With busy polling and the veth deferring its interrupts to the socket's polls (napi_defer_hard_irqs,
     * gro_flush_timeout), every frame of bursts spread over time still arrives: the first of a burst through the
     * device's deferred round, the rest through the loop's own polls, which stop when a round finds nothing.
     */
    @Test
    void aBusyPolledSocketReceivesEveryFrameWhileTheDeviceDefersItsInterrupts() throws Exception {
        Cmd.ok("sh", "-c", "echo 2 > /sys/class/net/xdp-b/napi_defer_hard_irqs");
        Cmd.ok("sh", "-c", "echo 1000000 > /sys/class/net/xdp-b/gro_flush_timeout");
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        CountingSink sink = new CountingSink();
        XdpChannel xdp = XdpChannel.open(
                loopB, "xdp-b", sink, XdpOptions.defaults().withBusyPoll(50).withMode(XdpMode.NATIVE));
        AfPacketChannel peer = AfPacketChannel.open(
                loopA, "xdp-a", new CountingSink(), AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        try {
            int fd = xdp.fd(0).intValue();
            assertEquals(50, socketOption(fd, SO_BUSY_POLL));
            assertEquals(1, socketOption(fd, SO_PREFER_BUSY_POLL));
            // SO_BUSY_POLL_BUDGET cannot be read back (getsockopt does not know it); setting it failed open if refused
            int bursts = 20;
            int perBurst = 200;
            for (int b = 0; b < bursts; b++) {
                int expected = (b + 1) * perBurst;
                loopA.submit(() -> {
                            for (int i = 0; i < perBurst; i++) {
                                peer.send(CountingSink.frame(i), -1);
                            }
                            peer.flush();
                        })
                        .sync();
                // each burst in full before the next: the loop must have found its way back to waiting on epoll
                Await.until(
                        Duration.ofSeconds(5),
                        () -> sink.frames.get() == expected,
                        () -> sink.frames + " of " + expected + " frames, overruns " + xdp.overruns());
            }
            assertEquals(bursts * perBurst, xdp.received());
            assertEquals(0, xdp.overruns());
            // the loop drives the receive only where the kernel linked the socket to a NAPI context (a veth on
            // Linux 6.14 and later has none to offer): the channel says which, consistently with the kernel
            int napiId = socketOption(fd, SO_INCOMING_NAPI_ID);
            assertEquals(napiId != 0, xdp.busyPolling(), "NAPI id " + napiId);
        } finally {
            peer.close();
            xdp.close();
        }
    }

    /**
     * The channel's loop allocates nothing per frame: it receives the peer's frames into the UMEM and hands them to the
     * sink in place, and copies the frames it sends into UMEM chunks (the same buffer sent again and again, retained
     * for each send). Measured on the loop's thread over 300 bursts of 64 frames each way after 200 of warm-up.
     */
    @Test
    void theLoopAllocatesNothingPerFrameEitherWay() throws Exception {
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        Semaphore arrived = new Semaphore(0);
        RingSink counting = new RingSink() {
            @Override
            public void frame(ByteBuf ring, int offset, int length, int vlanTci, int vlanTpid) {
                if (length >= 14 && ring.getShort(offset + 6) == (short) 0x02AF) {
                    arrived.release();
                }
            }

            @Override
            public void batchEnd() {}
        };
        XdpChannel xdp = XdpChannel.open(loopB, "xdp-b", counting, XdpOptions.defaults());
        AfPacketChannel peer = AfPacketChannel.open(
                loopA, "xdp-a", new CountingSink(), AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        // The PARANOID leak detector records a stack trace at every retain of a tracked buffer: that is its cost, not
        // the channel's. Buffers allocated while it is off are not tracked.
        ResourceLeakDetector.Level level = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        ByteBuf toPeer = CountingSink.frame(1);
        ByteBuf toXdp = CountingSink.frame(2);
        ResourceLeakDetector.setLevel(level);
        try {
            int burst = 64;
            Runnable peerBurst = () -> {
                for (int i = 0; i < burst; i++) {
                    peer.send(toXdp.retain(), -1);
                }
                peer.flush();
            };
            Runnable xdpBurst = () -> {
                for (int i = 0; i < burst; i++) {
                    xdp.send(toPeer.retain(), -1);
                }
                xdp.flush();
                loopA.execute(peerBurst); // the peer's frames come back to this loop's ring
            };
            long perFrame = LoopAllocation.bytesPerPacket(loopB, xdpBurst, arrived, burst, 200, 300);
            // one hand-over task to the peer's loop per burst of 64 is all the loop may allocate: < 16 B a frame
            assertTrue(perFrame < 16, perFrame + " B per frame on the XDP channel's loop");
            assertEquals(0, xdp.overruns());
        } finally {
            peer.close();
            xdp.close();
            toPeer.release();
            toXdp.release();
        }
    }

    private static final int CAP_IPC_LOCK = 14;
    private static final int RLIMIT_MEMLOCK = 8;

    interface Limits extends Library {
        Limits LIBC = Native.load("c", Limits.class);

        int getrlimit(int resource, long[] limit);

        int setrlimit(int resource, long[] limit);

        int capget(int[] header, int[] data);

        int capset(int[] header, int[] data);

        int getsockopt(int fd, int level, int name, int[] value, int[] length);
    }

    /**
     * A process that may lock only 8-16 MiB (RLIMIT_MEMLOCK, on a thread without CAP_IPC_LOCK: capabilities are per
     * thread) still gets an AF_XDP socket: with a quarter of the 32 MiB UMEM, which still receives.
     */
    @Test
    void whereTheFullUmemCannotBeLockedAQuarterOfItIsUsed() throws Exception {
        long[] saved = new long[2];
        assertEquals(0, Limits.LIBC.getrlimit(RLIMIT_MEMLOCK, saved), "getrlimit");
        AtomicReference<Object> opened = new AtomicReference<>();
        CountingSink sink = new CountingSink();
        IoEventLoop loopB = group.next();
        try {
            // 8..16 MiB: enough for the quarter, not for the whole (the hard limit may be below 16 MiB, often 8)
            long soft = saved[1] < 0 ? 16L << 20 : Math.min(16L << 20, saved[1]); // -1: RLIM_INFINITY
            assertTrue(soft >= 8L << 20, "the hard RLIMIT_MEMLOCK " + saved[1] + " is below the 8 MiB the test needs");
            assertEquals(0, Limits.LIBC.setrlimit(RLIMIT_MEMLOCK, new long[] {soft, saved[1]}), "setrlimit");
            Thread opener = new Thread(() -> {
                try {
                    int[] header = {0x20080522, 0}; // _LINUX_CAPABILITY_VERSION_3
                    int[] data = new int[6];
                    assertEquals(0, Limits.LIBC.capget(header, data), "capget");
                    data[0] &= ~(1 << CAP_IPC_LOCK);
                    assertEquals(0, Limits.LIBC.capset(header, data), "capset");
                    opened.set(XdpChannel.open(loopB, "xdp-b", sink, XdpOptions.defaults()));
                } catch (Throwable t) {
                    opened.set(t);
                }
            });
            opener.start();
            opener.join(30_000);
        } finally {
            Limits.LIBC.setrlimit(RLIMIT_MEMLOCK, saved);
        }
        if (!(opened.get() instanceof XdpChannel xdp)) {
            throw new AssertionError("open failed: " + opened.get());
        }
        IoEventLoop loopA = group.next();
        AfPacketChannel peer = AfPacketChannel.open(
                loopA, "xdp-a", new CountingSink(), AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        try {
            assertEquals(8L << 20, xdp.umemBytes(), "a quarter of the 32 MiB default");
            loopA.submit(() -> {
                        for (int i = 0; i < 10; i++) {
                            peer.send(CountingSink.frame(i), -1);
                        }
                        peer.flush();
                    })
                    .sync();
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == 10, () -> sink.frames + " of 10 frames");
        } finally {
            peer.close();
            xdp.close();
        }
    }

    @Test
    void framesTheSocketSendsArriveAtThePeer() throws Exception {
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        CountingSink sink = new CountingSink();
        AfPacketChannel peer =
                AfPacketChannel.open(loopA, "xdp-a", sink, AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        XdpChannel xdp = XdpChannel.open(loopB, "xdp-b", new CountingSink(), XdpOptions.defaults());
        int tagged = 300; // more than one kick sends, more than one batch
        try {
            loopB.submit(() -> {
                        for (int i = 0; i < tagged; i++) {
                            assertTrue(xdp.send(CountingSink.frame(i), 0x2000 | 200));
                        }
                    })
                    .sync();
            Await.until(
                    Duration.ofSeconds(5),
                    () -> sink.frames.get() == tagged,
                    () -> sink.frames + " of " + tagged + " frames, sent " + xdp.sent());
            assertEquals(0x2000 | 200, sink.lastTci, "the peer's kernel took the tag out of the frame");
            assertEquals(0x88B5, sink.lastEtherType);
            // off the loop: handed over to it
            assertTrue(xdp.send(CountingSink.frame(1000), -1));
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == tagged + 1, () -> sink.frames + " frames");
            assertEquals(-1, sink.lastTci, "untagged stays untagged");
            Await.until(Duration.ofSeconds(5), () -> xdp.sent() == tagged + 1, () -> "completed " + xdp.sent());
            assertEquals(0, xdp.sendFailures());
            // too long for a chunk: refused at once, nothing queued
            ByteBuf jumbo = ByteBufAllocator.DEFAULT.directBuffer(3000).writeZero(3000);
            assertFalse(loopB.submit(() -> xdp.send(jumbo, -1)).get(5, TimeUnit.SECONDS));
            assertEquals(0, jumbo.refCnt(), "the refused frame was released");
        } finally {
            xdp.close();
            peer.close();
        }
        Await.until(Duration.ofSeconds(5), () -> !xdpAttached("xdp-b"), () -> Cmd.ok("ip", "link", "show", "xdp-b"));
    }

    @Test
    void aSecondChannelOnTheSameQueueFailsCleanlyAndLeavesTheFirstWorking() throws Exception {
        IoEventLoop loopA = group.next();
        IoEventLoop loopB = group.next();
        CountingSink sink = new CountingSink();
        XdpChannel first = XdpChannel.open(loopB, "xdp-b", sink, XdpOptions.defaults());
        AfPacketChannel peer = AfPacketChannel.open(
                loopA, "xdp-a", new CountingSink(), AfPacketChannel.Options.defaults(ByteBufAllocator.DEFAULT));
        try {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class,
                    () -> XdpChannel.open(loopB, "xdp-b", new CountingSink(), XdpOptions.defaults()));
            assertTrue(e.getMessage().startsWith("xdp-b: "), e.getMessage());
            loopA.submit(() -> {
                        peer.send(CountingSink.frame(1), -1);
                        peer.flush();
                    })
                    .sync();
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == 1, () -> sink.frames + " of 1 frame");
            assertTrue(xdpAttached("xdp-b"), "the failed open took nothing of the first channel's");
        } finally {
            peer.close();
            first.close();
        }
        Await.until(Duration.ofSeconds(5), () -> !xdpAttached("xdp-b"), () -> Cmd.ok("ip", "link", "show", "xdp-b"));
    }

    /**
     * Sends N frames from IFACE through the kernel's queueing layer, which picks each frame's transmit queue by its
     * flow hash: IPv4 UDP from 198.18.0.1 port 10000 + i to 198.18.0.2 port 9, source MAC 02:af:00:00:00:i (what
     * {@link CountingSink} counts). An AF_PACKET socket with {@code PACKET_QDISC_BYPASS} would pick by CPU instead.
     */
    private static final String SEND_FLOWS = String.join(
            "\n",
            "import socket, struct, sys",
            "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
            "s.bind((sys.argv[1], 0))",
            "for i in range(int(sys.argv[2])):",
            "    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 46, 0, 0, 64, 17, 0, bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))",
            "    c = sum(struct.unpack('!10H', ip))",
            "    while c >> 16:",
            "        c = (c & 0xffff) + (c >> 16)",
            "    c = ~c & 0xffff",
            "    ip = ip[:10] + struct.pack('!H', c) + ip[12:]",
            "    udp = struct.pack('!HHHH', 10000 + i, 9, 26, 0)",
            "    s.send(b'\\xff' * 6 + b'\\x02\\xaf' + struct.pack('!I', i) + b'\\x08\\x00' + ip + udp + bytes(18))");

    /**
     * A veth with two receive queues (its peer sending on two): the channel opens a socket on each and every frame
     * arrives, none of them passed to the kernel instead. In native mode the peer's 64 flows spread over both queues;
     * in generic mode the queue is the one the kernel records for the frame, which on a veth is not always the one
     * the peer sent on, so only the total is checked there.
     */
    @ParameterizedTest
    @EnumSource(
            value = XdpMode.class,
            names = {"NATIVE", "GENERIC"})
    void everyReceiveQueueHasASocketOfItsOwn(XdpMode mode) throws Exception {
        Netns.requireIsolated("/usr/bin/python3");
        lab.veth(Namespace.SELF, "xdp-c", null, Namespace.SELF, "xdp-d", null);
        Cmd.ok("ethtool", "-L", "xdp-c", "tx", "2");
        Cmd.ok("ethtool", "-L", "xdp-d", "rx", "2");
        CountingSink sink = new CountingSink();
        XdpChannel xdp = XdpChannel.open(
                group.next(), "xdp-d", sink, XdpOptions.defaults().withMode(mode));
        int frames = 64;
        try {
            assertEquals(2, xdp.queueCount());
            assertEquals(32L << 20, xdp.umemBytes(), "the queues share the UMEM one queue would have");
            Cmd.ok("/usr/bin/python3", "-c", SEND_FLOWS, "xdp-c", Integer.toString(frames));
            Await.until(Duration.ofSeconds(5), () -> sink.frames.get() == frames, () -> sink.frames + " of " + frames);
            String perQueue = "queue 0: " + xdp.received(0) + ", queue 1: " + xdp.received(1);
            if (mode == XdpMode.NATIVE) {
                assertTrue(xdp.received(0) > 0 && xdp.received(1) > 0, "the flows used both queues; " + perQueue);
            }
            assertEquals(frames, xdp.received(), perQueue);
            assertEquals(0, xdp.overruns());
        } finally {
            xdp.close();
        }
        assertFalse(xdpAttached("xdp-d"));
    }

    /**
     * Native mode asked for where the driver has none (loopback): refused with the kernel's reason, naming the mode,
     * and nothing stays attached; generic mode attaches there.
     */
    @Test
    void nativeModeWhereTheDriverHasNoneIsRefusedAndGenericRuns() throws Exception {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                java.io.IOException.class,
                () -> XdpChannel.open(
                        group.next(),
                        "lo",
                        new CountingSink(),
                        XdpOptions.defaults().withMode(XdpMode.NATIVE)));
        assertTrue(e.getMessage().startsWith("lo: native mode: "), e.getMessage());
        assertFalse(xdpAttached("lo"));
        // the refused attempt's socket was bound to queue 0; the kernel frees the queue shortly after it is closed
        AtomicReference<XdpChannel> opened = new AtomicReference<>();
        AtomicReference<String> last = new AtomicReference<>("");
        Await.until(
                Duration.ofSeconds(5),
                () -> {
                    try {
                        opened.set(XdpChannel.open(group.next(), "lo", new CountingSink(), XdpOptions.defaults()));
                        return true;
                    } catch (java.io.IOException busy) {
                        last.set(busy.getMessage());
                        return false;
                    }
                },
                () -> "generic mode on lo: " + last.get());
        XdpChannel generic = opened.get();
        try {
            assertEquals("generic", generic.attachMode(), "AUTO falls back where native is refused");
            assertTrue(xdpAttached("lo"));
        } finally {
            generic.close();
        }
        assertFalse(xdpAttached("lo"));
    }

    @Test
    void moreReceiveQueuesThanTheBoundAreRefusedAndNothingStaysAttached() {
        int queues = XdpChannel.MAX_QUEUES + 1;
        Cmd.ok(
                "ip",
                "link",
                "add",
                "xdp-e",
                "numtxqueues",
                "80",
                "numrxqueues",
                "80",
                "type",
                "veth",
                "peer",
                "name",
                "xdp-f",
                "numtxqueues",
                "80",
                "numrxqueues",
                "80");
        try {
            Cmd.ok("ethtool", "-L", "xdp-f", "rx", Integer.toString(queues));
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.io.IOException.class,
                    () -> XdpChannel.open(group.next(), "xdp-f", new CountingSink(), XdpOptions.defaults()));
            assertTrue(
                    e.getMessage()
                            .contains(
                                    queues + " receive queues; an XDP channel serves at most " + XdpChannel.MAX_QUEUES),
                    e.getMessage());
            assertFalse(xdpAttached("xdp-f"));
        } finally {
            Cmd.run("ip", "link", "del", "xdp-e");
        }
    }
}
