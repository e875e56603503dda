package io.vtep4j.bench.system;

import io.vtep4j.PcapPort;
import io.vtep4j.Vtep;
import io.vtep4j.interop.Await;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Hosts;
import io.vtep4j.interop.KernelVxlan;
import io.vtep4j.interop.Lab;
import io.vtep4j.interop.Namespace;
import io.vtep4j.interop.Netns;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Measures (never asserts) TCP throughput between a host behind a {@link PcapPort} and a host behind a kernel vxlan
 * device, with iperf3 for a few seconds each way. Run as root from the repository root (the wrapper puts it in a
 * fresh namespace; the network is built with vtep's netns harness, {@code io.vtep4j.interop}):
 *
 * <pre>
 * mvn -B -q -pl bench -am -DskipTests package
 * VTEP4J_JAVA=$(command -v java) vtep/src/test/sh/netns/bin/java \
 *     -cp bench/target/benchmarks.jar io.vtep4j.bench.system.PcapPortThroughput 5
 * </pre>
 */
public final class PcapPortThroughput {

    private PcapPortThroughput() {}

    /** Entry point: {@code PcapPortThroughput [SECONDS]} (default 5, at most 30). */
    public static void main(String[] args) throws Exception {
        int seconds = Math.min(30, args.length > 0 ? Integer.parseInt(args[0]) : 5);
        Netns.requireIsolated("ip", "ethtool", "iperf3");
        try (Lab lab = new Lab("tput")) {
            Namespace k1 = Hosts.linkedToSelf(lab, "k1", "10.99.9.2/24", "u-tp", "10.99.9.1/24");
            KernelVxlan.in(k1, "vx0")
                    .vni(5009)
                    .local("10.99.9.2")
                    .remote("10.99.9.1")
                    .overlay("10.50.9.2/24")
                    .create();
            // The overlay MTU leaves room for the 50 bytes of VXLAN over IPv4 (RFC 7348 §4.3).
            k1.ok("ip", "link", "set", "vx0", "mtu", "1450");
            Namespace h1 = Hosts.behindPcap(lab, "h1", "10.50.9.1/24", "02:00:00:00:09:01", "pc-tp");
            h1.ok("ip", "link", "set", "eth0", "mtu", "1450");
            Namespace.SELF.assertRoute("10.99.9.2", "u-tp");
            h1.assertRoute("10.50.9.2", "eth0");
            try (Vtep vtep = Vtep.builder().localAddress("10.99.9.1").build();
                    PcapPort port = PcapPort.open(vtep.segment(5009).floodTo("10.99.9.2"), "pc-tp")) {
                Cmd.Result ping = h1.ping("10.50.9.2", 2);
                if (!ping.ok()) {
                    throw new IllegalStateException(ping.describe());
                }
                for (String direction : new String[] {"", "-R"}) {
                    // a one-off server (-1) for each direction
                    k1.ok("iperf3", "-s", "-D", "-1", "-B", "10.50.9.2");
                    Await.until(
                            Duration.ofSeconds(5),
                            () -> k1.run("sh", "-c", "ss -ltn | grep -q 10.50.9.2:5201")
                                    .ok(),
                            () -> "iperf3 not up");
                    List<String> argv = new ArrayList<>(
                            List.of("iperf3", "-c", "10.50.9.2", "-t", Integer.toString(seconds), "-f", "m"));
                    if (!direction.isEmpty()) {
                        argv.add(direction);
                    }
                    Cmd.Result run = h1.run(Duration.ofSeconds(seconds + 15), argv.toArray(String[]::new));
                    String summary = run.stdout()
                            .lines()
                            .filter(l -> l.contains("sender") || l.contains("receiver"))
                            .map(String::strip)
                            .reduce((a, b) -> a + " | " + b)
                            .orElse(run.describe());
                    System.out.println(
                            (direction.isEmpty() ? "pcap host -> kernel host: " : "kernel host -> pcap host: ")
                                    + summary);
                }
                System.out.println(
                        port + ", inject errors " + port.injectErrors() + ", truncated " + port.framesTruncated());
                System.out.println(vtep.stats());
                System.out.println("h1 eth0 rx_dropped " + h1.counter("eth0", "rx_dropped") + ", k1 vx0 rx_dropped "
                        + k1.counter("vx0", "rx_dropped") + ", u-tp rx_dropped "
                        + Namespace.SELF.counter("u-tp", "rx_dropped"));
            }
        }
    }
}
