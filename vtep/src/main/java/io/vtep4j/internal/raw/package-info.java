/**
 * Raw IP transport for NVGRE (GRE directly over IP protocol 47, RFC 7637 §3): a {@code SOCK_RAW} socket
 * opened through JNA and driven by Netty's epoll event loop.
 *
 * <p>Internal: not part of vtep4j's API; types here may change in any release.
 */
package io.vtep4j.internal.raw;
