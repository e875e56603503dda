/**
 * Interop tests against real peers (Linux kernel vxlan, Open vSwitch) and the network-namespace harness they
 * run on: {@link io.vtep4j.interop.Netns} (safety gate), {@link io.vtep4j.interop.Lab} (namespaces, veths,
 * fabric, teardown), {@link io.vtep4j.interop.Cmd} (commands with time limits),
 * {@link io.vtep4j.interop.KernelVxlan} (kernel peer). Shipped in vtep's test-jar for examples' e2e tests.
 */
package io.vtep4j.interop;
