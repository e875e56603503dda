package io.vtep4j.internal;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;

/**
 * The destination addresses this VTEP accepts tunnel packets for: its configured local addresses and the multicast
 * groups it joined. A socket bound to a wildcard address (to receive groups) also sees traffic to every other address
 * of the host; what is addressed elsewhere must be dropped, not decapsulated.
 *
 * <p>Addresses are compared as numbers: an IPv4 address as the int read big-endian from its four bytes, an IPv6
 * address as two longs (high and low half, big-endian). Lookups allocate nothing and take no lock.
 *
 * <p>Bound: the local addresses are fixed at construction; groups are added by {@link #join} (once per group the
 * engine joins, so at most one per segment) and removed by {@link #leave}. Thread-safe: the group lists are replaced
 * whole (copy on write) under this object's lock and read through volatile fields.
 */
public final class Destinations {

    private static final int[] NO_INTS = new int[0];
    private static final long[] NO_LONGS = new long[0];

    private final int[] locals4;
    /** Pairs (high, low). */
    private final long[] locals6;

    private volatile int[] groups4 = NO_INTS;
    /** Pairs (high, low). */
    private volatile long[] groups6 = NO_LONGS;

    /** Accepts {@code locals} and, once joined, groups. */
    public Destinations(List<InetAddress> locals) {
        int[] v4 = NO_INTS;
        long[] v6 = NO_LONGS;
        for (InetAddress a : locals) {
            if (a instanceof Inet4Address) {
                v4 = Arrays.copyOf(v4, v4.length + 1);
                v4[v4.length - 1] = ipv4(a);
            } else {
                v6 = Arrays.copyOf(v6, v6.length + 2);
                v6[v6.length - 2] = high(a);
                v6[v6.length - 1] = low(a);
            }
        }
        this.locals4 = v4;
        this.locals6 = v6;
    }

    /** Accepts {@code group} from now on (idempotent). */
    public synchronized void join(InetAddress group) {
        if (group instanceof Inet4Address) {
            if (!contains(groups4, ipv4(group))) {
                int[] g = Arrays.copyOf(groups4, groups4.length + 1);
                g[g.length - 1] = ipv4(group);
                groups4 = g;
            }
        } else if (!contains(groups6, high(group), low(group))) {
            long[] g = Arrays.copyOf(groups6, groups6.length + 2);
            g[g.length - 2] = high(group);
            g[g.length - 1] = low(group);
            groups6 = g;
        }
    }

    /** No longer accepts {@code group} (idempotent). */
    public synchronized void leave(InetAddress group) {
        if (group instanceof Inet4Address) {
            int ip = ipv4(group);
            groups4 = Arrays.stream(groups4).filter(g -> g != ip).toArray();
        } else {
            long hi = high(group);
            long lo = low(group);
            long[] old = groups6;
            long[] kept = new long[old.length];
            int n = 0;
            for (int i = 0; i < old.length; i += 2) {
                if (old[i] != hi || old[i + 1] != lo) {
                    kept[n++] = old[i];
                    kept[n++] = old[i + 1];
                }
            }
            groups6 = Arrays.copyOf(kept, n);
        }
    }

    /** Whether {@code ip} (IPv4, big-endian int) is a configured local address. */
    public boolean isLocal4(int ip) {
        return contains(locals4, ip);
    }

    /** Whether {@code ip} (IPv4, big-endian int) is a local address or a joined group. */
    public boolean accepts4(int ip) {
        return contains(locals4, ip) || contains(groups4, ip);
    }

    /** Whether the IPv6 address {@code hi:lo} is a local address or a joined group. */
    public boolean accepts6(long hi, long lo) {
        return contains(locals6, hi, lo) || contains(groups6, hi, lo);
    }

    /** Whether {@code address} is a local address or a joined group (allocates for IPv6; off the direct path). */
    public boolean accepts(InetAddress address) {
        return address instanceof Inet4Address ? accepts4(ipv4(address)) : accepts6(high(address), low(address));
    }

    private static boolean contains(int[] set, int ip) {
        for (int v : set) {
            if (v == ip) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(long[] pairs, long hi, long lo) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i] == hi && pairs[i + 1] == lo) {
                return true;
            }
        }
        return false;
    }

    /** The IPv4 address as a big-endian int ({@code Inet4Address.hashCode} is exactly that, and allocates nothing). */
    private static int ipv4(InetAddress a) {
        return a.hashCode();
    }

    private static long high(InetAddress a) {
        return half(a.getAddress(), 0);
    }

    private static long low(InetAddress a) {
        return half(a.getAddress(), 8);
    }

    private static long half(byte[] b, int from) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = v << 8 | (b[from + k] & 0xFF);
        }
        return v;
    }
}
