/**
 * Wire formats of the overlay: VXLAN (RFC 7348), NVGRE (RFC 7637), GRE-in-UDP (RFC 8086), Ethernet/802.1Q
 * helpers, outer IPv4/IPv6/UDP headers, the inner-flow entropy hash and the product-wide {@link
 * io.vtep4j.encap.DropReason}.
 *
 * <p>Everything here works on Netty {@code ByteBuf}s with static accessors or immutable, thread-safe codecs: no
 * per-packet allocation on the fast path, no sockets, no state. Data-plane decoders never throw; they return a
 * negative {@link io.vtep4j.encap.DropReason#code()} and leave the buffer untouched.
 */
package io.vtep4j.encap;
