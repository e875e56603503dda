package io.vtep4j.learning;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * (VNI, IP address) as a hash key without an {@link InetAddress}: an IPv4 address is {@code lo}'s low 32 bits, an
 * IPv6 address {@code hi} and {@code lo} in network order. Keys in a table are never changed; one mutable probe per
 * thread looks them up without allocating. Not thread-safe.
 */
final class NeighborKey {

    int vni;
    boolean v6;
    long hi;
    long lo;

    NeighborKey() {}

    NeighborKey(int vni, boolean v6, long hi, long lo) {
        set(vni, v6, hi, lo);
    }

    NeighborKey set(int vni, boolean v6, long hi, long lo) {
        this.vni = vni;
        this.v6 = v6;
        this.hi = v6 ? hi : 0;
        this.lo = v6 ? lo : lo & 0xFFFF_FFFFL;
        return this;
    }

    NeighborKey copy() {
        return new NeighborKey(vni, v6, hi, lo);
    }

    /** The key of {@code address} in {@code vni}. */
    static NeighborKey of(int vni, InetAddress address) {
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            return new NeighborKey(vni, false, 0, toLong(b, 0, 4));
        }
        if (address instanceof Inet6Address) {
            return new NeighborKey(vni, true, toLong(b, 0, 8), toLong(b, 8, 8));
        }
        throw new IllegalArgumentException("address: " + address + " (expected: IPv4 or IPv6)");
    }

    InetAddress address() {
        byte[] b = new byte[v6 ? 16 : 4];
        if (v6) {
            fromLong(hi, b, 0);
            fromLong(lo, b, 8);
        } else {
            for (int i = 0; i < 4; i++) {
                b[i] = (byte) (lo >>> (24 - 8 * i));
            }
        }
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new AssertionError(e); // 4 or 16 bytes: never
        }
    }

    private static long toLong(byte[] b, int from, int length) {
        long v = 0;
        for (int i = from; i < from + length; i++) {
            v = v << 8 | (b[i] & 0xFF);
        }
        return v;
    }

    private static void fromLong(long v, byte[] b, int from) {
        for (int i = 0; i < 8; i++) {
            b[from + i] = (byte) (v >>> (56 - 8 * i));
        }
    }

    @Override
    public boolean equals(Object other) {
        if (!(other instanceof NeighborKey)) {
            return false;
        }
        NeighborKey k = (NeighborKey) other;
        return vni == k.vni && v6 == k.v6 && hi == k.hi && lo == k.lo;
    }

    @Override
    public int hashCode() {
        long h = (hi * 0x9E37_79B9_7F4A_7C15L) ^ lo ^ ((long) vni << 32) ^ (v6 ? 1 : 0);
        h *= 0xBF58_476D_1CE4_E5B9L;
        return (int) (h ^ (h >>> 32));
    }
}
