/**
 * vtep4j: a VXLAN / NVGRE tunnel endpoint embedded in a Java program.
 *
 * <p>Start at {@link io.vtep4j.Vtep#builder()}. A {@link io.vtep4j.Vtep} has {@link io.vtep4j.Segment}s (one per
 * VNI), each with {@link io.vtep4j.LocalPort}s that carry Ethernet frames to and from the application. Frames are
 * Netty {@code ByteBuf}s; every method that takes or hands one over says who owns it afterwards. Counters are read as
 * immutable {@link io.vtep4j.VtepStats} snapshots.
 */
package io.vtep4j;
