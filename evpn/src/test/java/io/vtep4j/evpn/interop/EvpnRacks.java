package io.vtep4j.evpn.interop;

import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.EvpnAgent;
import io.vtep4j.interop.Cmd;
import io.vtep4j.interop.Namespace;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Closing;
import io.vtep4j.testing.Frames;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Two racks for the tests: VTEP A (10.99.1.1) with gobgpd A and VTEP B (10.99.1.2) with gobgpd B, the gobgpds in
 * one namespace of their own and peered over iBGP; both VTEPs live in the test JVM's namespace on loopback
 * addresses. {@link #close()} tears everything down, also after a failure. Not thread-safe.
 */
final class EvpnRacks implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);
    static final int VNI = 100;
    static final String VTEP_A = "10.99.1.1";
    static final String VTEP_B = "10.99.1.2";

    final GobgpdLab bgp;
    final Gobgpd bgpA;
    final Gobgpd bgpB;
    Side a;
    Side b;

    /** One VTEP, its agent and one local host port that records the source MAC of what it receives. */
    static final class Side implements AutoCloseable {
        final Vtep vtep;
        final EvpnAgent agent;
        final List<String> received = new CopyOnWriteArrayList<>();
        final LocalPort host;

        Side(String address, Gobgpd bgp, Duration ageing) {
            agent = EvpnAgent.builder()
                    .gobgp(bgp.api())
                    .vni(VNI)
                    .gracePeriod(Duration.ofSeconds(30))
                    .retry(Duration.ofMillis(100), Duration.ofSeconds(1))
                    .build();
            vtep = Vtep.builder()
                    .localAddress(address)
                    .ageing(ageing)
                    .sweepInterval(Duration.ofMillis(100))
                    .fdbListener(agent.fdbListener())
                    .build();
            agent.start(vtep);
            host = vtep.segment(VNI).attach("host", frame -> {
                try {
                    received.add(MacAddress.toString(Frames.source(frame)));
                } finally {
                    frame.release();
                }
            });
        }

        boolean floodsTo(String address) {
            try {
                return vtep.segment(VNI).flooding().remotes().contains(InetAddress.getByName(address));
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(address, e);
            }
        }

        Location at(String mac) {
            return vtep.forwardingTable().lookup(VNI, MacAddress.parse(mac));
        }

        @Override
        public void close() {
            try {
                agent.close();
            } finally {
                vtep.close();
            }
        }
    }

    /** Builds the namespaces and starts both gobgpds; waits until their session is up. */
    EvpnRacks(String tag) {
        bgp = GobgpdLab.start(tag, 2, WAIT);
        bgpA = bgp.daemon(0);
        bgpB = bgp.daemon(1);
        try {
            Namespace.SELF.ok("ip", "addr", "add", VTEP_A + "/32", "dev", "lo");
            Namespace.SELF.ok("ip", "addr", "add", VTEP_B + "/32", "dev", "lo");
        } catch (RuntimeException | Error e) {
            cleanLab();
            throw e;
        }
    }

    /** Starts both VTEPs; A ages its data-plane entries after {@code ageingA}, B after {@code ageingB}. */
    void vteps(Duration ageingA, Duration ageingB) {
        a = new Side(VTEP_A, bgpA, ageingA);
        b = new Side(VTEP_B, bgpB, ageingB);
    }

    @Override
    public void close() {
        try {
            Closing.all(a, b);
        } finally {
            cleanLab();
        }
    }

    private void cleanLab() {
        Cmd.run("ip", "addr", "del", VTEP_A + "/32", "dev", "lo");
        Cmd.run("ip", "addr", "del", VTEP_B + "/32", "dev", "lo");
        bgp.close();
    }
}
