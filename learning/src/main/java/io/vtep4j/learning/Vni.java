package io.vtep4j.learning;

/** VNI range check (24 bits); stateless, thread-safe. */
final class Vni {

    static final int MAX = 0xFF_FFFF;

    private Vni() {}

    static int check(int vni) {
        if (vni < 0 || vni > MAX) {
            throw new IllegalArgumentException("vni: " + vni + " (expected: 0..16777215)");
        }
        return vni;
    }
}
