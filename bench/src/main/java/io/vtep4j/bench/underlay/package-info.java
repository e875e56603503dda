/**
 * Loopback throughput harnesses for the underlays: for UDP, the transport primitives one knob at a time
 * ({@link io.vtep4j.bench.underlay.UdpUnderlayThroughput}) and the whole engine A to B
 * ({@link io.vtep4j.bench.underlay.VtepLoopbackThroughput}); and the receive and send mechanisms of the NVGRE raw
 * transport ({@link io.vtep4j.bench.underlay.RawTransportProbe}). Mains, not JMH: they measure kernel paths.
 */
package io.vtep4j.bench.underlay;
