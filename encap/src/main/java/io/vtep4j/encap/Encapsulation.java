package io.vtep4j.encap;

/**
 * The wire format that carries overlay frames to and from a remote tunnel endpoint; immutable, thread-safe.
 *
 * <p>The MAC table does not know this type: it records where a MAC lives as an address plus a small transport number
 * that the engine assigns (see {@code io.vtep4j.learning.Location}), so the table stays free of wire formats.
 */
public enum Encapsulation {
    /** VXLAN over UDP, RFC 7348. */
    VXLAN,
    /** NVGRE directly over IP protocol 47, RFC 7637. */
    NVGRE,
    /** NVGRE's GRE header carried in UDP port 4754, RFC 8086. */
    GRE_UDP
}
