package io.vtep4j.internal.xdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vtep4j.internal.libc.LibC;
import io.vtep4j.interop.Netns;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which remotes' next hops a kernel-side program keeps, on real kernel maps: a remote is followed while a MAC of the
 * remote map is at it, and its next hop leaves the hop map with the last such MAC, so remotes that a sender made up
 * do not stay and take the room of real ones. The resolver's thread is not started: next hops are set by hand. Needs
 * root.
 */
class HopCountIT {
    private static final int R1 = 0x0A_63_00_02; // 10.99.0.2
    private static final int R2 = 0x0A_63_00_03;
    private static final long HOP = 0x02_00_00_00_00_02L;

    private final MapWriter maps = new MapWriter();
    private final HopWatch watch = new HopWatch(null, (address, mac) -> {}, "not started");
    private int remotes = -1;
    private int hops = -1;

    @BeforeAll
    static void isolated() {
        Netns.requireIsolated();
    }

    @BeforeEach
    void maps() throws IOException {
        remotes = Bpf.createMap(
                Bpf.BPF_MAP_TYPE_HASH, DecapOffload.SOURCE_KEY, 8, HopWatch.MAX_REMOTES + 2, Bpf.BPF_F_NO_PREALLOC);
        hops = Bpf.createMap(Bpf.BPF_MAP_TYPE_HASH, 4, 8, HopWatch.MAX_REMOTES, 0);
    }

    @AfterEach
    void close() {
        LibC.close(remotes);
        LibC.close(hops);
    }

    private static byte[] key(int n) {
        return DecapOffload.sourceKey(10100, 0x02_00_00_00_00_00L + n);
    }

    /** A remote map's value: the address, then the program's mark word. */
    private static byte[] at(int address) {
        return new byte[] {
            (byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address, 0, 0, 0, 0
        };
    }

    private boolean hasHop(int address) {
        byte[] key = {(byte) (address >>> 24), (byte) (address >>> 16), (byte) (address >>> 8), (byte) address};
        try {
            Bpf.lookupElement(hops, key, new byte[8]);
            return true;
        } catch (IOException absent) {
            return false;
        }
    }

    @Test
    void aRemoteIsFollowedWhileAMacIsAtItAndItsNextHopLeavesWithTheLast() throws Exception {
        maps.placeRemote(remotes, 8, hops, key(1), at(R1), watch);
        maps.placeRemote(remotes, 8, hops, key(2), at(R1), watch);
        maps.nextHop(hops, R1, HOP); // as the resolver would
        assertTrue(watch.follows(R1));

        maps.placeRemote(remotes, 8, hops, key(1), at(R2), watch); // a MAC moves: R1 keeps the other one
        assertTrue(watch.follows(R1) && watch.follows(R2));
        assertTrue(hasHop(R1));
        byte[] value = new byte[8];
        Bpf.lookupElement(remotes, key(1), value);
        assertArrayEquals(at(R2), value);

        maps.placeRemote(remotes, 8, hops, key(2), null, watch); // the last MAC at R1 is forgotten
        assertFalse(watch.follows(R1), "no MAC at R1: not followed");
        assertFalse(hasHop(R1), "and its next hop is gone");
        assertThrows(IOException.class, () -> Bpf.lookupElement(remotes, key(2), new byte[8]));

        maps.placeRemote(remotes, 8, hops, key(1), at(R2), watch); // learned again where it is: counted once
        maps.placeRemote(remotes, 8, hops, key(1), null, watch);
        assertFalse(watch.follows(R2), "one MAC, one count");
        assertEquals(0, maps.refused());
    }

    @Test
    void remotesASenderMadeUpLeaveWithTheirMacsAndRealOnesAreFollowedAgain() throws Exception {
        int made = HopWatch.MAX_REMOTES;
        for (int i = 0; i < made; i++) {
            maps.placeRemote(remotes, 8, hops, key(i), at(0x0A_40_00_00 + i), watch);
        }
        int real = 0x0A_63_00_09;
        maps.placeRemote(remotes, 8, hops, key(made), at(real), watch);
        assertEquals(1, maps.refused(), "one remote past the limit");
        assertFalse(watch.follows(real));
        assertThrows(
                IOException.class,
                () -> Bpf.lookupElement(remotes, key(made), new byte[8]),
                "its MAC stays with the engine");

        for (int i = 0; i < made; i++) { // the table ages or evicts the made-up MACs
            maps.placeRemote(remotes, 8, hops, key(i), null, watch);
        }
        maps.placeRemote(remotes, 8, hops, key(made), at(real), watch);
        assertTrue(watch.follows(real), "room again");
        assertEquals(1, maps.refused());

        maps.nextHop(hops, real, HOP);
        maps.releaseAll(watch, hops); // the maps are cleared before a refill
        assertFalse(watch.follows(real));
        assertFalse(hasHop(real));
    }
}
