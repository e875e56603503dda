package io.vtep4j.internal.mmsg;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Maps the raw source address of a received datagram to one shared {@link InetAddress}, so that a steady stream
 * from known peers creates no address objects. Open addressing over a fixed table: a hostile flood of new sources
 * cannot grow it; once a neighbourhood is full, the extra sources get a fresh object per packet (correct, just not
 * free). Not thread-safe: one instance per event loop / port.
 */
public final class AddressCache {

    /** An empty cache. */
    public AddressCache() {}

    private static final int SIZE = 1024;
    private static final int MASK = SIZE - 1;
    private static final int PROBES = 8;
    /** High key word of an IPv4 entry: no IPv6 source address starts with 64 one-bits (that is multicast). */
    private static final long V4 = -1L;

    private final long[] high = new long[SIZE];
    private final long[] low = new long[SIZE];
    private final InetAddress[] values = new InetAddress[SIZE];

    /** The address for IPv4 {@code ip} (network order in the int, as read big-endian). */
    public InetAddress ipv4(int ip) {
        return lookup(V4, ip & 0xFFFF_FFFFL, 0);
    }

    /** The address for the IPv6 address {@code hi:lo} (big-endian halves) with scope {@code scopeId}. */
    public InetAddress ipv6(long hi, long lo, int scopeId) {
        if (scopeId != 0) {
            return create(hi, lo, scopeId); // link-local with a scope: rare, not worth a wider key
        }
        return lookup(hi, lo, 0);
    }

    private InetAddress lookup(long hi, long lo, int scopeId) {
        long mixed = (hi * 0x9E37_79B9_7F4A_7C15L) ^ lo;
        mixed *= 0xC2B2_AE3D_27D4_EB4FL;
        int start = (int) (mixed >>> 40);
        for (int p = 0; p < PROBES; p++) {
            int i = (start + p) & MASK;
            InetAddress value = values[i];
            if (value == null) {
                value = create(hi, lo, scopeId);
                high[i] = hi;
                low[i] = lo;
                values[i] = value;
                return value;
            }
            if (high[i] == hi && low[i] == lo) {
                return value;
            }
        }
        return create(hi, lo, scopeId);
    }

    private static InetAddress create(long hi, long lo, int scopeId) {
        try {
            if (hi == V4) {
                int ip = (int) lo;
                return InetAddress.getByAddress(
                        new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
            }
            byte[] b = new byte[16];
            for (int k = 0; k < 8; k++) {
                b[k] = (byte) (hi >>> (56 - 8 * k));
                b[8 + k] = (byte) (lo >>> (56 - 8 * k));
            }
            return scopeId != 0 ? Inet6Address.getByAddress(null, b, scopeId) : InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("address of length 4 or 16 refused", e); // cannot happen
        }
    }
}
