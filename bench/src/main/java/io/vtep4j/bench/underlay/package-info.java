/**
 * Loopback throughput harnesses for the UDP underlay: the transport primitives one knob at a time
 * ({@link io.vtep4j.bench.underlay.UdpUnderlayThroughput}) and the whole engine A to B
 * ({@link io.vtep4j.bench.underlay.VtepLoopbackThroughput}). Mains, not JMH: they measure kernel paths.
 */
package io.vtep4j.bench.underlay;
