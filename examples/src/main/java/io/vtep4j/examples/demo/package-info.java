/**
 * The {@code vtep4j demo} subcommand: three VTEPs in one JVM over loopback UDP, simulated hosts that answer ARP
 * and ping by building their own frames, and a narrated walk through flooding, learning, unicast, isolation
 * between VNIs and ageing.
 */
package io.vtep4j.examples.demo;
