package io.vtep4j;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What the per-remote-VTEP counters add to each packet, measured on the engine's own {@code RemoteTraffic} (this class
 * sits in the engine's package for that): for a packet from the underlay, the lookup the receive path already made
 * (now returning the counters with the location) plus two additions; for a packet to a remote, one lookup by address
 * plus two additions. 64 known remotes, visited in turn. Single-threaded.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RemoteTrafficBenchmark -prof gc -f 1 -wi 3 -w 1s -i 5 -r 1s}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class RemoteTrafficBenchmark {

    private static final int REMOTES = 64;

    private final RemoteTraffic traffic = new RemoteTraffic(RemoteTraffic.DEFAULT_MAX_REMOTES);
    private final InetAddress[] addresses = new InetAddress[REMOTES];
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws UnknownHostException {
        for (int i = 0; i < REMOTES; i++) {
            // fresh instances, as the underlay hands them over: equal to the keys, not the same objects
            byte[] raw = {10, 99, 0, (byte) (i + 2)};
            traffic.getOrCreate(InetAddress.getByAddress(raw));
            addresses[i] = InetAddress.getByAddress(raw);
        }
    }

    /** Receive path: counters of a known source, one packet counted. */
    @Benchmark
    public Object received() {
        RemoteTraffic.Remote r = traffic.getOrCreate(addresses[next++ & (REMOTES - 1)]);
        r.received(72);
        return r;
    }

    /** Send path: counters of a known destination, one packet counted. */
    @Benchmark
    public Object sent() {
        RemoteTraffic.Remote r = traffic.getOrCreate(addresses[next++ & (REMOTES - 1)]);
        r.sent(72, false);
        return r;
    }

    /** Baseline: the lookup alone (what the receive path made before, for its location cache). */
    @Benchmark
    public Object lookupOnly() {
        return traffic.get(addresses[next++ & (REMOTES - 1)]);
    }
}
