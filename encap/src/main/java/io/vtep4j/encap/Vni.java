package io.vtep4j.encap;

import io.vtep4j.encap.internal.Checks;

/** VXLAN Network Identifier / NVGRE Virtual Subnet ID: a 24-bit unsigned value held in an {@code int}. */
public final class Vni {
    /** Largest VNI/VSID: 2^24 - 1 = 16,777,215 (RFC 7348 §5, RFC 7637 §3.2). */
    public static final int MAX = 0xFFFFFF;

    private Vni() {}

    /** True if {@code vni} fits in 24 bits. Thread-safe. */
    public static boolean isValid(int vni) {
        return (vni & ~MAX) == 0;
    }

    /**
     * Returns {@code vni} if it is in 0..{@link #MAX}.
     *
     * @throws IllegalArgumentException naming the value and the range otherwise
     */
    public static int check(int vni) {
        return Checks.inRange("vni", vni, 0, MAX);
    }
}
