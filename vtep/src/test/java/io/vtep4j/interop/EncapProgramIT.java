package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.XdpMode;
import io.vtep4j.internal.xdp.DecapOffload.Verdict;
import io.vtep4j.internal.xdp.EncapOffload;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel-side encapsulation program, run by the kernel on crafted trunk frames ({@code BPF_PROG_TEST_RUN}:
 * nothing is sent): a tagged frame from a learned trunk source to a MAC learned at a remote with a resolved next hop
 * becomes exactly the VXLAN packet the engine would send with its default outer header, and is counted; every frame
 * the engine must handle itself leaves the program unchanged. Needs root (loading a BPF program).
 */
class EncapProgramIT {
    private static final long GW_MAC = 0x02_00_00_00_00_01L;
    private static final long HOP_MAC = 0x02_00_00_00_00_02L;
    private static final long SRC = 0x02_00_00_00_00_BBL;
    private static final long DST = 0x02_00_00_00_00_AAL;
    private static final int VNI = 10100;
    private static final int VLAN = 100;
    private static final int REMOTE = 0x0A_63_00_02; // 10.99.0.2
    private static final int PAYLOAD = 46;

    private EncapOffload offload;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip");
    }

    @BeforeEach
    void load() throws Exception {
        offload = EncapOffload.load(
                InetAddress.getByName("10.99.0.1"), 4789, GW_MAC, 1, 1500, Map.of(VLAN, VNI, 200, 10200), 16);
        learnAll();
    }

    /** SRC on the trunk, DST at REMOTE, REMOTE's next hop: what a frame needs to be encapsulated. */
    private void learnAll() throws Exception {
        offload.learnedLocal(VNI, SRC);
        offload.learnedRemote(VNI, DST, InetAddress.getByName("10.99.0.2"));
        offload.nextHop(REMOTE, HOP_MAC);
    }

    @AfterEach
    void close() {
        offload.close();
    }

    /** DST <- SRC, tag 0x8100 VLAN 100, inner IPv4/UDP 192.0.2.1:1000 -> 192.0.2.2:2000, 46 bytes after the tag. */
    static byte[] frame(Consumer<byte[]> change) {
        byte[] f = new byte[18 + PAYLOAD];
        putMac(f, 0, DST);
        putMac(f, 6, SRC);
        putShort(f, 12, 0x8100);
        putShort(f, 14, VLAN);
        putShort(f, 16, 0x0800);
        f[18] = 0x45;
        putShort(f, 20, PAYLOAD);
        f[26] = 64;
        f[27] = 17;
        f[30] = (byte) 192;
        f[32] = 2;
        f[33] = 1;
        f[34] = (byte) 192;
        f[36] = 2;
        f[37] = 2;
        putShort(f, 38, 1000);
        putShort(f, 40, 2000);
        for (int i = 42; i < f.length; i++) {
            f[i] = (byte) i;
        }
        change.accept(f);
        return f;
    }

    private static void putMac(byte[] p, int at, long mac) {
        DecapProgramIT.putMac(p, at, mac);
    }

    private static void putShort(byte[] p, int at, int v) {
        DecapProgramIT.putShort(p, at, v);
    }

    private static long le32(byte[] f, int at) {
        return (f[at] & 0xFFL) | (f[at + 1] & 0xFFL) << 8 | (f[at + 2] & 0xFFL) << 16 | (f[at + 3] & 0xFFL) << 24;
    }

    /** The packet the engine sends for {@code frame} with its default outer header, to {@link #REMOTE}. */
    static byte[] expected(byte[] frame, int vni) {
        byte[] p = new byte[frame.length + 46];
        putMac(p, 0, HOP_MAC);
        putMac(p, 6, GW_MAC);
        putShort(p, 12, 0x0800);
        p[14] = 0x45;
        putShort(p, 16, p.length - 14);
        p[20] = 0x40;
        p[22] = 64;
        p[23] = 17;
        p[26] = 10;
        p[27] = 99;
        p[29] = 1;
        p[30] = 10;
        p[31] = 99;
        p[33] = 2;
        putShort(p, 24, DecapProgramIT.ipChecksum(p));
        long h = le32(frame, 30) ^ le32(frame, 34) ^ le32(frame, 38);
        h ^= h >>> 16;
        putShort(p, 34, (int) (h & 0x3FFF | 0xC000));
        putShort(p, 36, 4789);
        putShort(p, 38, p.length - 34);
        p[42] = 0x08;
        p[46] = (byte) (vni >>> 16);
        p[47] = (byte) (vni >>> 8);
        p[48] = (byte) vni;
        System.arraycopy(frame, 0, p, 50, 12);
        System.arraycopy(frame, 16, p, 62, frame.length - 16);
        return p;
    }

    private void assertPassedUnchanged(byte[] f, String why) throws Exception {
        Verdict v = offload.run(f);
        assertEquals(Verdict.PASS, v.action(), why);
        assertArrayEquals(f, v.frame(), why + ": the frame must reach the trunk socket as it came");
    }

    @Test
    void aFrameBetweenLearnedMacsBecomesTheEnginesPacketAndIsCounted() throws Exception {
        byte[] f = frame(x -> {});
        Verdict v = offload.run(f);
        assertEquals(Verdict.REDIRECT, v.action());
        assertArrayEquals(expected(f, VNI), v.frame());
        assertEquals(1, offload.frames());
        assertEquals(f.length + 46, offload.bytes());
        assertTrue(offload.seen(VNI, SRC), "marked until the next walk");
        assertFalse(offload.seen(VNI, 0x0200000000ccL), "a MAC the map does not hold");
        assertFalse(offload.seen(VNI + 1, SRC), "the same MAC in another VNI");
        java.util.List<String> seen = new java.util.ArrayList<>();
        assertEquals(1, offload.refreshHits((vni, mac) -> seen.add(vni + " " + Long.toHexString(mac))));
        assertEquals(java.util.List.of(VNI + " 200000000bb"), seen, "the trunk source, for the engine to refresh");
        assertEquals(0, offload.refreshHits((vni, mac) -> seen.add("again")), "the mark was cleared");
        assertFalse(offload.seen(VNI, SRC), "not marked after the walk");

        // priority and drop-eligible bits are not carried (as by the engine); the VLAN id alone picks the VNI
        byte[] pcp = frame(x -> putShort(x, 14, 0xB000 | VLAN));
        Verdict w = offload.run(pcp);
        assertEquals(Verdict.REDIRECT, w.action());
        assertArrayEquals(expected(pcp, VNI), w.frame());

        // the source port follows the inner flow, within 49152..65535
        byte[] other = frame(x -> putShort(x, 38, 1001));
        byte[] out = offload.run(other).frame();
        int port = (out[34] & 0xFF) << 8 | (out[35] & 0xFF);
        assertEquals(true, port >= 49152, "source port " + port);
        assertArrayEquals(expected(other, VNI), out);

        // the longest frame the tunnel takes on a 1500-byte underlay, and one byte more
        byte[] longest = Arrays.copyOf(frame(x -> {}), 1468);
        assertEquals(Verdict.REDIRECT, offload.run(longest).action());
        assertPassedUnchanged(Arrays.copyOf(frame(x -> {}), 1469), "too big for the tunnel: the engine answers it");
    }

    @Test
    void clearedEntriesGoToTheEngineUntilHandedOnAgain() throws Exception {
        byte[] f = frame(x -> {});
        offload.clear();
        assertPassedUnchanged(f, "cleared");
        offload.learnedLocal(VNI, SRC);
        assertPassedUnchanged(f, "the destination is still cleared");
        offload.learnedRemote(VNI, DST, InetAddress.getByName("10.99.0.2"));
        assertEquals(Verdict.REDIRECT, offload.run(f).action(), "handed on again");
        assertEquals(1, offload.frames());
    }

    @Test
    void everyFrameTheEngineMustHandleGoesToTheTrunkSocketUnchanged() throws Exception {
        InetAddress remote = InetAddress.getByName("10.99.0.2");
        offload.learnedRemote(VNI, 0x02_00_00_00_00_CCL, InetAddress.getByName("10.99.0.3")); // no next hop
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("untagged", frame(x -> putShort(x, 12, 0x0800)));
        cases.put("802.1ad outer tag", frame(x -> putShort(x, 12, 0x88A8)));
        cases.put("unmapped VLAN", frame(x -> putShort(x, 14, 300)));
        cases.put("priority tag, VID 0", frame(x -> putShort(x, 14, 0x2000)));
        cases.put("inner ARP", frame(x -> putShort(x, 16, 0x0806)));
        cases.put("inner IPv6", frame(x -> putShort(x, 16, 0x86DD)));
        cases.put("broadcast", frame(x -> putMac(x, 0, 0xFFFF_FFFF_FFFFL)));
        cases.put("multicast source", frame(x -> x[6] = 0x03));
        cases.put("unknown destination", frame(x -> putMac(x, 0, 0x02_00_00_00_00_DDL)));
        cases.put("source not learned on the trunk", frame(x -> putMac(x, 6, 0x02_00_00_00_00_EEL)));
        cases.put("destination learned under another VLAN only", frame(x -> putShort(x, 14, 200)));
        cases.put("remote without a next hop", frame(x -> putMac(x, 0, 0x02_00_00_00_00_CCL)));
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            assertPassedUnchanged(c.getValue(), c.getKey());
        }
        for (int length = 14; length < 42; length++) {
            assertPassedUnchanged(Arrays.copyOf(frame(x -> {}), length), "truncated to " + length);
        }
        // the destination moves to the trunk: the engine delivers it there
        offload.learnedLocal(VNI, DST);
        assertPassedUnchanged(frame(x -> {}), "destination on the trunk");
        offload.learnedRemote(VNI, DST, remote);
        assertEquals(Verdict.REDIRECT, offload.run(frame(x -> {})).action(), "back at the remote");
        offload.forget(VNI, SRC);
        assertPassedUnchanged(frame(x -> {}), "source aged");
        offload.learnedLocal(VNI, SRC);
        offload.nextHop(REMOTE, -1);
        assertPassedUnchanged(frame(x -> {}), "next hop gone");
        assertEquals(1, offload.frames(), "only the frame back at the remote");
    }

    /** Random byte changes: each frame is either passed on unchanged or encapsulated exactly as the engine would. */
    @Test
    void randomDamageIsEitherPassedUnchangedOrEncapsulatedExactly() throws Exception {
        Random random = new Random(7348);
        for (int round = 0; round < 300; round++) {
            int at = random.nextInt(18 + PAYLOAD);
            byte value = (byte) (1 + random.nextInt(255));
            byte[] f = frame(x -> {});
            f[at] ^= value;
            Verdict v = offload.run(f);
            if (v.action() == Verdict.REDIRECT) {
                int vid = (f[14] & 0x0F) << 8 | (f[15] & 0xFF);
                assertEquals(VLAN, vid, "byte " + at);
                assertArrayEquals(expected(f, VNI), v.frame(), "byte " + at);
            } else {
                assertEquals(Verdict.PASS, v.action(), "byte " + at);
                assertArrayEquals(f, v.frame(), "byte " + at);
            }
        }
    }

    /**
     * The kernel drops what a program redirects to an interface that is down, after the program counted it: while the
     * underlay is down its frames go to the engine, which counts what it cannot send, and come back once it is up.
     */
    @Test
    void whileTheUnderlayIsDownFramesGoToTheEngine() throws Exception {
        try (FollowedLink underlay = FollowedLink.create("eu0", "eu1")) {
            Namespace.SELF.ok("ip", "link", "set", "eu0", "address", colons(GW_MAC)); // as the program is built
            offload.close();
            offload = EncapOffload.load(
                    InetAddress.getByName("10.99.0.1"), 4789, GW_MAC, underlay.index(), 1500, Map.of(VLAN, VNI), 16);
            learnAll();
            byte[] f = frame(x -> {});
            underlay.assertFollowed(
                    offload::followUnderlay,
                    when -> {
                        Verdict v = offload.run(f);
                        assertEquals(Verdict.REDIRECT, v.action(), when);
                        assertArrayEquals(expected(f, VNI), v.frame(), when);
                    },
                    when -> assertPassedUnchanged(f, when));
        }
    }

    /**
     * Deleting the trunk interface detaches the program with it; once an interface of that name is back, following
     * it attaches the program there, and only once. The program is attached for real here: a veth pair for the
     * underlay (holding the local address) and one for the trunk, in the test's own namespace.
     */
    @Test
    void aRecreatedTrunkGetsTheProgramAgain() throws Exception {
        Namespace.SELF.ok("ip", "link", "add", "eu0", "type", "veth", "peer", "name", "eu1");
        try {
            Namespace.SELF.ok("ip", "addr", "add", "10.98.0.1/24", "dev", "eu0");
            Namespace.SELF.ok("ip", "link", "set", "eu0", "up");
            addTrunkPair();
            try (EncapOffload attached = EncapOffload.open(
                    InetAddress.getByName("10.98.0.1"), 4789, "et0", Map.of(VLAN, VNI), 16, XdpMode.AUTO)) {
                assertTrue(programOn("et0"), "attached at open");
                assertTrue(
                        attached.describe().startsWith("frames on et0 encapsulated in generic XDP"),
                        attached.describe());
                assertFalse(attached.followTrunk(), "the same interface: nothing to do");

                Namespace.SELF.ok("ip", "link", "del", "et0");
                assertFalse(attached.followTrunk(), "no interface of the name");
                assertEquals(0, attached.reattached());
                addTrunkPair();
                // this call or the watch thread's, whichever comes first, attaches it; once
                attached.followTrunk();
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.reattached() == 1 && programOn("et0"),
                        () -> attached.reattached() + " reattachments; " + attached.attachProblem());
                assertFalse(attached.followTrunk(), "nothing changed since");
                assertEquals(1, attached.reattached());
                assertEquals(null, attached.attachProblem());
                assertTrue(
                        attached.describe().startsWith("frames on et0 encapsulated in generic XDP"),
                        attached.describe());

                // away to another namespace and back: the index stays; the program is on it again soon after
                try (Lab lab = new Lab("encapmove")) {
                    Namespace away = lab.namespace("away");
                    Namespace.SELF.ok("ip", "link", "set", "et0", "netns", away.name());
                    away.ok("ip", "link", "set", "et0", "netns", Netns.self());
                }
                Namespace.SELF.ok("ip", "link", "set", "et0", "up");
                Await.until(Duration.ofSeconds(5), () -> programOn("et0"), attached::attachProblem);
                assertEquals(Verdict.PASS, attached.run(frame(f -> {})).action(), "no entries: the engine's");
            }
            assertFalse(programOn("et0"), "closing detaches");
        } finally {
            Namespace.SELF.deleteLinks("et0", "eu0");
        }
    }

    /**
     * The program attached for real to a trunk, with an underlay (a veth pair holding the local address) whose next
     * hop the kernel's neighbour table gives: when the underlay is deleted and made again with another MAC, MTU and
     * next hop, following it puts a program built for that MAC in the old one's place on the trunk, forgets the old
     * next hop, and sends through the new interface to the new one.
     */
    @Test
    void aRecreatedUnderlayIsFollowedWithItsMacAndNextHop() throws Exception {
        long first = 0x02_00_00_00_0E_01L;
        long second = 0x02_00_00_00_0E_02L;
        long firstHop = 0x02_00_00_00_0E_11L;
        long secondHop = 0x02_00_00_00_0E_12L;
        addUnderlay(first, 1500, firstHop);
        addTrunkPair();
        try (EncapOffload attached = openOnTrunk()) {
            byte[] f = frame(x -> {});
            Await.until(
                    Duration.ofSeconds(5), () -> redirects(attached, f), () -> "the next hop from the neighbour table");
            assertArrayEquals(
                    macs(firstHop, first), Arrays.copyOf(attached.run(f).frame(), 12));
            String id = DecapProgramIT.programOn("et0");

            Namespace.SELF.ok("ip", "link", "del", "eu0");
            assertEquals(Verdict.PASS, attached.run(f).action(), "no underlay: the engine's");
            assertFalse(attached.followUnderlay(), "no interface holds the address");
            addUnderlay(second, 1400, secondHop);
            attached.followUnderlay(); // this call or the watch thread's, whichever comes first; once
            Await.until(
                    Duration.ofSeconds(5),
                    () -> attached.underlayFollowed() == 1 && redirects(attached, f),
                    () -> attached.underlayFollowed() + " times followed; " + attached.attachProblem());
            assertArrayEquals(
                    macs(secondHop, second), Arrays.copyOf(attached.run(f).frame(), 12));
            assertFalse(attached.followUnderlay(), "nothing changed since");
            assertEquals(null, attached.attachProblem());
            String now = DecapProgramIT.programOn("et0");
            assertFalse(now.isEmpty() || now.equals(id), "a new program on the trunk: " + id + " then " + now);
            assertEquals(0, attached.reattached(), "the trunk's link kept, its program replaced");
            assertTrue(
                    attached.describe().contains("to eu0 from 10.98.0.1")
                            && attached.describe().contains("up to 1368"),
                    attached.describe());
            byte[] big = frame(x -> {});
            big = Arrays.copyOf(big, 1369);
            assertEquals(Verdict.PASS, attached.run(big).action(), "longer than the new MTU allows: the engine's");
        } finally {
            Namespace.SELF.deleteLinks("et0", "eu0");
        }
    }

    /**
     * An underlay recreated with an MTU too small for the tunnel is not followed, and says why; once its MTU is
     * raised, it is followed and the problem is gone.
     */
    @Test
    void aRecreatedUnderlayTooSmallForTheTunnelSaysSoUntilItsMtuIsRaised() throws Exception {
        addUnderlay(0x02_00_00_00_0E_01L, 1500, 0x02_00_00_00_0E_11L);
        addTrunkPair();
        try (EncapOffload attached = EncapOffload.open(
                InetAddress.getByName("10.98.0.1"), 4789, "et0", Map.of(VLAN, VNI), 16, XdpMode.AUTO)) {
            Namespace.SELF.ok("ip", "link", "del", "eu0");
            addUnderlay(0x02_00_00_00_0E_02L, 68, 0x02_00_00_00_0E_12L);
            Await.until(
                    Duration.ofSeconds(5),
                    () -> String.valueOf(attached.attachProblem()).equals("underlay eu0: MTU 68 (expected: >= 74)"),
                    () -> String.valueOf(attached.attachProblem()));
            assertEquals(0, attached.underlayFollowed());
            Namespace.SELF.ok("ip", "link", "set", "eu0", "mtu", "1500");
            Await.until(
                    Duration.ofSeconds(5),
                    () -> attached.underlayFollowed() == 1 && attached.attachProblem() == null,
                    () -> attached.underlayFollowed() + " times followed; " + attached.attachProblem());
        } finally {
            Namespace.SELF.deleteLinks("et0", "eu0");
        }
    }

    /**
     * The underlay's MTU and then its MAC changed on the interface that stays: each time a program built for the new
     * value takes the old one's place on the trunk's link. An MTU too small for the tunnel takes the underlay out of
     * the program's reach (every frame the engine's) and says why, until it is raised.
     */
    @Test
    void anUnderlayMtuOrMacChangedInPlaceGetsAProgramForThem() throws Exception {
        long first = 0x02_00_00_00_0E_01L;
        long hop = 0x02_00_00_00_0E_11L;
        try {
            addUnderlay(first, 1500, hop);
            addTrunkPair();
            try (EncapOffload attached = openOnTrunk()) {
                byte[] f = frame(x -> {});
                byte[] big = Arrays.copyOf(frame(x -> {}), 1369);
                Await.until(
                        Duration.ofSeconds(5),
                        () -> redirects(attached, f),
                        () -> "the next hop from the neighbour table");
                assertEquals(Verdict.REDIRECT, attached.run(big).action(), "fits the underlay's 1,500");
                String id = DecapProgramIT.programOn("et0");

                Namespace.SELF.ok("ip", "link", "set", "eu0", "mtu", "1400");
                attached.followUnderlay(); // this call or the watch thread's, whichever comes first; once
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.rebuilt() == 1
                                && !DecapProgramIT.programOn("et0").equals(id),
                        () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
                assertEquals(Verdict.PASS, attached.run(big).action(), "longer than the new MTU allows: the engine's");
                assertTrue(redirects(attached, f));
                assertTrue(attached.describe().contains("up to 1368"), attached.describe());
                assertEquals(0, attached.underlayFollowed(), "the same interface");
                assertEquals(0, attached.reattached(), "the trunk's link kept, its program replaced");

                Namespace.SELF.ok("ip", "link", "set", "eu0", "address", "02:00:00:00:0e:03");
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.rebuilt() == 2,
                        () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
                assertArrayEquals(
                        macs(hop, 0x02_00_00_00_0E_03L),
                        Arrays.copyOf(attached.run(f).frame(), 12));

                Namespace.SELF.ok("ip", "link", "set", "eu0", "mtu", "68");
                Await.until(
                        Duration.ofSeconds(5),
                        () -> String.valueOf(attached.attachProblem()).equals("underlay eu0: MTU 68 (expected: >= 74)")
                                && !redirects(attached, f),
                        () -> String.valueOf(attached.attachProblem()));
                assertEquals(2, attached.rebuilt());
                Namespace.SELF.ok("ip", "link", "set", "eu0", "mtu", "1500");
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.rebuilt() == 3 && attached.attachProblem() == null && redirects(attached, f),
                        () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
                assertEquals(Verdict.REDIRECT, attached.run(big).action(), "fits 1,500 again");
            }
        } finally {
            Namespace.SELF.deleteLinks("et0", "eu0");
        }
    }

    /**
     * The local address moved to another interface while the underlay stays: the program sends through the new
     * interface, from its MAC, to the next hop the neighbour table gives there; the old interface leaves its map.
     */
    @Test
    void anAddressMovedFromAnUnderlayThatStaysIsFollowed() throws Exception {
        long second = 0x02_00_00_00_0E_04L;
        long secondHop = 0x02_00_00_00_0E_14L;
        try {
            addUnderlay(0x02_00_00_00_0E_01L, 1500, 0x02_00_00_00_0E_11L);
            addTrunkPair();
            try (EncapOffload attached = openOnTrunk()) {
                byte[] f = frame(x -> {});
                Await.until(
                        Duration.ofSeconds(5),
                        () -> redirects(attached, f),
                        () -> "the next hop from the neighbour table");
                FollowedLink.moveAddress("eu0", "eu2", "eu3", second, "10.98.0.1/24", "10.98.0.2", secondHop);
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.underlayFollowed() == 1
                                && redirects(attached, f)
                                && Arrays.equals(macs(secondHop, second), Arrays.copyOf(run(attached, f), 12)),
                        () -> attached.underlayFollowed() + " times followed; " + attached.attachProblem());
                assertTrue(attached.describe().contains("to eu2 from 10.98.0.1"), attached.describe());
                assertEquals(null, attached.attachProblem());
            }
        } finally {
            Namespace.SELF.deleteLinks("et0", "eu0", "eu2");
        }
    }

    /** The frame as {@code offload}'s program leaves it. */
    private static byte[] run(EncapOffload offload, byte[] frame) {
        try {
            return offload.run(frame).frame();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The program attached to the trunk et0, sending from 10.98.0.1; SRC on the trunk, DST at 10.98.0.2. */
    private static EncapOffload openOnTrunk() throws Exception {
        EncapOffload attached =
                EncapOffload.open(InetAddress.getByName("10.98.0.1"), 4789, "et0", Map.of(VLAN, VNI), 16, XdpMode.AUTO);
        attached.learnedLocal(VNI, SRC);
        attached.learnedRemote(VNI, DST, InetAddress.getByName("10.98.0.2"));
        return attached;
    }

    /** The underlay pair eu0 (MAC {@code mac}, MTU {@code mtu}, 10.98.0.1/24) and eu1; 10.98.0.2 at {@code hop}. */
    private static void addUnderlay(long mac, int mtu, long hop) {
        Namespace.SELF.ok("ip", "link", "add", "eu0", "type", "veth", "peer", "name", "eu1");
        Namespace.SELF.ok("ip", "link", "set", "eu0", "address", colons(mac), "mtu", Integer.toString(mtu));
        Namespace.SELF.ok("ip", "addr", "add", "10.98.0.1/24", "dev", "eu0");
        Namespace.SELF.ok("ip", "link", "set", "eu1", "up");
        Namespace.SELF.ok("ip", "link", "set", "eu0", "up");
        Namespace.SELF.ok(
                "ip", "neigh", "replace", "10.98.0.2", "lladdr", colons(hop), "dev", "eu0", "nud", "permanent");
    }

    private static boolean redirects(EncapOffload offload, byte[] frame) {
        try {
            return offload.run(frame).action() == Verdict.REDIRECT;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String colons(long mac) {
        return String.format("%012x", mac).replaceAll("(..)(?!$)", "$1:");
    }

    /** The first 12 bytes of a frame from {@code source} to {@code destination}. */
    private static byte[] macs(long destination, long source) {
        byte[] m = new byte[12];
        putMac(m, 0, destination);
        putMac(m, 6, source);
        return m;
    }

    private static void addTrunkPair() {
        Namespace.SELF.ok("ip", "link", "add", "et0", "type", "veth", "peer", "name", "et1");
        Namespace.SELF.ok("ip", "link", "set", "et1", "up");
        Namespace.SELF.ok("ip", "link", "set", "et0", "up");
    }

    /** Whether an XDP program is attached to {@code ifname}, as {@code ip link} shows it. */
    private static boolean programOn(String ifname) {
        return Namespace.SELF.ok("ip", "-d", "link", "show", "dev", ifname).contains("prog/xdp");
    }

    @Test
    void misuseFailsNamingTheValueAndTheRule() throws Exception {
        InetAddress local = InetAddress.getByName("10.99.0.1");
        IllegalArgumentException vlan = assertThrows(
                IllegalArgumentException.class,
                () -> EncapOffload.load(local, 4789, GW_MAC, 1, 1500, Map.of(0, VNI), 16));
        assertEquals("VLAN: 0 (expected: 1..4094)", vlan.getMessage());
        IllegalArgumentException mtu = assertThrows(
                IllegalArgumentException.class,
                () -> EncapOffload.load(local, 4789, GW_MAC, 1, 60, Map.of(VLAN, VNI), 16));
        assertEquals("mtu: 60 (expected: >= 74)", mtu.getMessage());
        IllegalArgumentException v6 = assertThrows(
                IllegalArgumentException.class,
                () -> EncapOffload.load(InetAddress.getByName("::1"), 4789, GW_MAC, 1, 1500, Map.of(VLAN, VNI), 16));
        assertEquals("local: 0:0:0:0:0:0:0:1 (expected: an IPv4 address)", v6.getMessage());
        IllegalArgumentException index = assertThrows(
                IllegalArgumentException.class,
                () -> EncapOffload.load(local, 4789, GW_MAC, 0, 1500, Map.of(VLAN, VNI), 16));
        assertEquals("underlayIfindex: 0 (expected: > 0)", index.getMessage());
    }
}
