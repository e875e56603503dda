package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vtep4j.interop.Await;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The resolver the kernel-side programs take their next hops from, against the kernel's neighbour table: a stale entry
 * is answered (its MAC, marked stale) and the kernel is made to confirm it, as its own traffic would. Frames the
 * programs send never do that, so without the nudge an entry whose MAC went away would stay in use. Needs root.
 *
 * <pre>
 *  test JVM: nb0 10.97.0.1 --veth-- nb1 10.97.0.2 (peer namespace)
 * </pre>
 */
class StaleNeighbourIT {
    private static final int PEER = 0x0A_61_00_02; // 10.97.0.2
    private static final Duration SETTLE = Duration.ofSeconds(15);

    private Lab lab;
    private RouteNeighbors resolver;
    private long peerMac;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated("ip", "sysctl");
    }

    @BeforeEach
    void link() throws Exception {
        lab = new Lab("neigh");
        Namespace peer = lab.namespace("peer");
        lab.veth(Namespace.SELF, "nb0", "10.97.0.1/24", peer, "nb1", "10.97.0.2/24");
        // probe soon after the nudge, and give up soon: the kernel's defaults take 5 s and 3 s
        Namespace.SELF.ok("sysctl", "-qw", "net.ipv4.neigh.nb0.delay_first_probe_time=1");
        Namespace.SELF.ok("sysctl", "-qw", "net.ipv4.neigh.nb0.retrans_time_ms=200");
        peerMac = Long.parseLong(
                peer.ok("cat", "/sys/class/net/nb1/address").trim().replace(":", ""), 16);
        resolver = RouteNeighbors.open(DecapOffload.indexOf("nb0"));
    }

    @AfterEach
    void close() {
        if (resolver != null) {
            resolver.close();
        }
        lab.close();
    }

    private static String entry() {
        return Namespace.SELF
                .ok("ip", "neigh", "show", "10.97.0.2", "dev", "nb0")
                .trim();
    }

    private static void stale(long mac) {
        String text = HexFormat.ofDelimiter(":").formatHex(new byte[] {
            (byte) (mac >>> 40),
            (byte) (mac >>> 32),
            (byte) (mac >>> 24),
            (byte) (mac >>> 16),
            (byte) (mac >>> 8),
            (byte) mac
        });
        Namespace.SELF.ok("ip", "neigh", "replace", "10.97.0.2", "lladdr", text, "dev", "nb0", "nud", "stale");
    }

    @Test
    void aStaleEntryIsUsedAndConfirmed() {
        stale(peerMac);
        assertEquals(peerMac | NextHops.STALE, resolver.resolve(PEER), "used meanwhile, marked stale");
        assertEquals(1, resolver.nudges());
        Await.until(SETTLE, () -> entry().endsWith("REACHABLE"), StaleNeighbourIT::entry);
        assertEquals(peerMac, resolver.resolve(PEER), "confirmed by the peer's answer");
        assertEquals(1, resolver.nudges(), "a confirmed entry needs no nudge");
    }

    @Test
    void aStaleEntryWhoseMacWentAwayFailsAndIsNoLongerUsed() {
        long gone = 0x02_00_00_00_00_99L; // nobody on the link has it: the unicast probes go unanswered
        stale(gone);
        assertEquals(gone | NextHops.STALE, resolver.resolve(PEER));
        Await.until(
                SETTLE,
                () -> {
                    String e = entry();
                    return e.isEmpty() || e.endsWith("FAILED") || e.endsWith("INCOMPLETE");
                },
                StaleNeighbourIT::entry);
        assertEquals(NextHops.MISS, resolver.resolve(PEER), "no usable MAC: the engine's path resolves it again");
    }

    @Test
    void nudgingAnEntryThatIsGoneCreatesNothing() {
        assertEquals(false, resolver.use(PEER), "no entry: refused, not made");
        assertEquals("", entry());
        assertEquals(0, resolver.nudges());
    }
}
