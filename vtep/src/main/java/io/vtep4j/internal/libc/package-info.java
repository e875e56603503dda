/**
 * The one JNA binding of the C library that the native transports (AF_PACKET, AF_XDP, raw IP, batched datagram I/O)
 * share: the system calls, the constants they need on Linux, and {@code errno}. Each transport keeps in its own
 * package only what is its own (address family, socket options of its level, structures).
 *
 * <p>Internal: not part of vtep4j's API; types here may change in any release.
 */
package io.vtep4j.internal.libc;
