/**
 * Requests to the kernel over an rtnetlink socket ({@code NETLINK_ROUTE}): routes and neighbours for the AF_XDP
 * underlay's next hops, an interface's own packet counters ({@code IFLA_STATS64}) for the losses the kernel counts
 * before a packet reaches one of our sockets or after it left one, and an interface's kind ({@code IFLA_INFO_KIND}),
 * which decides how an XDP program is attached by default. One request at a time, each answer
 * awaited at most a second; never called on an event loop.
 *
 * <p>Internal: not part of vtep4j's API; types here may change in any release.
 */
package io.vtep4j.internal.netlink;
