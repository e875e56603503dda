/**
 * Interop tests of the EVPN agent against real BGP speakers (gobgpd, FRR with the kernel's vxlan devices), run as
 * root inside network namespaces the tests create, each daemon with its own configuration, sockets and pid files.
 */
package io.vtep4j.evpn.interop;
