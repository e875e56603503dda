/**
 * Forwarding state of a VTEP: the (VNI, MAC) to {@link io.vtep4j.learning.Location} table with learning, ageing,
 * limits, MAC mobility and duplicate-MAC detection ({@link io.vtep4j.learning.ForwardingTable}), and per-VNI
 * flood lists ({@link io.vtep4j.learning.FloodList}).
 *
 * <p>MAC addresses are {@code long} values holding 48 bits, VNIs are {@code int} values of 24 bits. Nothing in this
 * package sees a network buffer; time comes from an injected ticker.
 */
package io.vtep4j.learning;
