/**
 * A Linux {@code AF_PACKET} socket for whole Ethernet frames without per-frame system calls on receive: a
 * {@code TPACKET_V3} ring mapped into the process, read block by block on a Netty epoll event loop, and batched
 * transmission with {@code sendmmsg}. Native calls go through JNA direct mapping, as the UDP underlay's direct I/O
 * does; nothing here allocates per frame.
 *
 * <p>Internal: not part of vtep4j's API; types here may change in any release.
 */
package io.vtep4j.internal.afpacket;
