/**
 * Direct datagram I/O for the UDP underlay: {@code recvmmsg} / {@code sendmmsg} over vectors in native memory,
 * called through JNA on a duplicate of a Netty epoll channel's socket and driven by that channel's event loop
 * through Netty's {@code IoHandle} API. It exists so that forwarding a packet creates no Java objects.
 *
 * <p>Internal: not part of vtep4j's API; types here may change in any release.
 */
package io.vtep4j.internal.mmsg;
