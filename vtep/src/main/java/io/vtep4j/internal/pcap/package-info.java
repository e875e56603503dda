/**
 * Capture and injection of Ethernet frames on a Linux interface through pcap4j (libpcap), behind
 * {@link io.vtep4j.PcapPort}. Off the fast path of the UDP underlay: each frame costs one copy in and one out.
 */
package io.vtep4j.internal.pcap;
