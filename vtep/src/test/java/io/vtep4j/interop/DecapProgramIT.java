package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.internal.xdp.DecapOffload;
import io.vtep4j.internal.xdp.DecapOffload.Verdict;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel-side decapsulation program, run by the kernel on crafted frames ({@code BPF_PROG_TEST_RUN}: nothing is
 * sent): a VXLAN packet from a learned source becomes exactly the tagged inner frame and is redirected, and is
 * counted; every packet the engine must see instead (unknown or moved sources, an outer header or VXLAN header out
 * of the ordinary, ECN marks, floods, ARP, wrong lengths, truncation anywhere) leaves the program unchanged for the
 * kernel's stack. Needs root (loading a BPF program); no interface is touched.
 */
class DecapProgramIT {
    private static final long GW_MAC = 0x02_00_00_00_00_01L;
    private static final int VNI = 10100;
    private static final int VLAN = 100;
    private static final long INNER_DST = 0x02_00_00_00_00_AAL;
    private static final long INNER_SRC = 0x02_00_00_00_00_BBL;
    private static final int PAYLOAD = 46;

    private DecapOffload offload;

    /** The trunk the program redirects to: one end of a veth pair in the test's own namespace. */
    private static final String TRUNK = "dt0";

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip");
        addTrunk();
    }

    /** The trunk pair, both ends up. */
    private static void addTrunk() {
        Namespace.SELF.ok("ip", "link", "add", TRUNK, "type", "veth", "peer", "name", "dt1");
        Namespace.SELF.ok("ip", "link", "set", "dt1", "up");
        Namespace.SELF.ok("ip", "link", "set", TRUNK, "up");
    }

    @AfterAll
    static void removeTrunk() {
        Namespace.SELF.run(Duration.ofSeconds(10), "ip", "link", "del", TRUNK);
    }

    @BeforeEach
    void load() throws Exception {
        offload = DecapOffload.load(
                InetAddress.getByName("10.99.0.1"), 4789, GW_MAC, TRUNK, Map.of(VNI, VLAN, 10200, 200), 16);
        offload.learned(VNI, INNER_SRC, InetAddress.getByName("10.99.0.2"));
    }

    @AfterEach
    void close() {
        offload.close();
    }

    /** Outer Ethernet, IPv4 10.99.0.2 -> 10.99.0.1 with a right checksum, UDP 40000 -> 4789, VXLAN, inner IPv4. */
    static byte[] packet(Consumer<byte[]> change) {
        byte[] p = new byte[50 + 14 + PAYLOAD];
        putMac(p, 0, GW_MAC);
        putMac(p, 6, 0x02_00_00_00_00_02L);
        p[12] = 0x08;
        p[14] = 0x45;
        putShort(p, 16, p.length - 14);
        p[22] = 64;
        p[23] = 17;
        p[26] = 10;
        p[27] = 99;
        p[29] = 2;
        p[30] = 10;
        p[31] = 99;
        p[33] = 1;
        putShort(p, 34, 40000);
        putShort(p, 36, 4789);
        putShort(p, 38, p.length - 34);
        p[42] = 0x08;
        p[46] = (byte) (VNI >>> 16);
        p[47] = (byte) (VNI >>> 8);
        p[48] = (byte) VNI;
        putMac(p, 50, INNER_DST);
        putMac(p, 56, INNER_SRC);
        p[62] = 0x08;
        for (int i = 64; i < p.length; i++) {
            p[i] = (byte) i;
        }
        change.accept(p);
        return p;
    }

    /** As {@link #packet}, the IPv4 header checksum computed after {@code change}. */
    static byte[] valid(Consumer<byte[]> change) {
        byte[] p = packet(change);
        putShort(p, 24, 0);
        putShort(p, 24, ipChecksum(p));
        return p;
    }

    static int ipChecksum(byte[] p) {
        int sum = 0;
        for (int i = 14; i < 34; i += 2) {
            sum += (p[i] & 0xFF) << 8 | (p[i + 1] & 0xFF);
        }
        while (sum > 0xFFFF) {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return ~sum & 0xFFFF;
    }

    static void putMac(byte[] p, int at, long mac) {
        for (int i = 0; i < 6; i++) {
            p[at + i] = (byte) (mac >>> (40 - 8 * i));
        }
    }

    static void putShort(byte[] p, int at, int v) {
        p[at] = (byte) (v >>> 8);
        p[at + 1] = (byte) v;
    }

    /** The frame the trunk must send for {@code packet}: inner addresses, tag 0x8100 + {@code vlan}, the rest. */
    static byte[] tagged(byte[] packet, int vlan) {
        byte[] f = new byte[packet.length - 50 + 4];
        System.arraycopy(packet, 50, f, 0, 12);
        f[12] = (byte) 0x81;
        putShort(f, 14, vlan);
        System.arraycopy(packet, 62, f, 16, packet.length - 62);
        return f;
    }

    private void assertPassedUnchanged(byte[] p, String why) throws Exception {
        Verdict v = offload.run(p);
        assertEquals(Verdict.PASS, v.action(), why);
        assertArrayEquals(p, v.frame(), why + ": the frame must reach the kernel as it came");
    }

    @Test
    void aPacketFromALearnedSourceBecomesTheTaggedInnerFrameAndIsCounted() throws Exception {
        byte[] p = valid(x -> {});
        Verdict v = offload.run(p);
        assertEquals(Verdict.REDIRECT, v.action());
        assertArrayEquals(tagged(p, VLAN), v.frame());
        assertEquals(1, offload.frames());
        assertEquals(p.length - 46, offload.bytes());
        assertTrue(offload.seen(VNI, INNER_SRC), "marked until the next walk");
        assertFalse(offload.seen(VNI, 0x0200000000ccL), "a MAC the map does not hold");
        assertFalse(offload.seen(VNI + 1, INNER_SRC), "the same MAC in another VNI");
        java.util.List<String> seen = new java.util.ArrayList<>();
        assertEquals(1, offload.refreshHits((vni, mac) -> seen.add(vni + " " + Long.toHexString(mac))));
        assertEquals(java.util.List.of(VNI + " 200000000bb"), seen, "the source, for the engine to refresh");
        assertEquals(0, offload.refreshHits((vni, mac) -> seen.add("again")), "the mark was cleared");
        assertFalse(offload.seen(VNI, INNER_SRC), "not marked after the walk");

        // the other VNI gets its own tag; a UDP checksum is not verified (RFC 7348 §5 leaves it to the receiver)
        offload.learned(10200, INNER_SRC, InetAddress.getByName("10.99.0.2"));
        byte[] other = valid(x -> {
            x[47] = (byte) (10200 >>> 8);
            x[48] = (byte) 10200;
            putShort(x, 40, 0x1234);
        });
        Verdict w = offload.run(other);
        assertEquals(Verdict.REDIRECT, w.action());
        assertArrayEquals(tagged(other, 200), w.frame());
        assertEquals(2, offload.frames());
    }

    /** The trunk (a veth, MTU 1500) takes a tagged frame whose payload is 1,500 bytes; a longer one is the engine's. */
    @Test
    void aFrameTooBigForTheTrunkGoesToTheEngine() throws Exception {
        assertEquals(Verdict.REDIRECT, offload.run(ofPayload(1500)).action(), "payload 1,500: fits");
        byte[] big = ofPayload(1501);
        Verdict v = offload.run(big);
        assertEquals(Verdict.PASS, v.action(), "payload 1,501: the kernel would drop it after the program");
        assertArrayEquals(big, v.frame());
        assertEquals(1, offload.frames(), "only the one that fits");
    }

    /** A valid packet whose inner frame carries {@code payload} bytes after its 14-byte header. */
    private static byte[] ofPayload(int payload) {
        byte[] small = valid(x -> {});
        byte[] p = java.util.Arrays.copyOf(small, 50 + 14 + payload);
        putShort(p, 16, p.length - 14);
        putShort(p, 38, p.length - 34);
        putShort(p, 24, 0);
        putShort(p, 24, ipChecksum(p));
        return p;
    }

    @Test
    void sourcesTheEngineHasNotLearnedThereGoToTheEngine() throws Exception {
        byte[] p = valid(x -> {});
        offload.learned(VNI, INNER_SRC, InetAddress.getByName("10.99.0.3"));
        assertPassedUnchanged(p, "learned at another remote: a move, for the engine to judge");
        offload.forget(VNI, INNER_SRC);
        assertPassedUnchanged(p, "forgotten (aged, moved to the trunk)");
        assertPassedUnchanged(valid(x -> putMac(x, 56, 0x02_00_00_00_00_CCL)), "a source never learned");
        assertPassedUnchanged(valid(x -> x[48] = 0x75), "the MAC learned under another VNI only");
        assertEquals(0, offload.frames());
    }

    @Test
    void clearedSourcesGoToTheEngineUntilHandedOnAgain() throws Exception {
        byte[] p = valid(x -> {});
        offload.learned(10200, INNER_SRC, InetAddress.getByName("10.99.0.2"));
        offload.learned(VNI, 0x02_00_00_00_00_CCL, InetAddress.getByName("10.99.0.2"));
        offload.clear();
        assertPassedUnchanged(p, "cleared");
        assertPassedUnchanged(valid(x -> putMac(x, 56, 0x02_00_00_00_00_CCL)), "every source cleared");
        assertEquals(0, offload.frames());
        offload.learned(VNI, INNER_SRC, InetAddress.getByName("10.99.0.2"));
        assertEquals(Verdict.REDIRECT, offload.run(p).action(), "handed on again");
    }

    @Test
    void everyUnusualPacketGoesToTheKernelUnchanged() throws Exception {
        Map<String, byte[]> cases = new java.util.LinkedHashMap<>();
        cases.put("outer destination another MAC", valid(x -> x[5] = 0x02));
        cases.put("outer destination broadcast", valid(x -> putMac(x, 0, 0xFFFF_FFFF_FFFFL)));
        cases.put("VLAN-tagged outer frame", valid(x -> putShort(x, 12, 0x8100)));
        cases.put("IPv4 header checksum wrong", packet(x -> putShort(x, 24, 0x1234)));
        cases.put("IPv4 options", valid(x -> x[14] = 0x46));
        cases.put("ECN ECT(0)", valid(x -> x[15] = 0x02));
        cases.put("ECN CE", valid(x -> x[15] = 0x03));
        cases.put("more fragments", valid(x -> x[20] = 0x20));
        cases.put("a fragment offset", valid(x -> x[21] = 0x01));
        cases.put("total length short of the frame", valid(x -> putShort(x, 16, x.length - 15)));
        cases.put("total length past the frame", valid(x -> putShort(x, 16, x.length - 13)));
        cases.put("TCP", valid(x -> x[23] = 6));
        cases.put("another destination address", valid(x -> x[33] = 3));
        cases.put("another UDP port", valid(x -> putShort(x, 36, 4790)));
        cases.put("UDP length short", valid(x -> putShort(x, 38, x.length - 35)));
        cases.put("VXLAN without the I flag", valid(x -> x[42] = 0x00));
        cases.put("VXLAN reserved flag bits", valid(x -> x[42] = 0x0C));
        cases.put("VXLAN reserved bytes", valid(x -> x[44] = 0x01));
        cases.put("VXLAN last reserved byte", valid(x -> x[49] = 0x01));
        cases.put("unmapped VNI", valid(x -> x[48] = 0x00));
        cases.put("inner broadcast", valid(x -> putMac(x, 50, 0xFFFF_FFFF_FFFFL)));
        cases.put("inner multicast", valid(x -> x[50] = 0x01));
        cases.put("inner group source", valid(x -> x[56] = 0x03));
        cases.put("inner ARP", valid(x -> x[63] = 0x06));
        cases.put("inner IPv6", valid(x -> putShort(x, 62, 0x86DD)));
        cases.put("inner VLAN tag", valid(x -> putShort(x, 62, 0x8100)));
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            assertPassedUnchanged(c.getValue(), c.getKey());
        }
        // padding after the IPv4 packet: the lengths no longer match the frame
        byte[] padded = Arrays.copyOf(valid(x -> {}), 50 + 14 + PAYLOAD + 4);
        assertPassedUnchanged(padded, "trailing padding");
        assertEquals(0, offload.frames(), "nothing redirected");
    }

    @Test
    void everyTruncationGoesToTheKernel() throws Exception {
        byte[] p = valid(x -> {});
        // from 14: a test run refuses less than an Ethernet header, as drivers never hand XDP such a frame
        for (int length = 14; length < 64; length++) {
            byte[] cut = Arrays.copyOf(p, length);
            Verdict v = offload.run(cut);
            assertEquals(Verdict.PASS, v.action(), "truncated to " + length);
            assertArrayEquals(cut, v.frame(), "truncated to " + length);
        }
        assertEquals(0, offload.frames());
    }

    /**
     * Random byte changes to a learned packet: either the program passes the frame on unchanged, or it redirects
     * exactly the tagged inner frame; in the latter case the changed byte lay in a field the engine also ignores
     * (the outer source MAC, the UDP source port or checksum), in the inner destination (still unicast: the gateway's
     * one port per VNI takes any) or in the inner frame after its addresses.
     */
    @Test
    void randomDamageIsEitherPassedUnchangedOrForwardedExactly() throws Exception {
        Random random = new Random(7348);
        java.util.Set<Integer> ignored = java.util.Set.of(6, 7, 8, 9, 10, 11, 18, 19, 22, 34, 35, 40, 41);
        for (int round = 0; round < 300; round++) {
            int at = random.nextInt(50 + 14 + PAYLOAD);
            byte value = (byte) (1 + random.nextInt(255));
            byte[] p = valid(x -> {});
            p[at] ^= value; // the IPv4 checksum is left as it was: a damaged header must fail it
            Verdict v = offload.run(p);
            if (v.action() == Verdict.REDIRECT) {
                boolean harmless = ignored.contains(at) || (at >= 50 && at < 56) || at >= 64;
                assertEquals(true, harmless, "byte " + at + " ^ " + value + " was redirected");
                assertArrayEquals(tagged(p, VLAN), v.frame(), "byte " + at);
            } else {
                assertEquals(Verdict.PASS, v.action(), "byte " + at);
                assertArrayEquals(p, v.frame(), "byte " + at);
            }
        }
    }

    @Test
    void misuseFailsNamingTheValueAndTheRule() throws Exception {
        InetAddress local = InetAddress.getByName("10.99.0.1");
        IllegalArgumentException v6 = assertThrows(
                IllegalArgumentException.class,
                () -> DecapOffload.load(InetAddress.getByName("fd00::1"), 4789, GW_MAC, TRUNK, Map.of(VNI, VLAN), 16));
        assertEquals("local: fd00:0:0:0:0:0:0:1 (expected: an IPv4 address)", v6.getMessage());
        IllegalArgumentException vlan = assertThrows(
                IllegalArgumentException.class,
                () -> DecapOffload.load(local, 4789, GW_MAC, TRUNK, Map.of(VNI, 4095), 16));
        assertEquals("VLAN of VNI 10100: 4095 (expected: 1..4094)", vlan.getMessage());
        IllegalArgumentException none = assertThrows(
                IllegalArgumentException.class, () -> DecapOffload.load(local, 4789, GW_MAC, TRUNK, Map.of(), 16));
        assertEquals("vlanByVni: 0 VNIs (expected: 1..4094)", none.getMessage());
        IllegalArgumentException sources = assertThrows(
                IllegalArgumentException.class,
                () -> DecapOffload.load(local, 4789, GW_MAC, TRUNK, Map.of(VNI, VLAN), 0));
        assertEquals("maxSources: 0 (expected: 1..4194304)", sources.getMessage());
    }

    @Test
    void aFullSourceMapKeepsTheNewSourceOnTheEnginesPathAndCountsIt() throws Exception {
        try (DecapOffload small =
                DecapOffload.load(InetAddress.getByName("10.99.0.1"), 4789, GW_MAC, TRUNK, Map.of(VNI, VLAN), 1)) {
            InetAddress remote = InetAddress.getByName("10.99.0.2");
            small.learned(VNI, 0x02_00_00_00_00_01L, remote);
            small.learned(VNI, INNER_SRC, remote);
            assertEquals(1, small.refused());
            assertEquals(Verdict.PASS, small.run(valid(x -> {})).action(), "not in the map: the engine's");
        }
    }

    /**
     * The kernel empties the program's device map when the trunk goes away: its packets then reach the kernel
     * unchanged (the gateway counts what it cannot send); once an interface of that name is back, following it
     * restores the redirect.
     */
    @Test
    void whileTheTrunkIsGonePacketsGoToTheKernelAndItsReturnIsFollowed() throws Exception {
        byte[] p = valid(x -> {});
        assertEquals(Verdict.REDIRECT, offload.run(p).action());
        Namespace.SELF.ok("ip", "link", "del", TRUNK);
        try {
            assertPassedUnchanged(p, "no trunk");
            assertEquals(false, offload.followTrunk(), "the kernel emptied the map already");
            assertPassedUnchanged(p, "still no trunk");
        } finally {
            addTrunk();
        }
        assertPassedUnchanged(p, "a new interface of the name, not followed yet");
        assertEquals(true, offload.followTrunk());
        Verdict back = offload.run(p);
        assertEquals(Verdict.REDIRECT, back.action());
        assertArrayEquals(tagged(p, VLAN), back.frame());
        assertEquals(false, offload.followTrunk(), "nothing changed since");
    }

    /**
     * A trunk moved to another namespace and back keeps its index, but the kernel took it out of the program's map
     * when it left: following reads the map, so the trunk goes back in once it is up again.
     */
    @Test
    void aTrunkBackFromAnotherNamespaceWithItsIndexIsPutBack() throws Exception {
        byte[] p = valid(x -> {});
        String before = Namespace.SELF.ok("ip", "-o", "link", "show", "dev", TRUNK);
        try (Lab lab = new Lab("decapmove")) {
            Namespace away = lab.namespace("away");
            Namespace.SELF.ok("ip", "link", "set", TRUNK, "netns", away.name());
            try {
                assertPassedUnchanged(p, "trunk in another namespace"); // and back before the next look
            } finally {
                away.ok("ip", "link", "set", TRUNK, "netns", Netns.self());
            }
        }
        String after = Namespace.SELF.ok("ip", "-o", "link", "show", "dev", TRUNK);
        assertEquals(before.substring(0, before.indexOf(':')), after.substring(0, after.indexOf(':')), "same index");
        Namespace.SELF.ok("ip", "link", "set", TRUNK, "up"); // a move leaves it down
        assertPassedUnchanged(p, "back, but not in the map yet");
        assertEquals(true, offload.followTrunk(), "put back");
        assertEquals(Verdict.REDIRECT, offload.run(p).action());
    }

    /** A trunk that is down would drop what the program sends it, uncounted: its packets go to the engine instead. */
    @Test
    void whileTheTrunkIsDownPacketsGoToTheKernel() throws Exception {
        byte[] p = valid(x -> {});
        assertEquals(false, offload.followTrunk(), "up, as loaded");
        Namespace.SELF.ok("ip", "link", "set", TRUNK, "down");
        try {
            assertEquals(true, offload.followTrunk(), "taken out of the map");
            assertPassedUnchanged(p, "trunk down");
            assertEquals(false, offload.followTrunk(), "nothing changed since");
        } finally {
            Namespace.SELF.ok("ip", "link", "set", TRUNK, "up");
        }
        assertEquals(true, offload.followTrunk(), "up again");
        assertEquals(Verdict.REDIRECT, offload.run(p).action());
    }

    /**
     * The program attached for real to an underlay (a veth pair holding the local address, in the test's namespace):
     * when that interface is deleted and made again with another MAC and the same address, the program built for the
     * new MAC is attached to it, once; packets to the old MAC then go to the kernel.
     */
    @Test
    void aRecreatedUnderlayGetsAProgramForItsMac() throws Exception {
        long first = 0x02_00_00_00_0D_01L;
        long second = 0x02_00_00_00_0D_02L;
        addUnderlay(first);
        try (DecapOffload attached = openOnUnderlay()) {
            byte[] toFirst = underlayPacket(first);
            byte[] toSecond = underlayPacket(second);
            assertEquals(Verdict.REDIRECT, attached.run(toFirst).action(), "for the interface's MAC");
            assertEquals(Verdict.PASS, attached.run(toSecond).action(), "another MAC: the kernel's");
            String id = programOn("du0");
            assertFalse(id.isEmpty(), "attached at open");
            assertFalse(attached.followUnderlay(), "the same interface: nothing to do");

            Namespace.SELF.ok("ip", "link", "del", "du0");
            assertFalse(attached.followUnderlay(), "no interface holds the address");
            addUnderlay(second);
            attached.followUnderlay(); // this call or the watch thread's, whichever comes first; once
            Await.until(
                    Duration.ofSeconds(5),
                    () -> attached.reattached() == 1 && !programOn("du0").isEmpty(),
                    () -> attached.reattached() + " reattachments; " + attached.attachProblem());
            assertFalse(attached.followUnderlay(), "nothing changed since");
            assertEquals(1, attached.reattached());
            assertEquals(null, attached.attachProblem());
            assertFalse(id.equals(programOn("du0")), "a program built for the new MAC: " + id);
            Verdict v = attached.run(toSecond);
            assertEquals(Verdict.REDIRECT, v.action(), "for the new MAC");
            assertArrayEquals(tagged(toSecond, VLAN), v.frame());
            assertEquals(Verdict.PASS, attached.run(toFirst).action(), "the old MAC: the kernel's");
            assertTrue(attached.describe().contains(" on du0 decapsulated in generic XDP"), attached.describe());
        } finally {
            Namespace.SELF.deleteLinks("du0");
        }
    }

    /**
     * The trunk's MTU changed on the interface that stays: following it builds a program for the new MTU, so that a
     * frame the trunk can no longer carry goes to the engine (the kernel would drop it after the redirect), and one it
     * can carry again after a raise is redirected.
     */
    @Test
    void aTrunkMtuChangedInPlaceGetsAProgramForIt() throws Exception {
        assertEquals(Verdict.REDIRECT, offload.run(ofPayload(1500)).action(), "MTU 1,500, as loaded");
        Namespace.SELF.ok("ip", "link", "set", TRUNK, "mtu", "1000");
        try {
            assertEquals(true, offload.followTrunk(), "a program for MTU 1,000");
            assertEquals(1, offload.rebuilt());
            assertEquals(Verdict.REDIRECT, offload.run(ofPayload(1000)).action(), "payload 1,000: fits");
            assertPassedUnchanged(ofPayload(1001), "payload 1,001: too long for the trunk now");
            assertEquals(false, offload.followTrunk(), "nothing changed since");
            assertEquals(null, offload.attachProblem());
        } finally {
            Namespace.SELF.ok("ip", "link", "set", TRUNK, "mtu", "1500");
        }
        assertEquals(true, offload.followTrunk(), "back to 1,500");
        assertEquals(2, offload.rebuilt());
        assertEquals(Verdict.REDIRECT, offload.run(ofPayload(1500)).action());
    }

    /** A trunk recreated with another MTU gets a program for that MTU when it is put back in the map. */
    @Test
    void aTrunkRecreatedWithAnotherMtuGetsAProgramForIt() throws Exception {
        Namespace.SELF.ok("ip", "link", "del", TRUNK);
        try {
            Namespace.SELF.ok("ip", "link", "add", TRUNK, "mtu", "1000", "type", "veth", "peer", "name", "dt1");
            Namespace.SELF.ok("ip", "link", "set", "dt1", "up");
            Namespace.SELF.ok("ip", "link", "set", TRUNK, "up");
            assertEquals(true, offload.followTrunk(), "back, with a program for MTU 1,000");
            assertEquals(1, offload.rebuilt());
            assertEquals(Verdict.REDIRECT, offload.run(ofPayload(1000)).action(), "payload 1,000: fits");
            assertPassedUnchanged(ofPayload(1001), "payload 1,001: too long for the new trunk");
        } finally {
            Namespace.SELF.run(Duration.ofSeconds(10), "ip", "link", "del", TRUNK);
            addTrunk();
        }
    }

    /**
     * The program attached for real: the underlay's MAC changed on the interface that stays, and then the trunk's
     * MTU. Each time a program built for the new value takes the old one's place on the underlay's link, without
     * attaching again, so that packets to the new MAC are decapsulated and those to the old one go to the kernel.
     */
    @Test
    void anUnderlayMacChangedInPlaceGetsAProgramForIt() throws Exception {
        long first = 0x02_00_00_00_0D_01L;
        long second = 0x02_00_00_00_0D_03L;
        try {
            addUnderlay(first);
            try (DecapOffload attached = openOnUnderlay()) {
                byte[] toFirst = underlayPacket(first);
                byte[] toSecond = underlayPacket(second);
                String id = programOn("du0");
                Namespace.SELF.ok("ip", "link", "set", "du0", "address", "02:00:00:00:0d:03");
                attached.followUnderlay(); // this call or the watch thread's, whichever comes first; once
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.rebuilt() == 1 && !programOn("du0").equals(id),
                        () -> attached.rebuilt() + " rebuilt; " + programOn("du0") + "; " + attached.attachProblem());
                Verdict v = attached.run(toSecond);
                assertEquals(Verdict.REDIRECT, v.action(), "for the new MAC");
                assertArrayEquals(tagged(toSecond, VLAN), v.frame());
                assertEquals(Verdict.PASS, attached.run(toFirst).action(), "the old MAC: the kernel's");
                assertEquals(0, attached.reattached(), "the same link, another program");
                assertFalse(attached.followUnderlay(), "nothing changed since");

                String afterMac = programOn("du0");
                byte[] big = underlayPacketOfPayload(second, 1401);
                assertEquals(Verdict.REDIRECT, attached.run(big).action(), "fits the trunk's 1,500");
                Namespace.SELF.ok("ip", "link", "set", TRUNK, "mtu", "1400");
                try {
                    Await.until(
                            Duration.ofSeconds(5),
                            () -> attached.rebuilt() == 2 && !programOn("du0").equals(afterMac),
                            () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
                    assertEquals(Verdict.PASS, attached.run(big).action(), "too long for the trunk's 1,400");
                } finally {
                    Namespace.SELF.ok("ip", "link", "set", TRUNK, "mtu", "1500");
                }
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.rebuilt() == 3,
                        () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
                assertEquals(null, attached.attachProblem());
            }
        } finally {
            Namespace.SELF.deleteLinks("du0");
        }
    }

    /**
     * The local address moved to another interface while the one the program is on stays: the program is attached to
     * the new interface (built for its MAC) and detached from the old one.
     */
    @Test
    void anAddressMovedFromAnInterfaceThatStaysIsFollowed() throws Exception {
        long second = 0x02_00_00_00_0D_04L;
        try {
            addUnderlay(0x02_00_00_00_0D_01L);
            try (DecapOffload attached = openOnUnderlay()) {
                FollowedLink.moveAddress(
                        "du0", "du2", "du3", second, "10.97.0.1/24", "10.97.0.2", 0x02_00_00_00_0D_14L);
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.reattached() == 1
                                && !programOn("du2").isEmpty()
                                && programOn("du0").isEmpty(),
                        () -> attached.reattached() + " reattachments; on du0 " + programOn("du0") + ", on du2 "
                                + programOn("du2") + "; " + attached.attachProblem());
                byte[] toSecond = underlayPacket(second);
                Verdict v = attached.run(toSecond);
                assertEquals(Verdict.REDIRECT, v.action(), "for the new interface's MAC");
                assertArrayEquals(tagged(toSecond, VLAN), v.frame());
                assertTrue(attached.describe().contains(" on du2 decapsulated in generic XDP"), attached.describe());
                assertEquals(null, attached.attachProblem());
            }
        } finally {
            Namespace.SELF.deleteLinks("du2", "du0");
        }
    }

    /** As {@link #underlayPacket}, its inner frame carrying {@code payload} bytes after its 14-byte header. */
    private static byte[] underlayPacketOfPayload(long mac, int payload) {
        byte[] p = ofPayload(payload);
        putMac(p, 0, mac);
        p[27] = 97;
        p[31] = 97;
        putShort(p, 24, 0);
        putShort(p, 24, ipChecksum(p));
        return p;
    }

    /**
     * An underlay moved to another namespace loses its address; once another interface holds it, the program is
     * attached there (the kernel may keep it on the moved interface, which this namespace no longer sees).
     */
    @Test
    void theAddressOnAnotherInterfaceAfterTheUnderlayLeftTheNamespaceIsFollowed() throws Exception {
        addUnderlay(0x02_00_00_00_0D_01L);
        try (Lab lab = new Lab("decapaway");
                DecapOffload attached = DecapOffload.open(
                        InetAddress.getByName("10.97.0.1"),
                        4789,
                        TRUNK,
                        Map.of(VNI, VLAN),
                        16,
                        io.vtep4j.XdpMode.AUTO)) {
            Namespace away = lab.namespace("away");
            Namespace.SELF.ok("ip", "link", "set", "du0", "netns", away.name());
            assertFalse(attached.followUnderlay(), "no interface here holds the address");
            Namespace.SELF.ok("ip", "link", "add", "du2", "type", "veth", "peer", "name", "du3");
            try {
                Namespace.SELF.ok("ip", "addr", "add", "10.97.0.1/24", "dev", "du2");
                Namespace.SELF.ok("ip", "link", "set", "du2", "up");
                attached.followUnderlay(); // this call or the watch thread's, whichever comes first; once
                Await.until(
                        Duration.ofSeconds(5),
                        () -> attached.reattached() == 1 && !programOn("du2").isEmpty(),
                        () -> attached.reattached() + " reattachments; " + attached.attachProblem());
                assertTrue(attached.describe().contains(" on du2 decapsulated in generic XDP"), attached.describe());
            } finally {
                Namespace.SELF.deleteLinks("du2");
            }
        } finally {
            Namespace.SELF.deleteLinks("du0");
        }
    }

    /** The program attached to the underlay du0 (10.97.0.1), INNER_SRC learned at 10.97.0.2. */
    private static DecapOffload openOnUnderlay() throws Exception {
        DecapOffload attached = DecapOffload.open(
                InetAddress.getByName("10.97.0.1"), 4789, TRUNK, Map.of(VNI, VLAN), 16, io.vtep4j.XdpMode.AUTO);
        attached.learned(VNI, INNER_SRC, InetAddress.getByName("10.97.0.2"));
        return attached;
    }

    /** The underlay pair du0 (MAC {@code mac}, 10.97.0.1/24) and du1, both up. */
    private static void addUnderlay(long mac) {
        Namespace.SELF.ok("ip", "link", "add", "du0", "type", "veth", "peer", "name", "du1");
        Namespace.SELF.ok(
                "ip",
                "link",
                "set",
                "du0",
                "address",
                String.format("%012x", mac).replaceAll("(..)(?!$)", "$1:"));
        Namespace.SELF.ok("ip", "addr", "add", "10.97.0.1/24", "dev", "du0");
        Namespace.SELF.ok("ip", "link", "set", "du1", "up");
        Namespace.SELF.ok("ip", "link", "set", "du0", "up");
    }

    /** As {@link #valid}, addressed to {@code mac} at 10.97.0.1 from 10.97.0.2. */
    private static byte[] underlayPacket(long mac) {
        return valid(p -> {
            putMac(p, 0, mac);
            p[27] = 97;
            p[31] = 97;
        });
    }

    /** The id of the XDP program on {@code ifname} as {@code ip link} shows it, or "" when there is none. */
    static String programOn(String ifname) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("prog/xdp id (\\d+)")
                .matcher(Namespace.SELF.ok("ip", "-d", "link", "show", "dev", ifname));
        return m.find() ? m.group(1) : "";
    }

    @Test
    void aTrunkThatDoesNotExistIsRefusedByName() {
        java.io.IOException e = assertThrows(
                java.io.IOException.class,
                () -> DecapOffload.load(
                        InetAddress.getByName("10.99.0.1"), 4789, GW_MAC, "nosuch9", Map.of(VNI, VLAN), 16));
        assertEquals("no interface named nosuch9", e.getMessage());
    }
}
