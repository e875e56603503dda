/**
 * The vtep4j device under test of {@code bench/system/run.sh}: a process that joins two VXLAN domains by bridging two
 * {@code Vtep} instances in process. Meant to run inside the benchmark's network namespace, never elsewhere. Also
 * {@link io.vtep4j.bench.system.PcapPortThroughput}: iperf3 between a host behind a {@code PcapPort} and a kernel
 * vxlan host, in namespaces of its own.
 */
package io.vtep4j.bench.system;
