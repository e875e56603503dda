/**
 * The {@code vtep4j gateway} subcommand: 802.1Q VLANs on a Linux trunk interface bridged to VXLAN / NVGRE
 * segments, one VLAN per VNI, learning on both sides.
 */
package io.vtep4j.examples.gateway;
