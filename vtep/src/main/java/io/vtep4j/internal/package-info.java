/**
 * Runtime internals, not API: the {@link io.vtep4j.internal.Underlay} SPI through which the VTEP sends and receives
 * tunnel packets, the UDP transport on Netty epoll/NIO, and socket-option plumbing. Subject to change without notice.
 */
package io.vtep4j.internal;
