/**
 * {@code vtep4j pcap}: decodes the tunnel traffic of a pcap or pcapng capture with vtep4j's own codecs and prints
 * one line (or one JSON object) per packet. Reading is pcap4j over libpcap; dissecting is {@code io.vtep4j.encap}.
 */
package io.vtep4j.examples.pcap;
