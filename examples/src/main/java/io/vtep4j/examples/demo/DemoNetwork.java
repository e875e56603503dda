package io.vtep4j.examples.demo;

import io.netty.buffer.ByteBufAllocator;
import io.vtep4j.LocalPort;
import io.vtep4j.Segment;
import io.vtep4j.Vtep;
import io.vtep4j.learning.MacAddress;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The demo's world: three VTEPs on 127.0.0.1..3 sharing one UDP port, two VNIs, five simulated hosts.
 *
 * <pre>
 *   VNI 5001 (blue):  alice 10.0.0.1 @A   bob  10.0.0.2 @B   carol 10.0.0.3 @C
 *   VNI 5002 (green): dave  10.0.0.1 @A   erin 10.0.0.2 @B
 * </pre>
 * Each segment floods by head-end replication to the other VTEPs that carry it. Built on the calling thread;
 * {@link #close()} stops every VTEP. Not thread-safe.
 */
final class DemoNetwork implements AutoCloseable {
    static final int BLUE = 5001;
    static final int GREEN = 5002;
    /** The port the demo tries first: the IANA VXLAN port. */
    static final int PREFERRED_PORT = 4789;

    private static final int PORT_ATTEMPTS = 8;

    /** One VTEP of the demo with its letter and loopback address. */
    record Station(String letter, String address, Vtep vtep) {
        String label() {
            return "VTEP " + letter + " (" + address + ")";
        }
    }

    final Station a;
    final Station b;
    final Station c;
    final SimulatedHost alice;
    final SimulatedHost bob;
    final SimulatedHost carol;
    final SimulatedHost dave;
    final SimulatedHost erin;
    final int port;
    private final Map<Long, String> names = new LinkedHashMap<>();
    private final List<Station> stations;

    private DemoNetwork(List<Vtep> vteps, int port) {
        this.port = port;
        this.a = new Station("A", "127.0.0.1", vteps.get(0));
        this.b = new Station("B", "127.0.0.2", vteps.get(1));
        this.c = new Station("C", "127.0.0.3", vteps.get(2));
        this.stations = List.of(a, b, c);
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        alice = host("alice", "02:00:00:01:00:01", "10.0.0.1", alloc);
        bob = host("bob", "02:00:00:01:00:02", "10.0.0.2", alloc);
        carol = host("carol", "02:00:00:01:00:03", "10.0.0.3", alloc);
        dave = host("dave", "02:00:00:02:00:01", "10.0.0.1", alloc);
        erin = host("erin", "02:00:00:02:00:02", "10.0.0.2", alloc);

        plug(alice, segment(a, BLUE, b, c));
        plug(bob, segment(b, BLUE, a, c));
        plug(carol, segment(c, BLUE, a, b));
        plug(dave, segment(a, GREEN, b));
        plug(erin, segment(b, GREEN, a));
    }

    private SimulatedHost host(String name, String mac, String ip, ByteBufAllocator alloc) {
        SimulatedHost host = new SimulatedHost(name, MacAddress.parse(mac), Addresses.ipv4(ip), alloc);
        names.put(host.mac(), name);
        return host;
    }

    private static Segment segment(Station at, int vni, Station... floodTo) {
        Segment segment = at.vtep().segment(vni);
        for (Station remote : floodTo) {
            segment.floodTo(remote.address());
        }
        return segment;
    }

    private static void plug(SimulatedHost host, Segment segment) {
        LocalPort port = segment.attach(host.name(), host::receive);
        host.connect(port::send);
    }

    /**
     * Starts the three VTEPs on {@code preferredPort}, or on another port when that one is taken on loopback (a
     * VXLAN device or another demo may hold it). Either all three run or none does.
     */
    static DemoNetwork start(int preferredPort, Duration sweep) {
        UncheckedIOException last = null;
        int candidate = preferredPort;
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            List<Vtep> vteps = new ArrayList<>();
            try {
                for (String address : List.of("127.0.0.1", "127.0.0.2", "127.0.0.3")) {
                    vteps.add(Vtep.builder()
                            .localAddress(address)
                            .port(candidate)
                            .eventLoops(1)
                            .sweepInterval(sweep)
                            .build());
                }
                return new DemoNetwork(vteps, candidate);
            } catch (UncheckedIOException e) {
                last = e;
                vteps.forEach(Vtep::close);
                candidate = ThreadLocalRandom.current().nextInt(20000, 60000);
            } catch (RuntimeException e) {
                vteps.forEach(Vtep::close);
                throw e;
            }
        }
        throw new IllegalStateException(
                "could not bind three loopback VTEPs on a common UDP port after " + PORT_ATTEMPTS + " attempts: "
                        + last.getMessage(),
                last);
    }

    List<Station> stations() {
        return stations;
    }

    List<SimulatedHost> hosts() {
        return List.of(alice, bob, carol, dave, erin);
    }

    /** The host's name for a MAC the demo created, or null. */
    String nameOf(long mac) {
        return names.get(mac);
    }

    @Override
    public void close() {
        for (Station station : stations) {
            station.vtep().close();
        }
    }
}
