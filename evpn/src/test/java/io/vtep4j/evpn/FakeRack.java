package io.vtep4j.evpn;

import com.google.protobuf.Any;
import io.vtep4j.LocalPort;
import io.vtep4j.Vtep;
import io.vtep4j.evpn.internal.gobgp.EVPNMACIPAdvertisementRoute;
import io.vtep4j.evpn.internal.gobgp.ExtendedCommunitiesAttribute;
import io.vtep4j.evpn.internal.gobgp.MacMobilityExtended;
import io.vtep4j.evpn.internal.gobgp.Path;
import io.vtep4j.interop.Await;
import io.vtep4j.learning.Location;
import io.vtep4j.learning.MacAddress;
import io.vtep4j.testing.Closing;
import io.vtep4j.testing.Frames;
import io.vtep4j.testing.Ports;
import java.net.InetAddress;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One VTEP on 127.0.0.1 with its EVPN agent, talking to a {@link FakeGobgpd}; the "other VTEP" is a loopback address
 * whose routes the test injects into the fake. Closes everything, also after a failure. Not thread-safe.
 */
final class FakeRack implements AutoCloseable {

    /** Generous: a cold JVM on a loaded 2-core machine takes seconds for its first gRPC connection. */
    static final Duration WAIT = Duration.ofSeconds(60);

    static final int VNI = 100;
    static final String THEM = "127.0.0.9";
    static final RouteTarget RT = RouteTarget.auto(65000, VNI);

    final FakeGobgpd bgp = new FakeGobgpd();
    Vtep vtep;
    EvpnAgent agent;
    /** Added to the VTEP's builder by {@link #agent}; set it before. */
    Consumer<Vtep.Builder> vtepOptions = v -> {};

    /** Builds and starts the agent; {@code options} adds to the test defaults (fast retries, short scans). */
    FakeRack agent(Consumer<EvpnAgent.Builder> options) {
        EvpnAgent.Builder b = EvpnAgent.builder()
                .gobgp(bgp.api())
                .vni(VNI)
                .retry(Duration.ofMillis(50), Duration.ofMillis(400))
                .scanInterval(Duration.ofMillis(50))
                .resyncInterval(Duration.ofHours(1))
                .callDeadline(Duration.ofSeconds(15));
        options.accept(b);
        agent = b.build();
        Vtep.Builder v = Vtep.builder()
                .localAddress("127.0.0.1")
                .port(Ports.freeUdp())
                .eventLoops(1)
                .fdbListener(agent.fdbListener());
        vtepOptions.accept(v);
        vtep = v.build();
        agent.start(vtep);
        return this;
    }

    void awaitConnected() {
        awaitStatus(s -> s.state() == EvpnStatus.State.CONNECTED);
    }

    /** Waits until the agent's status meets {@code condition}; a timeout shows the status. */
    void awaitStatus(Predicate<EvpnStatus> condition) {
        Await.until(
                WAIT, () -> condition.test(agent.status()), () -> agent.status().toString());
    }

    /** Waits until {@code condition} about the forwarding table holds; a timeout shows the table. */
    void awaitTable(BooleanSupplier condition) {
        Await.until(
                WAIT,
                condition,
                () -> agent.status() + "\n" + vtep.forwardingTable().show());
    }

    /** Waits until the agent has installed the other VTEP's route for {@code mac}. */
    void awaitInstalledAtThem(long mac) {
        awaitTable(() -> installedAtThem(mac));
    }

    /** Waits until our route for {@code mac} in the fake has {@code sequence} (-1: until there is none). */
    void awaitOurSequence(long mac, long sequence) {
        Await.until(WAIT, () -> ourSequence(mac) == sequence, () -> bgp.local().toString());
    }

    /** The other VTEP advertises {@code mac} (sequence 0) through the fake. */
    void theyAdvertise(long mac) {
        bgp.receive(theirMac(mac, 0, false), THEM);
    }

    /** A local host port that has sent one frame from {@code mac}. */
    LocalPort host(String name, long mac) {
        LocalPort port = vtep.segment(VNI).attach(name, io.netty.buffer.ByteBuf::release);
        port.send(Frames.arpRequest(mac, "10.50.0.1", "10.50.0.2"));
        return port;
    }

    /** The other VTEP's type-2 route for {@code mac} with MAC mobility {@code sequence}. */
    static Path theirMac(long mac, long sequence, boolean withdraw) {
        InetAddress them = address(THEM);
        return RouteCodec.macIp(VNI, RouteCodec.rd(them, VNI), RT, them, mac, sequence, withdraw);
    }

    /** The sequence number of our type-2 route for {@code mac} in the fake's table, or -1 if there is none. */
    long ourSequence(long mac) {
        for (Path p : bgp.local()) {
            try {
                if (p.getNlri().is(EVPNMACIPAdvertisementRoute.class)
                        && MacAddress.parse(p.getNlri()
                                        .unpack(EVPNMACIPAdvertisementRoute.class)
                                        .getMacAddress())
                                == mac) {
                    long seq = 0;
                    for (Any a : p.getPattrsList()) {
                        if (a.is(ExtendedCommunitiesAttribute.class)) {
                            for (Any c :
                                    a.unpack(ExtendedCommunitiesAttribute.class).getCommunitiesList()) {
                                if (c.is(MacMobilityExtended.class)) {
                                    seq = c.unpack(MacMobilityExtended.class).getSequenceNum();
                                }
                            }
                        }
                    }
                    return seq;
                }
            } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                throw new AssertionError(e);
            }
        }
        return -1;
    }

    boolean installedAtThem(long mac) {
        return agent.installed(VNI, mac, Location.remote(address(THEM)));
    }

    Location at(long mac) {
        return vtep.forwardingTable().lookup(VNI, mac);
    }

    static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    @Override
    public void close() {
        Closing.all(agent, vtep, bgp);
    }
}
