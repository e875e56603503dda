package io.vtep4j.learning;

/** How frames reach a remote VTEP; immutable, thread-safe. */
public enum Encapsulation {
    /** VXLAN over UDP, RFC 7348. */
    VXLAN,
    /** NVGRE directly over IP protocol 47, RFC 7637. */
    NVGRE,
    /** NVGRE's GRE header carried in UDP port 4754, RFC 8086. */
    GRE_UDP
}
