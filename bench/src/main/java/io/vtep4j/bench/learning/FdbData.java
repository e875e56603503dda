package io.vtep4j.bench.learning;

import io.vtep4j.learning.Location;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Random;

/** Deterministic benchmark data: distinct scattered unicast MACs and a set of remote locations. Stateless. */
final class FdbData {

    static final int VNI = 5001;
    static final int LOCATIONS = 64;

    private static final long SPREAD = 0x9E37_79B9_7F4BL; // odd: i * SPREAD mod 2^40 is a bijection
    private static final long LOW_40 = (1L << 40) - 1;

    private FdbData() {}

    /** The i-th MAC present in the table: locally administered unicast 02:xx:xx:xx:xx:xx, all distinct. */
    static long presentMac(long i) {
        return 0x02_00_0000_0000L | (i * SPREAD & LOW_40);
    }

    /** The i-th MAC never learned: 06:xx:xx:xx:xx:xx. */
    static long absentMac(long i) {
        return 0x06_00_0000_0000L | (i * SPREAD & LOW_40);
    }

    static Location[] locations() {
        final Location[] out = new Location[LOCATIONS];
        for (int i = 0; i < LOCATIONS; i++) {
            try {
                out[i] = Location.remote(InetAddress.getByAddress(new byte[] {(byte) 198, 51, 100, (byte) (i + 1)}));
            } catch (UnknownHostException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** Indices 0..entries-1 in a fixed random order, repeated to fill {@code length} (a power of two). */
    static int[] order(int entries, int length) {
        final int[] base = new int[entries];
        for (int i = 0; i < entries; i++) {
            base[i] = i;
        }
        final Random random = new Random(42);
        for (int i = entries - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final int t = base[i];
            base[i] = base[j];
            base[j] = t;
        }
        final int[] out = new int[length];
        for (int i = 0; i < length; i++) {
            out[i] = base[i % entries];
        }
        return out;
    }
}
