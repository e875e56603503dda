/**
 * Interop tests against real peers (Linux kernel vxlan, Open vSwitch) and the network-namespace harness they run on.
 *
 * <p>Safety: the interop JVM itself runs inside a fresh namespace with only loopback
 * ({@code vtep/src/test/sh/netns/bin/java}, surefire's {@code <jvm>} of vtep's {@code interop} execution); every
 * peer namespace carries the run's prefix and is deleted by {@link io.vtep4j.interop.Lab#close()} and again by the
 * wrapper when the JVM exits. Tests check routes before sending ({@link io.vtep4j.interop.Namespace#assertRoute}).
 *
 * <ul>
 *   <li>{@link io.vtep4j.interop.Netns}: the gate every {@code @BeforeAll} calls (skip loudly, fail when CI=true).
 *   <li>{@link io.vtep4j.interop.Lab}: namespaces, veth pairs (tx checksum offload off), a "fabric" bridge.
 *   <li>{@link io.vtep4j.interop.Namespace}: commands, addresses, neighbours, counters, ping, fdb.
 *   <li>{@link io.vtep4j.interop.Cmd} (commands with time limits), {@link io.vtep4j.interop.Capture} (tcpdump
 *       witness), {@link io.vtep4j.interop.Await} (conditions with deadlines), {@link io.vtep4j.interop.KernelVxlan}
 *       (kernel peer), {@link io.vtep4j.interop.Hosts} (host behind a PcapPort); frames to send come from
 *       {@code io.vtep4j.testing.Frames} in encap's test-jar.
 * </ul>
 *
 * <p>Reuse from another module (examples' gateway e2e tests): depend on {@code io.vtep4j:vtep4j-core} with
 * {@code <type>test-jar</type>} (test scope), and give that module's surefire execution
 * {@code <jvm>${project.basedir}/../vtep/src/test/sh/netns/bin/java</jvm>} plus the environment variable
 * {@code VTEP4J_JAVA=${java.home}/bin/java}. Run one class: {@code mvn -pl vtep verify -Dtest=KernelVxlanPingIT
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
package io.vtep4j.interop;
