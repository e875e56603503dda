package io.vtep4j.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.internal.xdp.DecapOffload.Verdict;
import io.vtep4j.internal.xdp.OffloadSources;
import io.vtep4j.internal.xdp.StitchOffload;
import io.vtep4j.internal.xdp.StitchOffload.Interface;
import io.vtep4j.internal.xdp.StitchOffload.Side;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The kernel-side relay of a VNI stitch, run by the kernel on crafted packets ({@code BPF_PROG_TEST_RUN}: nothing is
 * sent): a VXLAN packet whose source and destination both VTEPs already hold where the stitch would take them leaves
 * as exactly the packet the other VTEP sends (its default outer header, the packet's own UDP source port), in both
 * directions, and is counted; every packet either VTEP must see (a MAC not yet learned, learned elsewhere, a flood,
 * an outer header out of the ordinary, too big for the other side) leaves the program unchanged. Needs root.
 */
class StitchProgramIT {
    private static final long A_MAC = 0x02_00_00_00_00_01L;
    private static final long B_MAC = 0x02_00_00_00_01_01L;
    private static final long HOP_B = 0x02_00_00_00_01_02L;
    private static final long HOP_A = 0x02_00_00_00_00_02L;
    /** A host of domain A, behind remote X of VTEP A; and one of domain B, behind remote R of VTEP B. */
    private static final long S = 0x02_00_00_00_00_BBL;

    private static final long D = 0x02_00_00_00_00_AAL;
    private static final int A_VNI = 10100;
    private static final int B_VNI = 20200;
    private static final int X = 0x0A_63_00_02; // 10.99.0.2
    private static final int R = 0x0A_62_00_02; // 10.98.0.2
    private static final int B_PORT = 8472;

    private StitchOffload offload;
    private OffloadSources.Target onA;
    private OffloadSources.Target onB;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip");
    }

    @BeforeEach
    void load() throws Exception {
        offload = StitchOffload.load(
                new Side(InetAddress.getByName("10.99.0.1"), 4789, A_VNI),
                new Interface(1, A_MAC, 1500),
                new Side(InetAddress.getByName("10.98.0.1"), B_PORT, B_VNI),
                new Interface(1, B_MAC, 1500),
                16);
        learnAll();
    }

    /** Both tables agree on S and D, both next hops known: what a packet needs to be relayed either way. */
    private void learnAll() throws Exception {
        learnTables();
        offload.nextHop(false, R, HOP_B);
        offload.nextHop(true, X, HOP_A);
    }

    /** Both tables agree on S and D. */
    private void learnTables() throws Exception {
        onA = offload.side(true);
        onB = offload.side(false);
        onA.learned(A_VNI, S, InetAddress.getByName("10.99.0.2")); // A learned S at X
        onA.learnedLocal(A_VNI, D); // and D on its stitch port (from B's side)
        onB.learnedLocal(B_VNI, S); // B learned S on its stitch port
        onB.learned(B_VNI, D, InetAddress.getByName("10.98.0.2")); // and D at R
    }

    @AfterEach
    void close() {
        if (offload != null) {
            offload.close();
        }
    }

    /** From X to VTEP A (10.99.0.1:4789), VNI A, inner S -> D carrying IPv4; {@code payload} bytes after it. */
    static byte[] toA(int payload, Consumer<byte[]> change) {
        byte[] p = new byte[50 + 14 + payload];
        DecapProgramIT.putMac(p, 0, A_MAC);
        DecapProgramIT.putMac(p, 6, HOP_A);
        p[12] = 0x08;
        p[14] = 0x45;
        DecapProgramIT.putShort(p, 16, p.length - 14);
        p[18] = 0x12; // an identification and a DSCP the sender chose
        p[15] = (byte) 0xB8;
        p[22] = 31;
        p[23] = 17;
        putAddress(p, 26, X);
        putAddress(p, 30, 0x0A_63_00_01);
        DecapProgramIT.putShort(p, 34, 51234);
        DecapProgramIT.putShort(p, 36, 4789);
        DecapProgramIT.putShort(p, 38, p.length - 34);
        DecapProgramIT.putShort(p, 40, 0x1234); // a UDP checksum, not verified
        p[42] = 0x08;
        putVni(p, A_VNI);
        DecapProgramIT.putMac(p, 50, D);
        DecapProgramIT.putMac(p, 56, S);
        p[62] = 0x08;
        for (int i = 64; i < p.length; i++) {
            p[i] = (byte) i;
        }
        change.accept(p);
        DecapProgramIT.putShort(p, 24, 0);
        DecapProgramIT.putShort(p, 24, DecapProgramIT.ipChecksum(p));
        return p;
    }

    /** The packet VTEP B sends for {@code in}'s inner frame: to R from 10.98.0.1:B_PORT, VNI B, same source port. */
    static byte[] fromB(byte[] in) {
        return sent(in, HOP_B, B_MAC, 0x0A_62_00_01, R, B_PORT, B_VNI);
    }

    /**
     * {@code in}'s inner frame as a VTEP sends it with its default outer header (DSCP and ECN 0, identification 0, DF,
     * TTL 64, UDP checksum 0), from {@code mac} and {@code source} to {@code hop} and {@code destination}, keeping
     * the UDP source port.
     */
    static byte[] sent(byte[] in, long hop, long mac, int source, int destination, int port, int vni) {
        byte[] p = in.clone();
        DecapProgramIT.putMac(p, 0, hop);
        DecapProgramIT.putMac(p, 6, mac);
        p[15] = 0;
        DecapProgramIT.putShort(p, 18, 0);
        DecapProgramIT.putShort(p, 20, 0x4000);
        p[22] = 64;
        putAddress(p, 26, source);
        putAddress(p, 30, destination);
        DecapProgramIT.putShort(p, 36, port);
        DecapProgramIT.putShort(p, 40, 0);
        putVni(p, vni);
        DecapProgramIT.putShort(p, 24, 0);
        DecapProgramIT.putShort(p, 24, DecapProgramIT.ipChecksum(p));
        return p;
    }

    private static void putAddress(byte[] p, int at, int address) {
        for (int i = 0; i < 4; i++) {
            p[at + i] = (byte) (address >>> (24 - 8 * i));
        }
    }

    private static void putVni(byte[] p, int vni) {
        p[46] = (byte) (vni >>> 16);
        p[47] = (byte) (vni >>> 8);
        p[48] = (byte) vni;
    }

    private void assertPassedUnchanged(byte[] p, String why) throws Exception {
        Verdict v = offload.run(p);
        assertEquals(Verdict.PASS, v.action(), why);
        assertArrayEquals(p, v.frame(), why + ": the packet must reach the VTEPs as it came");
    }

    @Test
    void aPacketBothTablesAgreeOnLeavesAsTheOtherVtepsPacketAndIsCounted() throws Exception {
        byte[] in = toA(46, x -> {});
        Verdict v = offload.run(in);
        assertEquals(Verdict.REDIRECT, v.action());
        assertArrayEquals(fromB(in), v.frame());
        assertEquals(1, offload.frames(false), "relayed out of B");
        assertEquals(in.length, offload.bytes(false));
        assertEquals(0, offload.frames(true));

        // the marks: S as A holds it (at X) and as B holds it (its stitch port), for both tables to refresh
        assertTrue(onA.seen(A_VNI, S) && onB.seen(B_VNI, S));
        assertFalse(onA.seen(A_VNI, D) || onB.seen(B_VNI, D), "only sources are marked");
        assertFalse(onA.seen(B_VNI, S), "side A's target answers for A's VNI only");
        List<String> seen = new ArrayList<>();
        int handed = offload.refreshHits(
                (vni, mac) -> seen.add("A " + vni + " " + Long.toHexString(mac)),
                (vni, mac) -> seen.add("B " + vni + " " + Long.toHexString(mac)));
        assertEquals(2, handed);
        assertEquals(List.of("A 10100 200000000bb", "B 20200 200000000bb"), seen);
        assertEquals(0, offload.refreshHits((vni, mac) -> seen.add("again"), (vni, mac) -> seen.add("again")));
        assertFalse(onA.seen(A_VNI, S) || onB.seen(B_VNI, S), "cleared by the walk");

        // the longest packet B's 1500-byte underlay takes, and one byte more
        byte[] longest = toA(1500 - 50 - 14 + 14, x -> {});
        assertEquals(1514, longest.length);
        assertArrayEquals(fromB(longest), offload.run(longest).frame());
        assertPassedUnchanged(toA(1500 - 50 + 1, x -> {}), "too big for B's tunnel: VTEP B answers it");
    }

    /**
     * The kernel drops what a program redirects to an interface that is down, after the program counted it: while
     * B's interface is down, packets for it go to the VTEPs, which count what they cannot send; once it is up they
     * are relayed again.
     */
    @Test
    void whileTheOtherSidesInterfaceIsDownPacketsGoToTheVteps() throws Exception {
        try (FollowedLink sideA = FollowedLink.create("sa0", "sa1");
                FollowedLink sideB = FollowedLink.create("sb0", "sb1")) {
            // each with the MAC and MTU the program is built for: nothing else to follow
            Namespace.SELF.ok("ip", "link", "set", "sa0", "address", colons(A_MAC));
            Namespace.SELF.ok("ip", "link", "set", "sb0", "address", colons(B_MAC));
            offload.close();
            offload = StitchOffload.load(
                    new Side(InetAddress.getByName("10.99.0.1"), 4789, A_VNI),
                    new Interface(sideA.index(), A_MAC, 1500),
                    new Side(InetAddress.getByName("10.98.0.1"), B_PORT, B_VNI),
                    new Interface(sideB.index(), B_MAC, 1500),
                    16);
            learnAll();
            byte[] in = toA(46, x -> {});
            sideB.assertFollowed(
                    offload::followInterfaces,
                    when -> {
                        Verdict v = offload.run(in);
                        assertEquals(Verdict.REDIRECT, v.action(), when);
                        assertArrayEquals(fromB(in), v.frame(), when);
                    },
                    when -> assertPassedUnchanged(in, when));
        }
    }

    /**
     * The program attached for real, each side's address on a veth of its own with its next hop in the neighbour
     * table: when B's interface is deleted and made again with another MAC, MTU and next hop, following it attaches
     * the program there, rebuilt for that MAC and MTU (and replaced on A's interface in one step), and A's packets
     * for B leave from the new MAC to the new next hop.
     */
    @Test
    void aRecreatedSideIsFollowedWithItsMacAndNextHop() throws Exception {
        long secondMac = 0x02_00_00_00_01_03L;
        long secondHop = 0x02_00_00_00_01_04L;
        try (StitchOffload attached = openOnTwoSides()) {
            byte[] in = toA(46, x -> {});
            String onA = DecapProgramIT.programOn("sa0");
            assertEquals(onA, DecapProgramIT.programOn("sb0"), "one program on both");
            assertEquals(
                    "VNI 10100 at 10.99.0.1:4789 and VNI 20200 at 10.98.0.1:8472 relayed on sa0 (generic XDP) and "
                            + "sb0 (generic XDP)",
                    attached.describe());

            Namespace.SELF.ok("ip", "link", "del", "sb0");
            assertPassedUnchanged(in, "B's interface gone");
            assertFalse(attached.followInterfaces(), "no interface holds B's address");
            addSide("sb0", "sb1", secondMac, 1400, "10.98.0.1/24", "10.98.0.2", secondHop);
            attached.followInterfaces(); // this call or the watch thread's, whichever comes first; once
            byte[] expected = sent(in, secondHop, secondMac, 0x0A_62_00_01, R, B_PORT, B_VNI);
            Await.until(
                    java.time.Duration.ofSeconds(5),
                    () -> attached.followed() == 1 && relayedAs(in, expected),
                    () -> attached.followed() + " times followed; " + attached.attachProblem());
            assertFalse(attached.followInterfaces(), "nothing changed since");
            assertEquals(null, attached.attachProblem());
            String now = DecapProgramIT.programOn("sb0");
            assertFalse(now.isEmpty() || now.equals(onA), "a program built for the new MAC: " + onA + " then " + now);
            assertEquals(now, DecapProgramIT.programOn("sa0"), "replaced on A's interface too");
            byte[] fits = toA(1400 - 50, x -> {}); // 1,400 bytes of IPv4 out of B
            assertTrue(relayedAs(fits, sent(fits, secondHop, secondMac, 0x0A_62_00_01, R, B_PORT, B_VNI)));
            assertPassedUnchanged(toA(1400 - 49, x -> {}), "a byte too big for B's new MTU: the VTEPs'");
            assertTrue(attached.describe().endsWith("and sb0 (generic XDP)"), attached.describe());
        } finally {
            offload = null;
            Namespace.SELF.deleteLinks("sa0", "sb0");
        }
    }

    /**
     * The program attached for real: B's interface stays but changes its MTU, then its MAC. Each time a program built
     * for the new values takes the old one's place on both interfaces in one step, and A's packets for B leave as
     * they now must: within the new MTU, from the new MAC.
     */
    @Test
    void aSidesMtuOrMacChangedInPlaceGetsAProgramForThem() throws Exception {
        long secondMac = 0x02_00_00_00_01_05L;
        try (StitchOffload attached = openOnTwoSides()) {
            byte[] in = toA(46, x -> {});
            byte[] big = toA(1400 - 49, x -> {}); // a byte too big for an MTU of 1,400 out of B
            assertTrue(relayedAs(big, fromB(big)), "fits B's 1,500");
            String first = DecapProgramIT.programOn("sa0");

            Namespace.SELF.ok("ip", "link", "set", "sb0", "mtu", "1400");
            attached.followInterfaces(); // this call or the watch thread's, whichever comes first; once
            Await.until(
                    java.time.Duration.ofSeconds(5),
                    () -> attached.rebuilt() == 1
                            && !DecapProgramIT.programOn("sa0").equals(first),
                    () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
            assertEquals(DecapProgramIT.programOn("sa0"), DecapProgramIT.programOn("sb0"), "one program on both");
            assertPassedUnchanged(big, "a byte too big for B's new MTU: the VTEPs'");
            assertTrue(relayedAs(in, fromB(in)));
            assertEquals(0, attached.followed(), "the same interfaces");
            assertFalse(attached.followInterfaces(), "nothing changed since");

            Namespace.SELF.ok("ip", "link", "set", "sb0", "address", colons(secondMac));
            byte[] expected = sent(in, HOP_B, secondMac, 0x0A_62_00_01, R, B_PORT, B_VNI);
            Await.until(
                    java.time.Duration.ofSeconds(5),
                    () -> attached.rebuilt() == 2 && relayedAs(in, expected),
                    () -> attached.rebuilt() + " rebuilt; " + attached.attachProblem());
            assertEquals(null, attached.attachProblem());
        } finally {
            offload = null;
            Namespace.SELF.deleteLinks("sa0", "sb0");
        }
    }

    /**
     * B's address moved to another interface while B's interface stays: the program is attached to the new one and
     * detached from the old, and A's packets for B leave from the new interface's MAC to its next hop.
     */
    @Test
    void aSidesAddressMovedFromAnInterfaceThatStaysIsFollowed() throws Exception {
        long thirdMac = 0x02_00_00_00_01_06L;
        long thirdHop = 0x02_00_00_00_01_07L;
        try (StitchOffload attached = openOnTwoSides()) {
            byte[] in = toA(46, x -> {});
            FollowedLink.moveAddress("sb0", "sb2", "sb3", thirdMac, "10.98.0.1/24", "10.98.0.2", thirdHop);
            byte[] expected = sent(in, thirdHop, thirdMac, 0x0A_62_00_01, R, B_PORT, B_VNI);
            Await.until(
                    java.time.Duration.ofSeconds(5),
                    () -> attached.followed() == 1 && relayedAs(in, expected),
                    () -> attached.followed() + " times followed; " + attached.attachProblem());
            assertTrue(DecapProgramIT.programOn("sb0").isEmpty(), "detached from the interface the address left");
            assertEquals(DecapProgramIT.programOn("sa0"), DecapProgramIT.programOn("sb2"), "one program on both");
            assertTrue(attached.describe().endsWith("and sb2 (generic XDP)"), attached.describe());
            assertEquals(null, attached.attachProblem());
        } finally {
            offload = null;
            Namespace.SELF.deleteLinks("sa0", "sb0", "sb2");
        }
    }

    /**
     * In place of the program loaded for the other tests: one attached for real to sa0 (side A, 10.99.0.1) and sb0
     * (side B, 10.98.0.1), both tables agreeing on S and D, relaying once both next hops are known.
     */
    private StitchOffload openOnTwoSides() throws Exception {
        offload.close();
        offload = null;
        addSide("sa0", "sa1", A_MAC, 1500, "10.99.0.1/24", "10.99.0.2", HOP_A);
        addSide("sb0", "sb1", B_MAC, 1500, "10.98.0.1/24", "10.98.0.2", HOP_B);
        offload = StitchOffload.open(
                new Side(InetAddress.getByName("10.99.0.1"), 4789, A_VNI),
                new Side(InetAddress.getByName("10.98.0.1"), B_PORT, B_VNI),
                16,
                io.vtep4j.XdpMode.AUTO);
        try {
            learnTables();
            byte[] in = toA(46, x -> {});
            Await.until(java.time.Duration.ofSeconds(5), () -> relayedAs(in, fromB(in)), () -> "both next hops");
            return offload;
        } catch (Exception | Error e) {
            offload.close();
            offload = null;
            throw e;
        }
    }

    private boolean relayedAs(byte[] in, byte[] expected) {
        try {
            Verdict v = offload.run(in);
            return v.action() == Verdict.REDIRECT && Arrays.equals(expected, v.frame());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A veth pair {@code name}/{@code peer}: MAC, MTU and address on the first, {@code hop} at {@code neighbour}. */
    private static void addSide(String name, String peer, long mac, int mtu, String cidr, String neighbour, long hop) {
        Namespace.SELF.ok("ip", "link", "add", name, "type", "veth", "peer", "name", peer);
        Namespace.SELF.ok("ip", "link", "set", name, "address", colons(mac), "mtu", Integer.toString(mtu));
        Namespace.SELF.ok("ip", "addr", "add", cidr, "dev", name);
        Namespace.SELF.ok("ip", "link", "set", peer, "up");
        Namespace.SELF.ok("ip", "link", "set", name, "up");
        Namespace.SELF.ok("ip", "neigh", "replace", neighbour, "lladdr", colons(hop), "dev", name, "nud", "permanent");
    }

    private static String colons(long mac) {
        return String.format("%012x", mac).replaceAll("(..)(?!$)", "$1:");
    }

    @Test
    void theOtherDirectionIsRelayedByTheSameProgram() throws Exception {
        // from R to VTEP B (B's port, VNI B), inner D -> S: leaves A for X in VNI A
        byte[] in = toA(46, x -> {
            DecapProgramIT.putMac(x, 0, B_MAC);
            putAddress(x, 26, R);
            putAddress(x, 30, 0x0A_62_00_01);
            DecapProgramIT.putShort(x, 36, B_PORT);
            putVni(x, B_VNI);
            DecapProgramIT.putMac(x, 50, S);
            DecapProgramIT.putMac(x, 56, D);
        });
        Verdict v = offload.run(in);
        assertEquals(Verdict.REDIRECT, v.action());
        byte[] out = v.frame();
        byte[] expected = toA(46, x -> {
            DecapProgramIT.putMac(x, 0, HOP_A);
            DecapProgramIT.putMac(x, 6, A_MAC);
            x[15] = 0;
            x[18] = 0;
            DecapProgramIT.putShort(x, 20, 0x4000);
            x[22] = 64;
            putAddress(x, 26, 0x0A_63_00_01);
            putAddress(x, 30, X);
            DecapProgramIT.putShort(x, 40, 0);
            DecapProgramIT.putMac(x, 50, S);
            DecapProgramIT.putMac(x, 56, D);
        });
        assertArrayEquals(expected, out);
        assertEquals(1, offload.frames(true), "relayed out of A");
        assertTrue(onB.seen(B_VNI, D) && onA.seen(A_VNI, D));
    }

    /** Two VTEPs on one address, told apart by their ports: each port's packets take their own half of the program. */
    @Test
    void sidesAtOneAddressOnTwoPortsAreRelayedBothWays() throws Exception {
        offload.close();
        InetAddress local = InetAddress.getByName("10.99.0.1");
        Interface shared = new Interface(1, A_MAC, 1500);
        offload = StitchOffload.load(new Side(local, 4789, A_VNI), shared, new Side(local, B_PORT, B_VNI), shared, 16);
        onA = offload.side(true);
        onB = offload.side(false);
        onA.learned(A_VNI, S, InetAddress.getByName("10.99.0.2"));
        onA.learnedLocal(A_VNI, D);
        onB.learnedLocal(B_VNI, S);
        onB.learned(B_VNI, D, InetAddress.getByName("10.98.0.2"));
        offload.nextHop(false, R, HOP_B);
        offload.nextHop(true, X, HOP_A);

        byte[] toA = toA(46, x -> {});
        Verdict v = offload.run(toA);
        assertEquals(Verdict.REDIRECT, v.action(), "to A's port");
        assertArrayEquals(sent(toA, HOP_B, A_MAC, 0x0A_63_00_01, R, B_PORT, B_VNI), v.frame());

        byte[] toB = toA(46, x -> {
            putAddress(x, 26, R);
            DecapProgramIT.putShort(x, 36, B_PORT);
            putVni(x, B_VNI);
            DecapProgramIT.putMac(x, 50, S);
            DecapProgramIT.putMac(x, 56, D);
        });
        v = offload.run(toB);
        assertEquals(Verdict.REDIRECT, v.action(), "to B's port, at A's address");
        assertArrayEquals(sent(toB, HOP_A, A_MAC, 0x0A_63_00_01, X, 4789, A_VNI), v.frame());
        assertEquals(1, offload.frames(true), "relayed out of A");
        assertEquals(1, offload.frames(false), "relayed out of B");
        assertPassedUnchanged(toA(46, x -> DecapProgramIT.putShort(x, 36, 4790)), "a third port");
    }

    @Test
    void everyPacketAVtepMustSeeLeavesTheProgramUnchanged() throws Exception {
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("another VNI", toA(46, x -> putVni(x, A_VNI + 1)));
        cases.put("B's VNI sent to A", toA(46, x -> putVni(x, B_VNI)));
        cases.put("another port", toA(46, x -> DecapProgramIT.putShort(x, 36, 4790)));
        cases.put("another address", toA(46, x -> putAddress(x, 30, 0x0A_63_00_09)));
        cases.put("another MAC", toA(46, x -> DecapProgramIT.putMac(x, 0, 0x02_00_00_00_00_09L)));
        cases.put("ECN marked", toA(46, x -> x[15] = (byte) 0xBA));
        cases.put("a fragment", toA(46, x -> DecapProgramIT.putShort(x, 20, 0x2000)));
        cases.put("IP options", toA(46, x -> x[14] = 0x46));
        cases.put("VXLAN flags", toA(46, x -> x[42] = 0x0C));
        cases.put("inner ARP", toA(46, x -> DecapProgramIT.putShort(x, 62, 0x0806)));
        cases.put("inner broadcast", toA(46, x -> DecapProgramIT.putMac(x, 50, 0xFFFF_FFFF_FFFFL)));
        cases.put("inner multicast source", toA(46, x -> x[56] = 0x03));
        cases.put("source not learned", toA(46, x -> DecapProgramIT.putMac(x, 56, 0x02_00_00_00_00_EEL)));
        cases.put("source learned at another remote", toA(46, x -> putAddress(x, 26, 0x0A_63_00_03)));
        cases.put("destination unknown", toA(46, x -> DecapProgramIT.putMac(x, 50, 0x02_00_00_00_00_DDL)));
        byte[] badSum = toA(46, x -> {});
        badSum[24] ^= 1;
        cases.put("wrong IPv4 checksum", badSum);
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            assertPassedUnchanged(c.getValue(), c.getKey());
        }
        byte[] in = toA(46, x -> {});
        for (int length = 14; length < in.length; length++) { // the kernel test-runs nothing shorter than Ethernet
            assertPassedUnchanged(Arrays.copyOf(in, length), "truncated to " + length);
        }
        byte[] padded = Arrays.copyOf(in, in.length + 4);
        assertPassedUnchanged(padded, "lengths not matching the frame");

        // each condition of the tables, taken away and given back
        onA.forget(A_VNI, D);
        assertPassedUnchanged(in, "A does not hold D on its stitch port: it floods D");
        onA.learned(A_VNI, D, InetAddress.getByName("10.99.0.7"));
        assertPassedUnchanged(in, "A holds D at a remote of its own: not for the stitch");
        onA.learnedLocal(A_VNI, D);
        onB.learned(B_VNI, S, InetAddress.getByName("10.98.0.7"));
        assertPassedUnchanged(in, "B holds S at a remote: it would move S to its stitch port");
        onB.learnedLocal(B_VNI, S);
        onB.learnedLocal(B_VNI, D);
        assertPassedUnchanged(in, "B holds D on its stitch port: it would send D back");
        onB.learned(B_VNI, D, InetAddress.getByName("10.98.0.2"));
        offload.nextHop(false, R, -1);
        assertPassedUnchanged(in, "no next hop to R: VTEP B's socket resolves it");
        offload.nextHop(false, R, HOP_B);
        onA.clear();
        assertPassedUnchanged(in, "side A cleared");
        onA.learned(A_VNI, S, InetAddress.getByName("10.99.0.2"));
        onA.learnedLocal(A_VNI, D);
        assertEquals(Verdict.REDIRECT, offload.run(in).action(), "handed on again");
        assertEquals(1, offload.frames(false), "only the last");
        // events of other VNIs do not touch the stitched ones
        onA.forget(A_VNI + 1, S);
        onB.forget(A_VNI, S);
        assertEquals(Verdict.REDIRECT, offload.run(in).action());
    }

    /** Random byte changes: each packet is either passed on unchanged or relayed exactly. */
    @Test
    void randomDamageIsEitherPassedUnchangedOrRelayedExactly() throws Exception {
        Random random = new Random(7348);
        int relayed = 0;
        for (int round = 0; round < 400; round++) {
            byte[] p = toA(46, x -> {});
            int at = random.nextInt(p.length);
            p[at] ^= (byte) (1 + random.nextInt(255));
            Verdict v = offload.run(p);
            if (v.action() == Verdict.REDIRECT) {
                relayed++;
                assertArrayEquals(fromB(p), v.frame(), "byte " + at);
            } else {
                assertEquals(Verdict.PASS, v.action(), "byte " + at);
                assertArrayEquals(p, v.frame(), "byte " + at);
            }
        }
        assertTrue(relayed > 0, "changes to the payload are relayed");
    }

    @Test
    void misuseFailsNamingTheValueAndTheRule() throws Exception {
        InetAddress a = InetAddress.getByName("10.99.0.1");
        Interface i = new Interface(1, A_MAC, 1500);
        IllegalArgumentException same = assertThrows(
                IllegalArgumentException.class,
                () -> StitchOffload.load(new Side(a, 4789, 1), i, new Side(a, 4789, 2), i, 16));
        assertEquals(
                "sides: both 10.99.0.1:4789 (expected: two VTEPs, at different addresses or ports)", same.getMessage());
        IllegalArgumentException macs = assertThrows(
                IllegalArgumentException.class,
                () -> StitchOffload.load(new Side(a, 4789, 1), i, new Side(a, 4790, 2), i, 0));
        assertEquals("maxMacs: 0 (expected: 1..4194304)", macs.getMessage());
        IllegalArgumentException v6 =
                assertThrows(IllegalArgumentException.class, () -> new Side(InetAddress.getByName("::1"), 4789, 1));
        assertEquals("local: 0:0:0:0:0:0:0:1 (expected: an IPv4 address)", v6.getMessage());
        IllegalArgumentException vni = assertThrows(IllegalArgumentException.class, () -> new Side(a, 4789, 1 << 24));
        assertEquals("vni: 16777216 (expected: 0..16777215)", vni.getMessage());
        IllegalArgumentException mtu = assertThrows(
                IllegalArgumentException.class,
                () -> StitchOffload.load(
                        new Side(a, 4789, 1), new Interface(1, A_MAC, 49), new Side(a, 4790, 2), i, 16));
        assertEquals("mtu: 49 (expected: >= 50)", mtu.getMessage());
    }
}
